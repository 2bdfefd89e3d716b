"""Turning attribution maps into the images a page shows (pure numpy + Pillow, no Streamlit)."""

import numpy as np
from PIL import Image

from boundary_core.heatmap import (
    amplified_perturbation,
    captum_overlay,
    paper_overlay,
    to_uint8,
)

TITLES = {
    "sm": "SM", "ig_black": "IG (black)", "ig_white": "IG (white)", "ig_blur": "IG (blur)",
    "ig_noise": "IG (noise)", "ig_color": "IG (colour)", "sg": "SmoothGrad", "gxi": "Grad×Input",
    "deeplift": "DeepLIFT", "bsm": "BSM", "big": "BIG", "agi": "AGI",
}  # fmt: skip


def upscale(rgb: np.ndarray, width: int = 192) -> Image.Image:
    """Nearest-neighbour enlargement so 32-pixel images stay crisp on screen."""
    image = Image.fromarray(to_uint8(rgb))
    return image.resize((width, width * image.height // image.width), Image.Resampling.NEAREST)


def image_rgb(chw: np.ndarray) -> np.ndarray:
    return np.clip(chw.transpose(1, 2, 0), 0.0, 1.0)  # (C, H, W) -> (H, W, C)


def heatmap(image, attribution, style="paper", blur=None, alpha=0.5) -> np.ndarray:
    if style == "paper":
        return paper_overlay(image, attribution, blur=blur, alpha=alpha)
    return captum_overlay(image, attribution, alpha=alpha)


def panel_images(result: dict, style="paper", blur=None, alpha=0.5) -> list[tuple[str, np.ndarray]]:
    """``(caption, rgb)`` for the input, every map, the boundary point and the perturbation."""
    image = result["input"]
    summary = result["summary"]
    panels = [("input", image_rgb(image))]
    for name, values in result["maps"].items():
        delta = summary["methods"][name].get("completeness_delta")
        caption = TITLES.get(name, name) + (f" · Δ {delta:+.3f}" if delta is not None else "")
        panels.append((caption, heatmap(image, values, style, blur, alpha)))
    if result["boundary"] is not None:
        panels.append(("boundary point x′", image_rgb(result["boundary"])))
        panels.append(("x′ − x (amplified)", amplified_perturbation(image, result["boundary"])))
    return panels


def grid_png(panels: list[tuple[str, np.ndarray]], columns: int = 6, width: int = 160) -> bytes:
    """All panels as one PNG (for download), captions under each tile."""
    import io

    from PIL import ImageDraw

    rows = (len(panels) + columns - 1) // columns
    tile_height = width + 18
    sheet = Image.new("RGB", (columns * width, rows * tile_height), "white")
    draw = ImageDraw.Draw(sheet)
    for index, (caption, rgb) in enumerate(panels):
        left, top = (index % columns) * width, (index // columns) * tile_height
        sheet.paste(upscale(rgb, width), (left, top))
        draw.text((left + 4, top + width + 3), caption, fill="black")
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG")
    return buffer.getvalue()
