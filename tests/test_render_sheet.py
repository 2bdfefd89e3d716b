"""The downloaded panels PNG: a font that has × Δ ′ − (no .notdef boxes), a title line, colour
bars with the scale's numbers, the legend; and the hover figure's values."""

import io

import numpy as np
import pytest
from matplotlib.ft2font import FT2Font
from PIL import Image

from boundary_core.heatmap import Scale, diverging, to_uint8
from boundary_core.render import HeatmapStyle, panel_images, panels_png
from boundary_core.sheet import colourbar, font, font_path, grid_png
from tests.test_render_panels import fake_result
from ui.heatmap_figure import hover_figure

GLYPHS = "×Δ′−ℓ±→←"
MISSING = "\ue000"  # a private-use code point no font maps: drawn as the .notdef box


def test_the_font_file_maps_every_glyph_the_captions_use():
    charmap = FT2Font(str(font_path())).get_charmap()
    assert all(ord(char) in charmap for char in GLYPHS)
    assert ord(MISSING) not in charmap


@pytest.mark.parametrize("char", GLYPHS)
def test_each_glyph_draws_differently_from_the_notdef_box(char):
    box = font(14).getmask(MISSING)
    glyph = font(14).getmask(char)
    assert glyph.size != box.size or bytes(glyph) != bytes(box)


def caption_strip(png: bytes, top: int, bottom: int) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"))[top:bottom]


def test_grid_captions_show_the_glyphs_not_boxes():
    tile = np.zeros((4, 4, 3))

    def sheet(text):
        return grid_png([(text, tile)], columns=1, width=80)

    strips = {text: caption_strip(sheet(text), 80, 100) for text in ("Δ", "×", MISSING)}
    assert not np.array_equal(strips["Δ"], strips[MISSING])
    assert not np.array_equal(strips["×"], strips[MISSING])
    assert not np.array_equal(strips["Δ"], strips["×"])


def test_colourbar_shows_the_palette_and_the_scale_numbers():
    bar = np.asarray(colourbar("gradient maps", Scale(9.39, 9.39), width=201))
    middle_row = bar[16 + 7]  # title line (16 px) then the 14 px bar
    np.testing.assert_array_equal(middle_row[1], to_uint8(diverging(np.array(-1.0))))
    np.testing.assert_array_equal(middle_row[199], to_uint8(diverging(np.array(1.0))))
    with_numbers = colourbar("x", Scale(9.39, 9.39), width=201)
    other_numbers = colourbar("x", Scale(0.10, 0.10), width=201)
    assert with_numbers.tobytes() != other_numbers.tobytes()  # the ticks are the numbers


def test_download_png_has_title_tiles_colour_bars_and_legend():
    result = fake_result(9.39, 0.10, model="shapes-robust")
    style = HeatmapStyle(blur=0)
    panels = panel_images(result, style)
    plain = Image.open(io.BytesIO(grid_png(panels)))
    full = Image.open(io.BytesIO(panels_png(result, panels, style, image="circle_01")))
    assert full.width == plain.width
    # title (one line), two colour bars (one per kind) and a legend paragraph below the tiles
    bars = 2 * colourbar("x", Scale(1, 1)).height
    assert full.height > plain.height + bars + 30
    title = np.asarray(full.convert("L"))[:20]
    assert (title < 128).any()  # text drawn in the title line
    one_kind = panel_images(result, style, only=("sm", "bsm"))
    shorter = Image.open(io.BytesIO(panels_png(result, one_kind, style)))
    assert shorter.height < full.height  # one colour bar fewer (and one row of tiles)


def test_hover_figure_carries_each_maps_values():
    result = fake_result(9.39, 0.10)
    panels = panel_images(result, HeatmapStyle(blur=0))
    figure = hover_figure(panels)
    maps = [p for p in panels if p.values is not None]
    assert len(figure.data) == len(maps) == 4
    for trace, panel in zip(figure.data, maps, strict=True):
        np.testing.assert_allclose(np.asarray(trace.customdata), panel.values, rtol=1e-6)
        assert "value %{customdata" in trace.hovertemplate and panel.caption in trace.hovertemplate
    with pytest.raises(ValueError, match="values"):
        hover_figure(panels[:1])  # the input alone has no map values
