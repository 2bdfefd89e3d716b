"""Turning an explanation into what a front shows: heatmap tiles, a grid PNG, NPZ and JSON.

Pure numpy + Pillow, shared by the Streamlit pages and the Gradio app, so
neither front renders a map on its own (STYLE rule 17). A *result* is the plain-array dict of
:func:`explanation_arrays`: ``summary``, ``input`` and ``boundary`` ``(C, H, W)``, ``maps``.
The tiles and their scales live in ``boundary_core.tiles``, the pictures in
``boundary_core.sheet``; both are re-exported here.
"""

import hashlib
import io
import json
import re

import numpy as np

from boundary_core.methods import label
from boundary_core.metrics import GT_LOC_BLUR, LOCALIZATION_METRICS, METRICS, gt_loc_iou
from boundary_core.sheet import BOX_COLOUR, DISTRACTOR_COLOUR, grid_png, upscale
from boundary_core.tiles import (
    DEFAULT_SCALE,
    GRADIENT_MAPS,
    KINDS,
    SCALES,
    SHARED_NOTE,
    STYLES,
    HeatmapStyle,
    Panel,
    about,
    boundary_panels,
    colour_keys,
    heatmap,
    image_rgb,
    kind,
    legend_text,
    map_scale,
    map_values,
    number,
    panel_images,
    pooled_scale,
    scale_text,
    shared_scales,
    sign_text,
)

__all__ = [
    "BOX_COLOUR",
    "DEFAULT_SCALE",
    "DISTRACTOR_COLOUR",
    "GRADIENT_MAPS",
    "HeatmapStyle",
    "KINDS",
    "METRIC_COLUMNS",
    "Panel",
    "SCALES",
    "SHARED_NOTE",
    "STYLES",
    "about",
    "arrays_npz",
    "boundary_panels",
    "box_metrics",
    "colour_keys",
    "download_name",
    "explanation_arrays",
    "grid_png",
    "heatmap",
    "image_key",
    "image_rgb",
    "kind",
    "legend_text",
    "map_scale",
    "map_values",
    "number",
    "panel_images",
    "panels_png",
    "pooled_scale",
    "scale_text",
    "shared_scales",
    "sign_text",
    "summary_json",
    "upscale",
]

METRIC_COLUMNS = {METRICS[name].label: METRICS[name].fn for name in LOCALIZATION_METRICS}


def panels_png(
    result: dict,
    panels,
    style: HeatmapStyle | None = None,
    *,
    image: str = "",
    model: str = "",
    box=None,
    distractor_box=None,
    columns: int = 6,
) -> bytes:
    """The downloadable grid: a title (image, model, prediction, target), the tiles, a colour
    bar per scale and the legend, with a font that has every glyph of the captions."""
    style = style or HeatmapStyle()
    title = " · ".join(part for part in (image, about(result, model)) if part)
    return grid_png(
        panels,
        columns,
        box=box,
        distractor_box=distractor_box,
        title=title,
        keys=colour_keys(panels),
        legend=legend_text(style.style, style.palette, style.scale),
        palette=style.palette,
    )


def download_name(image: str, model: str, extension: str = "png", what: str = "explain") -> str:
    """``explain_<image>_<model>.png``; anything but letters, digits, ``-`` and ``.`` -> ``_``."""
    parts = [what, *(re.sub(r"[^A-Za-z0-9.-]+", "_", p).strip("_") for p in (image, model))]
    stem = "_".join(p for p in parts if p)
    return f"{stem}.{extension}" if extension else stem


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
