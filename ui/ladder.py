"""The robustness ladder (paper Table 1 as a curve): one image through every model of a family,
ordered by training ε, with SM–BSM and IG–BIG alignment plotted against ε."""

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from boundary_core.data.gallery import Picture
from boundary_core.methods import ALIGNMENT_PAIRS, alignment_of
from boundary_core.models import get_spec
from boundary_core.render import HeatmapStyle, shared_scales
from ui.compare import FIGURE3, SAME, row_label, tile_row, tiles
from ui.views import colour_bars

PAIRS = ("sm_bsm", "ig_big")


def ladder_frame(results: dict[str, dict]) -> pd.DataFrame:
    """One row per model: its ε, the boundary distance, raw ℓ2 and 1 − cos of each pair."""
    rows = []
    for name, result in results.items():
        boundary = result["summary"]["boundary"]
        row = {"model": name, "ε": get_spec(name).epsilon}
        row["ℓ2 to x′"] = boundary["distance_l2"] if boundary["found"] else math.nan
        for key, value in alignment_of(result["maps"], PAIRS).items():
            pair, kind = key.rsplit("_", 1)
            label = ALIGNMENT_PAIRS[pair].label
            row[f"{label} ℓ2" if kind == "l2" else f"{label} 1−cos"] = (
                math.nan if value is None else value
            )
        rows.append(row)
    return pd.DataFrame(rows).set_index("model")


def ladder_figure(frame: pd.DataFrame, kind: str) -> go.Figure:
    """Alignment (``kind``: "ℓ2" or "1−cos") of each pair against training ε."""
    figure = go.Figure()
    for pair in PAIRS:
        label = ALIGNMENT_PAIRS[pair].label
        figure.add_scatter(
            x=frame["ε"], y=frame[f"{label} {kind}"], mode="lines+markers", name=label
        )
    figure.update_layout(
        height=300,
        margin=dict(l=10, r=10, t=30, b=10),
        xaxis_title="training ε (ℓ2, pixel units)",
        yaxis_title=kind,
        legend=dict(orientation="h", y=-0.3),
        title=f"{'raw ℓ2 distance' if kind == 'ℓ2' else 'cosine distance'}, this image",
    )
    return figure


def ladder_sentences(frame: pd.DataFrame) -> str:
    """What this image's numbers show from the least to the most robust model, per pair."""
    ordered = frame.sort_values("ε")
    if len(ordered) < 2:
        return ""
    lines = []
    for pair in PAIRS:
        name = ALIGNMENT_PAIRS[pair].label
        values = ordered[f"{name} 1−cos"].dropna()
        if len(values) < 2:
            continue
        low, high = ordered.loc[values.index[0], "ε"], ordered.loc[values.index[-1], "ε"]
        first, last = values.iloc[0], values.iloc[-1]
        if abs(last - first) < SAME:
            verdict = "stays about the same"
        elif last < first:
            verdict = "falls, as the paper claims"
        else:
            verdict = "**rises**, not as claimed"
        steady = values.is_monotonic_decreasing or values.is_monotonic_increasing
        lines.append(
            f"- **{name}** on this image: 1 − cos goes from {first:.3f} (ε = {low:g}) to "
            f"{last:.3f} (ε = {high:g}){'' if steady else ', not steadily'}: it {verdict}."
        )
    return "\n".join(lines)


def ladder_view(results: dict[str, dict], picture: Picture, style: HeatmapStyle) -> None:
    """Rows of input, SM, BSM, IG, BIG, x′ per model, then the alignment table and curves."""
    scales = shared_scales(results.values(), style, FIGURE3) if style.scale == "models" else None
    rows = {}
    for name, result in results.items():
        st.markdown(f"ε = {get_spec(name).epsilon:g} · " + row_label(name, result))
        rows[name] = tiles(result, FIGURE3, style, picture, scales=scales)
        tile_row(rows[name], picture, 6, key=f"tiles_{name}")
        if scales is None:
            colour_bars(rows[name])
    if scales is not None:
        colour_bars(
            [panel for panels in rows.values() for panel in panels],
            "Colour scale shared by every model of the ladder:",
        )
    frame = ladder_frame(results)
    st.subheader("Alignment against ε (this image)")
    st.dataframe(frame.style.format("{:.3f}", na_rep="–"), width="stretch")
    left, right = st.columns(2)
    left.plotly_chart(ladder_figure(frame, "ℓ2"), width="stretch", key="ladder_l2")
    right.plotly_chart(ladder_figure(frame, "1−cos"), width="stretch", key="ladder_cos")
    st.markdown(ladder_sentences(frame))
    st.caption(
        "Raw ℓ2 shrinks partly because robust models have smaller gradients; 1 − cos compares "
        "directions only; lower = closer to the boundary map. The paper's claim (Table 1) is "
        "that both fall as ε grows."
    )
