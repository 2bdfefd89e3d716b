"""Streamlit drawing blocks shared by the pages (each takes computed results and draws them):
tiles with alt texts, colour bars with numbers, hover values, the style widgets, downloads."""

import contextvars
import io
from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from boundary_core.data.gallery import Picture
from boundary_core.heatmap import DEFAULT_PALETTE, PALETTES
from boundary_core.methods import label
from boundary_core.render import (
    SCALES,
    HeatmapStyle,
    arrays_npz,
    box_metrics,
    colour_keys,
    download_name,
    image_key,
    legend_text,
    panels_png,
    scale_text,
    sign_text,
    summary_json,
    upscale,
)
from boundary_core.sheet import colourbar
from ui.compute import DEFAULT_COLOUR, cached_explanation
from ui.controls import heatmap_controls
from ui.heatmap_figure import figure_alt, hover_figure
from ui.state import init

SCALE_HELP = (
    "How map values become colours. Shared scales (one for the gradient maps SM, SmoothGrad, "
    "BSM and one for the attribution maps IG, BIG, AGI, …, as their units differ) draw equal "
    "numbers in equal colours, so a weak map looks weak; 'across models' also compares the "
    "standard and robust rows. 'Per map' is the paper's signed_max: each sign of each map is "
    "stretched to its own maximum, so only shapes compare (the colour bars give each map's "
    "numbers); in the captum style each map is clipped at its own 2% largest values."
)
PALETTE_HELP = "Red always means positive attribution (pushes towards the explained class)."


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


def style_controls(models: int = 1) -> HeatmapStyle:
    """``heatmap_controls`` plus the colour scale and palette (keys ``scale``, ``palette``).

    ``models``: how many models the page shows; "shared across models" is offered from 2."""
    style = heatmap_controls()
    scales = [s for s in SCALES if models > 1 or s != "models"]
    init("scale", scales[0], scales)
    scale = st.radio("Colour scale", scales, key="scale", format_func=SCALES.get, help=SCALE_HELP)
    init("palette", DEFAULT_PALETTE, list(PALETTES))
    palette = st.selectbox(
        "Palette",
        list(PALETTES),
        key="palette",
        format_func=lambda p: PALETTES[p][0],
        help=PALETTE_HELP,
    )
    return replace(style, scale=scale, palette=palette)


def tile(cell, panel, picture: Picture | None = None, width: int = 192, caption=None) -> None:
    """One panel in ``cell`` (a column or ``st.empty``), with its alt text and the boxes."""
    box = picture.box if picture else None
    distractor = picture.distractor_box if picture else None
    text, rgb = panel
    image = upscale(rgb, width, box, distractor)
    alt = getattr(panel, "alt", "") or text
    cell.image(image, caption=caption or text, width="stretch", alt=alt)


def panel_grid(
    panels,
    columns: int = 6,
    picture: Picture | None = None,
    width: int = 192,
    *,
    key: str = "panels",
    extras: bool = True,
):
    """Tiles with captions and alt texts, row by row (reading order when a phone stacks the
    columns); the ground-truth box (white) and distractor (orange) drawn on. ``extras``: the
    colour bars and the hover view below (``key`` tells two grids of one page apart)."""
    for start in range(0, len(panels), columns):
        row = st.columns(columns)
        for column, panel in zip(row, panels[start : start + columns], strict=False):
            tile(column, panel, picture, width)
    if extras:
        colour_bars(panels)
        hover_maps(panels, key)


def colour_bars(panels, title: str = "") -> None:
    """One colour bar per scale of ``panels`` (``colour_keys``), with its numbers."""
    keys = colour_keys(panels)
    if not keys:
        return
    palette = next(p.palette for p in panels if getattr(p, "scale", None) is not None)
    if title:
        st.markdown(title)
    per_row = min(len(keys), 3)
    for start in range(0, len(keys), per_row):  # row by row: reading order on a phone
        row = st.columns(per_row)
        for column, (text, scale) in zip(row, keys[start : start + per_row], strict=False):
            alt = (
                f"Colour bar for {text}: {scale_text(scale)}; {sign_text(palette)}. "
                f"Palette {PALETTES[palette][0]}."
            )
            column.image(colourbar(text, scale, palette), alt=alt, width="content")


def hover_maps(panels, key: str = "panels", context: str = "") -> None:
    """The maps again, interactive: hovering a pixel shows the map's value there."""
    if not any(getattr(p, "values", None) is not None for p in panels):
        return
    of = f" of {context}" if context else ""
    with st.expander(f"Hover values{of}: read the number under the cursor"):
        st.plotly_chart(
            hover_figure(panels),
            key=f"hover_{key}",
            alt=figure_alt(panels, context),
            config={"displaylogo": False},
        )


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


def downloads(
    result: dict,
    panels,
    picture: Picture | None,
    prefix: str = "",
    *,
    style: HeatmapStyle | None = None,
    model: str = "",
):
    """Grid PNG (title, tiles, colour bars, legend), arrays NPZ, numbers JSON, and the boundary
    point alone as NPY, named ``explain_<image>_<model>.*`` unless ``prefix`` is given."""
    box = picture.box if picture else None
    distractor = picture.distractor_box if picture else None
    extra = {"image": picture.name} if picture else {}
    if picture is not None and picture.box is not None:
        extra["box_metrics"] = box_metrics(result["maps"], picture.box)
    model = model or result["summary"].get("model", "")
    image = picture.name if picture else ""
    prefix = prefix or download_name(image, model, "")
    png = panels_png(
        result,
        panels,
        style or HeatmapStyle(),
        image=image,
        model=model,
        box=box,
        distractor_box=distractor,
    )
    columns = st.columns(4)
    columns[0].download_button("Panels (PNG)", png, f"{prefix}.png", "image/png")
    columns[1].download_button("Maps + x′ (NPZ)", arrays_npz(result), f"{prefix}.npz")
    columns[2].download_button(
        "Numbers (JSON)",
        summary_json(result["summary"], extra),
        f"{prefix}.json",
        "application/json",
    )
    if result["boundary"] is not None:
        buffer = io.BytesIO()
        np.save(buffer, result["boundary"])
        columns[3].download_button("x′ (NPY)", buffer.getvalue(), f"{prefix}-boundary.npy")


def legend(style: "str | HeatmapStyle") -> None:
    """What colours, scale, Δ and boxes mean: give the ``HeatmapStyle`` (a style name alone
    describes the default palette and scale)."""
    if isinstance(style, HeatmapStyle):
        st.caption(legend_text(style.style, style.palette, style.scale))
    else:
        st.caption(legend_text(style))


def unavailable(result: dict) -> None:
    for method, reason in result["summary"]["unavailable"].items():
        st.warning(f"{label(method)}: {reason}")
