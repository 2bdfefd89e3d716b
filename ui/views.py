"""Streamlit drawing blocks shared by the pages (each takes computed results and draws them)."""

import contextvars

import numpy as np
import pandas as pd
import streamlit as st

from boundary_core.methods import label
from boundary_core.render import image_key, legend_text
from ui.compute import DEFAULT_COLOUR, cached_explanation
from ui.panels import (
    arrays_npz,
    box_metrics,
    grid_png,
    summary_json,
    upscale,
)
from ui.sources import Picture


def outside_cache(callback):
    """``callback`` run in the page's own context, so the progress updates it makes from inside an
    ``st.cache_data`` function are not recorded for replay (Streamlit would replay them on a cache
    hit into a progress bar that no longer exists, raising ``CacheReplayClosureError``)."""
    context = contextvars.copy_context()
    return lambda *args: context.run(callback, *args)


def explain(
    model: str,
    picture: Picture,
    preset: str,
    steps,
    baselines=("black", "white"),
    colour: str = DEFAULT_COLOUR,
    label: str = "",
    extra: tuple[str, ...] = (),
) -> dict:
    """The cached explanation of ``picture``, with a progress bar while it is computed."""
    bar = st.progress(0.0, text=f"{label}starting…")
    result = cached_explanation(
        model,
        image_key(picture.image),
        picture.image,
        preset,
        steps,
        tuple(baselines),
        colour,
        tuple(extra),
        _progress=outside_cache(lambda fraction, message: bar.progress(fraction, label + message)),
    )
    bar.empty()
    return result


def headline(result: dict, columns=None) -> None:
    """Predicted and boundary labels with probabilities, distance to x′, the winning search."""
    summary = result["summary"]
    prediction, boundary = summary["prediction"], summary["boundary"]
    columns = columns or st.columns(4)
    columns[0].metric(
        "Prediction",
        prediction["label"],
        f"p = {prediction['probability']:.3f}",
        delta_color="off",
        delta_arrow="off",
    )
    if not boundary["found"]:
        columns[1].error("No boundary point found: BSM and BIG are unavailable.")
        return
    columns[1].metric(
        "Boundary label",
        boundary["label"],
        f"p = {boundary['probability']:.3f}",
        delta_color="off",
        delta_arrow="off",
    )
    columns[2].metric("ℓ2 distance to x′", f"{boundary['distance_l2']:.4f}")
    if len(columns) > 3:
        cost = f"{boundary['gradient_evals']} gradients, {boundary['seconds']:.1f} s"
        columns[3].metric("Search", boundary["method"], cost, delta_color="off", delta_arrow="off")


def panel_grid(panels, columns: int = 6, picture: Picture | None = None, width: int = 192):
    """Tiles with captions; the ground-truth box (white) and distractor (orange) drawn on."""
    box = picture.box if picture else None
    distractor = picture.distractor_box if picture else None
    grid = st.columns(columns)
    for index, (caption, rgb) in enumerate(panels):
        tile = upscale(rgb, width, box, distractor)
        grid[index % columns].image(tile, caption=caption, width="stretch")


def metrics_table(result: dict, picture: Picture) -> None:
    """Per-map localisation scores against the ground-truth box (higher is better)."""
    frame = pd.DataFrame(box_metrics(result["maps"], picture.box)).set_index("map")
    st.markdown(
        f"**Ground truth: {picture.true_label}** (white box"
        f"{'; orange: distractor' if picture.distractor_box else ''})"
    )
    styled = frame.style.format("{:.2f}", na_rep="–").highlight_max(color="#c8e6c9")
    st.dataframe(styled, width="stretch", height=36 * (len(frame) + 1) + 4)  # every row shown
    st.caption(
        "Loc, EG, PP, Con: paper App. B.1; best IoU: GT-Loc's IoU of the highlighted "
        "region's box with the true box, best threshold, blur σ = 3 (Fig. 14)."
    )


def downloads(result: dict, panels, picture: Picture | None, prefix: str = "explanation"):
    """Grid PNG, arrays NPZ, numbers JSON, and the boundary point alone as NPY."""
    box = picture.box if picture else None
    distractor = picture.distractor_box if picture else None
    extra = {"image": picture.name} if picture else {}
    if picture is not None and picture.box is not None:
        extra["box_metrics"] = box_metrics(result["maps"], picture.box)
    columns = st.columns(4)
    columns[0].download_button(
        "Panels (PNG)",
        grid_png(panels, box=box, distractor_box=distractor),
        f"{prefix}.png",
        "image/png",
    )
    columns[1].download_button("Maps + x′ (NPZ)", arrays_npz(result), f"{prefix}.npz")
    columns[2].download_button(
        "Numbers (JSON)",
        summary_json(result["summary"], extra),
        f"{prefix}.json",
        "application/json",
    )
    if result["boundary"] is not None:
        buffer = __import__("io").BytesIO()
        np.save(buffer, result["boundary"])
        columns[3].download_button("x′ (NPY)", buffer.getvalue(), f"{prefix}-boundary.npy")


def legend(style: str) -> None:
    st.caption(legend_text(style))


def unavailable(result: dict) -> None:
    for method, reason in result["summary"]["unavailable"].items():
        st.warning(f"{label(method)}: {reason}")
