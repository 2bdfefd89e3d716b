"""Panels people can compare: shared scales per kind of map (within a row, across models), the
paper's signed_max as an option, alt texts naming method, model and prediction, colour keys."""

import numpy as np
import pytest

from boundary_core.heatmap import Scale, blue_white_red, diverging, paper_values
from boundary_core.render import (
    GRADIENT_MAPS,
    HeatmapStyle,
    colour_keys,
    download_name,
    kind,
    legend_text,
    panel_images,
    shared_scales,
)

pytestmark = pytest.mark.filterwarnings("error")
SIZE = 8


def fake_result(gradient_peak: float, attribution_peak: float, model: str = "") -> dict:
    """A result whose SM/BSM reach ``gradient_peak`` and IG/BIG ``attribution_peak`` at one
    pixel each (one channel, so the paper's channel mean is the value itself)."""
    maps = {}
    for name, peak, spot in [
        ("sm", gradient_peak / 2, (1, 1)),
        ("bsm", gradient_peak, (2, 2)),
        ("ig_black", -attribution_peak / 4, (3, 3)),
        ("big", attribution_peak, (4, 4)),
    ]:
        values = np.zeros((1, SIZE, SIZE))
        values[(0, *spot)] = peak
        maps[name] = values
    summary = {
        "prediction": {"index": 0, "label": "circle", "probability": 0.97},
        "target": {"index": 0, "label": "circle"},
        "boundary": {"found": True, "label": "square", "distance_l2": 0.25},
        "methods": {"big": {"completeness_delta": 0.01}, "ig_black": {}, "sm": {}, "bsm": {}},
    }
    if model:
        summary["model"] = model
    image = np.full((3, SIZE, SIZE), 0.5)
    boundary = image.copy()
    boundary[:, 0, 0] = 0.6
    return {"input": image, "maps": maps, "boundary": boundary, "summary": summary}


FLAT = HeatmapStyle(blur=0, alpha=1.0)  # colours = palette(value / scale) exactly


def by_method(panels) -> dict:
    return {panel.method: panel for panel in panels if panel.method}


def test_gradients_and_attributions_are_the_two_kinds():
    assert {kind(m) for m in GRADIENT_MAPS} == {"gradient"}
    assert {kind(m) for m in ("ig_black", "big", "agi", "gxi", "deeplift")} == {"attribution"}


def test_row_scale_shares_one_magnitude_per_kind_and_keeps_peaks_apart():
    panels = by_method(panel_images(fake_result(9.39, 0.10), FLAT.__class__(blur=0, alpha=1.0)))
    assert panels["sm"].scale == panels["bsm"].scale == Scale(9.39, 9.39)
    assert panels["ig_black"].scale == panels["big"].scale == Scale(0.10, 0.10)
    # SM peaks at half of BSM's: half as red, not the same full red signed_max would give
    sm = panels["sm"].rgb[1, 1]
    np.testing.assert_allclose(sm, diverging(np.array(0.5)))
    np.testing.assert_allclose(panels["bsm"].rgb[2, 2], blue_white_red(1.0))
    np.testing.assert_allclose(panels["ig_black"].rgb[3, 3], diverging(np.array(-0.25)))


def test_per_map_scale_is_the_papers_signed_max():
    style = HeatmapStyle(blur=0, alpha=1.0, scale="map")
    panels = by_method(panel_images(fake_result(9.39, 0.10), style))
    for name, spot in [("sm", (1, 1)), ("bsm", (2, 2)), ("big", (4, 4))]:
        np.testing.assert_allclose(panels[name].rgb[spot], blue_white_red(1.0))  # each own max
    np.testing.assert_allclose(panels["ig_black"].rgb[3, 3], blue_white_red(0.0))
    assert panels["ig_black"].scale == Scale(0.025, 0.0)


