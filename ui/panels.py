"""The core's rendering under its old name: the pages import panel helpers from here, the code
lives in ``boundary_core.render`` (shared with the Gradio app)."""

from boundary_core.render import (
    BOX_COLOUR,
    DISTRACTOR_COLOUR,
    LEGENDS,
    METRIC_COLUMNS,
    HeatmapStyle,
    arrays_npz,
    box_metrics,
    explanation_arrays,
    grid_png,
    heatmap,
    image_key,
    image_rgb,
    legend_text,
    panel_images,
    summary_json,
    upscale,
)

__all__ = [
    "BOX_COLOUR",
    "DISTRACTOR_COLOUR",
    "LEGENDS",
    "METRIC_COLUMNS",
    "HeatmapStyle",
    "arrays_npz",
    "box_metrics",
    "explanation_arrays",
    "grid_png",
    "heatmap",
    "image_key",
    "image_rgb",
    "legend_text",
    "panel_images",
    "summary_json",
    "upscale",
]
