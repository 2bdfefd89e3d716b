"""Pictures made of panels: enlarged tiles with boxes, colour bars with numbers, and the grid PNG
people download (a title line, the tiles with captions, a colour bar per scale, the legend).

Pillow only. Text is drawn with DejaVu Sans, which matplotlib ships (a dependency of Captum):
Pillow's built-in bitmap font has no ×, Δ, ′ or − and draws them as boxes. The font file is found
with ``importlib.util.find_spec`` so matplotlib itself is never imported (the core stays free of
plotting libraries); without it, Pillow's scalable default font is used.
"""

import importlib.util
import io
import textwrap
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from boundary_core.heatmap import DEFAULT_PALETTE, Scale, diverging, to_uint8

BOX_COLOUR, DISTRACTOR_COLOUR = (255, 255, 255), (255, 140, 0)
CAPTION_SIZE, TITLE_SIZE = 12, 15  # font sizes in pixels
BAR_HEIGHT = 14  # colour bar height in pixels


def font_path() -> Path | None:
    """matplotlib's DejaVu Sans, or None when matplotlib is not installed."""
    spec = importlib.util.find_spec("matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if path.is_file():
            return path
    return None


@cache
def font(size: int = CAPTION_SIZE) -> ImageFont.FreeTypeFont:
    """A font with the glyphs the captions use (× Δ ′ − ℓ ± …), ``size`` pixels high."""
    path = font_path()
    return ImageFont.truetype(str(path), size) if path else ImageFont.load_default(size)


def _draw_box(draw: ImageDraw.ImageDraw, box, scale: float, colour) -> None:
    x0, y0, x1, y1 = box
    outer = [x0 * scale - 1, y0 * scale - 1, x1 * scale, y1 * scale]
    draw.rectangle(outer, outline=(0, 0, 0), width=1)
    draw.rectangle(
        [outer[0] + 1, outer[1] + 1, outer[2] - 1, outer[3] - 1], outline=colour, width=2
    )


def upscale(rgb: np.ndarray, width: int = 192, box=None, distractor_box=None) -> Image.Image:
    """Nearest-neighbour enlargement so small images stay crisp; boxes (image pixels) drawn on."""
    image = Image.fromarray(to_uint8(rgb))
    scale = width / image.width
    image = image.resize((width, round(image.height * scale)), Image.Resampling.NEAREST)
    if box is not None or distractor_box is not None:
        draw = ImageDraw.Draw(image)
        if distractor_box is not None:
            _draw_box(draw, distractor_box, scale, DISTRACTOR_COLOUR)
        if box is not None:
            _draw_box(draw, box, scale, BOX_COLOUR)
    return image


def _ticks(scale: Scale) -> tuple[str, str, str]:
    return f"−{scale.negative:.3g}", "0", f"+{scale.positive:.3g}"


def colourbar(
    title: str, scale: Scale, palette: str = DEFAULT_PALETTE, width: int = 320
) -> Image.Image:
    """A colour bar: ``title`` above (wrapped), the palette from −1 to +1, the values at both
    ends and at 0, and which end is for / against the class.

    The ends are ``−scale.negative`` and ``+scale.positive`` (for ``signed_max`` each half has
    its own length, so the ticks show where each sign's maximum sits)."""
    small = font(CAPTION_SIZE)
    line = CAPTION_SIZE + 4
    titles = _paragraph(title, width, small)
    top = line * len(titles)
    sheet = Image.new("RGB", (width, top + 2 * line + BAR_HEIGHT + 2), "white")
    draw = ImageDraw.Draw(sheet)
    for index, text in enumerate(titles):
        draw.text((0, index * line), _fit(text, width, small), fill="black", font=small)
    strip = to_uint8(diverging(np.linspace(-1.0, 1.0, width - 2), palette))  # (W, 3)
    bar = Image.fromarray(np.repeat(strip[None], BAR_HEIGHT, axis=0))  # (BAR_HEIGHT, W, 3)
    sheet.paste(bar, (1, top))
    draw.rectangle([0, top - 1, width - 1, top + BAR_HEIGHT], outline="black")
    places = zip(("la", "ma", "ra"), (0, width // 2, width - 1), _ticks(scale), strict=True)
    for anchor, x, text in places:
        draw.text((x, top + BAR_HEIGHT + 2), text, fill="black", font=small, anchor=anchor)
    words = top + line + BAR_HEIGHT + 2
    draw.text((0, words), "← against the class", fill="black", font=small)
    draw.text((width - 1, words), "for the class →", fill="black", font=small, anchor="ra")
    return sheet


def _fit(text: str, width: int, face: ImageFont.FreeTypeFont) -> str:
    """``text`` cut with "…" to fit ``width`` pixels."""
    while text and face.getlength(text) > width:
        text = text[:-2] + "…"
    return text


def _paragraph(text: str, width: int, face) -> list[str]:
    """``text`` wrapped at spaces into lines of about ``width`` pixels."""
    per_line = max(int(width / face.getlength("n")), 10)
    return textwrap.wrap(text, per_line) or [""]


def grid_png(
    panels,
    columns: int = 6,
    width: int = 160,
    box=None,
    distractor_box=None,
    *,
    title: str = "",
    keys=(),
    legend: str = "",
    palette: str = DEFAULT_PALETTE,
) -> bytes:
    """All panels as one PNG (for download): a ``title`` line, the tiles with their captions
    (boxes drawn if given), one colour bar per ``(label, Scale)`` of ``keys``, the ``legend``."""
    panels = [tuple(panel) for panel in panels]  # (caption, rgb)
    rows = (len(panels) + columns - 1) // columns
    caption_face, title_face = font(CAPTION_SIZE), font(TITLE_SIZE)
    tile_height, line = width + CAPTION_SIZE + 8, CAPTION_SIZE + 5
    sheet_width = columns * width
    bars = [colourbar(text, scale, palette, min(sheet_width, 360)) for text, scale in keys]
    legend_lines = _paragraph(legend, sheet_width - 8, caption_face) if legend else []
    top = TITLE_SIZE + 10 if title else 0
    height = top + rows * tile_height + 6 + sum(bar.height + 6 for bar in bars)
    height += len(legend_lines) * line + (6 if legend_lines else 0)
    sheet = Image.new("RGB", (sheet_width, height), "white")
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((4, 4), _fit(title, sheet_width - 8, title_face), fill="black", font=title_face)
    for index, (caption, rgb) in enumerate(panels):
        left, y = (index % columns) * width, top + (index // columns) * tile_height
        sheet.paste(upscale(rgb, width, box, distractor_box), (left, y))
        text = _fit(caption, width - 6, caption_face)
        draw.text((left + 3, y + width + 3), text, fill="black", font=caption_face)
    y = top + rows * tile_height + 6
    for bar in bars:
        sheet.paste(bar, (4, y + 2))
        y += bar.height + 6
    for text in legend_lines:
        draw.text((4, y), text, fill="black", font=caption_face)
        y += line
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG")
    return buffer.getvalue()
