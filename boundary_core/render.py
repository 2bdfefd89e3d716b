"""Turning an explanation into what a front shows: heatmap tiles, a grid PNG, NPZ and JSON.

Pure numpy + Pillow, shared by the Streamlit pages (through ``ui.panels``) and the Gradio app, so
neither front renders a map on its own (STYLE rule 17). A *result* is the plain-array dict of
:func:`explanation_arrays`: ``summary``, ``input`` and ``boundary`` ``(C, H, W)``, ``maps``.
"""

import hashlib
import io
import json
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from boundary_core.heatmap import amplified_perturbation, captum_overlay, paper_overlay, to_uint8
from boundary_core.methods import label
from boundary_core.metrics import GT_LOC_BLUR, LOCALIZATION_METRICS, METRICS, gt_loc_iou

LEGENDS = {
    "paper": "Paper style: red = pushes towards the predicted class, blue = against it, green = 0 "
    "(jet on a fixed [−1, 1] scale, each sign scaled to its own maximum).",
    "captum": "Captum style: green = pushes towards the predicted class, red = against it, white "
    "= 0 (channel sum, clipped at the 2% outliers).",
}
BOX_COLOUR, DISTRACTOR_COLOUR = (255, 255, 255), (255, 140, 0)
METRIC_COLUMNS = {METRICS[name].label: METRICS[name].fn for name in LOCALIZATION_METRICS}


@dataclass(frozen=True)
class HeatmapStyle:
    """How maps are drawn: ``paper`` (signed_max + blur, jet on a fixed [−1, 1]) or ``captum``."""

    style: str = "paper"
    blur: float | None = None  # σ in pixels; None = the paper's σ scaled to the image width
    alpha: float = 0.5  # overlay opacity


def legend_text(style: str) -> str:
    """What the colours, Δ, x′ − x and the boxes of a panel grid mean (one caption)."""
    return (
        LEGENDS[style] + " Δ is each map's completeness error Σ attribution − (f(x) − "
        "f(baseline)). x′ − x is amplified to use the full grey range; white box: ground truth."
    )


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


def image_rgb(chw: np.ndarray) -> np.ndarray:
    return np.clip(chw.transpose(1, 2, 0), 0.0, 1.0)  # (C, H, W) -> (H, W, C)


def heatmap(image, attribution, style: HeatmapStyle = HeatmapStyle()) -> np.ndarray:
    if style.style == "paper":
        return paper_overlay(image, attribution, blur=style.blur, alpha=style.alpha)
    return captum_overlay(image, attribution, alpha=style.alpha)


def panel_images(
    result: dict, style: HeatmapStyle = HeatmapStyle(), only: tuple[str, ...] | None = None
) -> list[tuple[str, np.ndarray]]:
    """``(caption, rgb)`` for the input, every map (or those in ``only``), x′ and x′ − x."""
    image = result["input"]
    summary = result["summary"]
    panels = [("input", image_rgb(image))]
    for name, values in result["maps"].items():
        if only is not None and name not in only:
            continue
        delta = summary["methods"][name].get("completeness_delta")
        caption = label(name) + (f" · Δ {delta:+.3f}" if delta is not None else "")
        panels.append((caption, heatmap(image, values, style)))
    if result["boundary"] is not None and only is None:
        panels.append(("boundary point x′", image_rgb(result["boundary"])))
        panels.append(("x′ − x (amplified)", amplified_perturbation(image, result["boundary"])))
    return panels


def box_metrics(maps: dict[str, np.ndarray], box) -> list[dict]:
    """One row per map: Loc, EG, PP, Con (App. B.1) and the best GT-Loc IoU over thresholds
    (blurred σ = 3, Fig. 14) for one image and its ground-truth box. Higher is better for all."""
    rows = []
    for name, values in maps.items():
        row = {"map": label(name)}
        row |= {label: fn(values, box) for label, fn in METRIC_COLUMNS.items()}
        iou = gt_loc_iou(values, box, blur=GT_LOC_BLUR)
        row["best IoU"] = float(np.nanmax(iou)) if np.isfinite(iou).any() else float("nan")
        rows.append(row)
    return rows


def grid_png(
    panels: list[tuple[str, np.ndarray]],
    columns: int = 6,
    width: int = 160,
    box=None,
    distractor_box=None,
) -> bytes:
    """All panels as one PNG (for download), captions under each tile, boxes drawn if given."""
    rows = (len(panels) + columns - 1) // columns
    tile_height = width + 18
    sheet = Image.new("RGB", (columns * width, rows * tile_height), "white")
    draw = ImageDraw.Draw(sheet)
    for index, (caption, rgb) in enumerate(panels):
        left, top = (index % columns) * width, (index // columns) * tile_height
        sheet.paste(upscale(rgb, width, box, distractor_box), (left, top))
        draw.text((left + 4, top + width + 3), caption, fill="black")
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG")
    return buffer.getvalue()


def arrays_npz(result: dict) -> bytes:
    """Input, boundary point and every map as one compressed NPZ (``(C, H, W)`` float32)."""
    arrays = {"input": result["input"], **result["maps"]}
    if result["boundary"] is not None:
        arrays["boundary"] = result["boundary"]
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def summary_json(summary: dict, extra: dict | None = None) -> str:
    """The numbers of a view as JSON (NaN written as null)."""

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        if isinstance(value, float) and not np.isfinite(value):
            return None
        return value

    return json.dumps(clean(summary | (extra or {})), indent=2)


def image_key(image: np.ndarray) -> str:
    """The cache key of an image array: the first 16 hex digits of the SHA-256 of its bytes."""
    return hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest()[:16]


def explanation_arrays(explanation, image: np.ndarray) -> dict:
    """An ``explain.Explanation`` of ``image (C, H, W)`` as plain numpy arrays and its
    JSON-friendly summary: the *result* every function here draws from."""
    found = bool(explanation.boundary.found[0])
    return {
        "summary": explanation.summary(),
        "input": image,
        "boundary": explanation.boundary.point[0].cpu().numpy() if found else None,
        "maps": {k: v[0].cpu().numpy() for k, v in explanation.attributions.maps.items()},
        "probabilities": explanation.probabilities.cpu().numpy(),
        "class_names": list(explanation.class_names),
    }