def test_models_scale_spans_both_results_and_the_weak_model_looks_weak():
    standard, robust = fake_result(9.39, 0.10), fake_result(0.939, 0.05)
    style = HeatmapStyle(blur=0, alpha=1.0, scale="models")
    scales = shared_scales([standard, robust], style)
    assert scales == {"gradient": Scale(9.39, 9.39), "attribution": Scale(0.10, 0.10)}
    weak = by_method(panel_images(robust, style, scales=scales))
    np.testing.assert_allclose(weak["bsm"].rgb[2, 2], diverging(np.array(0.1)))
    # without the shared scales the robust row would be stretched to its own maxima
    alone = by_method(panel_images(robust, style))
    np.testing.assert_allclose(alone["bsm"].rgb[2, 2], blue_white_red(1.0))
    # the "row" mode ignores scales handed in: each model keeps its own
    row = by_method(
        panel_images(robust, HeatmapStyle(blur=0, alpha=1.0, scale="row"), scales=scales)
    )
    assert row["bsm"].scale == Scale(0.939, 0.939)


def test_panel_values_are_the_numbers_the_colours_show():
    result = fake_result(9.39, 0.10)
    style = HeatmapStyle(blur=1.0)  # blurred values: what the tile shows, not the raw map
    panels = by_method(panel_images(result, style))
    np.testing.assert_allclose(panels["bsm"].values, paper_values(result["maps"]["bsm"], blur=1.0))
    assert panels["bsm"].scale.positive == pytest.approx(panels["bsm"].values.max())


def test_every_panel_has_alt_text_naming_method_model_and_prediction():
    panels = panel_images(fake_result(9.39, 0.10, model="shapes-robust"), FLAT)
    assert [p.caption for p in panels][-2:] == ["boundary point x′", "x′ − x (amplified)"]
    for panel in panels:
        assert "shapes-robust" in panel.alt and "predicted 'circle' (p = 0.97)" in panel.alt
    for panel in panels[1:5]:
        assert panel.alt.startswith(panel.caption.split(" · ")[0] + " heatmap")
        assert "red = pushes towards" in panel.alt
    assert "amplified ×5" in panels[-1].alt  # 0.5 / max|x′ − x| = 0.5 / 0.1
    assert "classified 'square'" in panels[-2].alt
    caption, rgb = panels[1]  # still unpacks as (caption, rgb)
    assert caption == "SM" and rgb.shape == (SIZE, SIZE, 3)


def test_colour_keys_one_per_kind_when_shared_one_per_map_otherwise():
    shared = colour_keys(panel_images(fake_result(9.39, 0.10), FLAT))
    assert shared == [
        ("gradient maps: SM, BSM", Scale(9.39, 9.39)),
        ("attribution maps: IG (black), BIG", Scale(0.10, 0.10)),
    ]
    own = colour_keys(panel_images(fake_result(9.39, 0.10), HeatmapStyle(blur=0, scale="map")))
    assert [text for text, _ in own] == [
        f"{name} (its own scale)" for name in ("SM", "BSM", "IG (black)", "BIG")
    ]


def test_captum_style_shares_captums_clipping_value():
    style = HeatmapStyle(style="captum", alpha=1.0, scale="row")
    panels = by_method(panel_images(fake_result(9.39, 0.10), style))
    # pooled |values| of SM and BSM: 4.695 and 9.39 -> the 98 % cumulative point is 9.39
    assert panels["sm"].scale == panels["bsm"].scale == Scale(9.39, 9.39)


def test_style_options_are_checked_and_named_in_the_legend():
    with pytest.raises(ValueError, match="scale"):
        HeatmapStyle(scale="global")
    with pytest.raises(ValueError, match="palette"):
        HeatmapStyle(palette="viridis")
    text = legend_text("paper", "jet", "map").lower()
    assert "signed_max" in text and "jet" in text and "dark red = pushes towards" in text
    assert "green = 0" in text and "white = 0" in legend_text().lower()
    assert "equal colours are equal numbers" in legend_text(scale="row")


def test_download_names_follow_image_and_model():
    assert download_name("chelsea", "cifar10-resnet18") == "explain_chelsea_cifar10-resnet18.png"
    assert download_name("my photo (1).jpg", "m/x", "npz") == "explain_my_photo_1_.jpg_m_x.npz"
    assert download_name("", "shapes-robust", "") == "explain_shapes-robust"
