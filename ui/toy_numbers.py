"""The Playground's numbers: prediction, distances, SM/BSM alignment and the attribution table,
with the Gaussian-smoothed net's numbers beside the net's when σ > 0."""

import streamlit as st

from boundary_core.toy import ToyExplanation
from boundary_core.toy.smoothing import SmoothedQuery

COMPONENTS = ["x₁", "x₂"]


def _pair(vector) -> str:
    return "—" if vector is None else f"({vector[0]:+.3f}, {vector[1]:+.3f})"


def attribution_table(explanation: ToyExplanation, smoothed: SmoothedQuery | None) -> dict:
    """Columns SM, BSM, IG, BIG (and the smoothed net's SM, BSM), one row per input x₁, x₂."""
    table = {"input": COMPONENTS}
    for name in ("sm", "bsm", "ig", "big"):
        vector = getattr(explanation, name)
        table[name.upper()] = ["—", "—"] if vector is None else [f"{v:+.3f}" for v in vector]
    if smoothed is not None:
        for name in ("sm", "bsm"):
            vector = getattr(smoothed, name)
            cells = ["—", "—"] if vector is None else [f"{v:+.3f}" for v in vector]
            table[f"{name.upper()} σ={smoothed.sigma:g}"] = cells
    return table


def comparison_table(
    explanation: ToyExplanation, search_distance: float, smoothed: SmoothedQuery, names
) -> dict:
    """The net and its smoothed version side by side, one row per quantity."""
    closest = explanation.boundary
    exact = "—" if closest is None else f"{closest.distance:.4f} (exact)"
    return {
        "": ["class", "distance to boundary", "‖SM − BSM‖", "cos(SM, BSM)", "SM"],
        "net": [
            names[explanation.label],
            exact,
            f"{explanation.sm_bsm_distance:.3f}",
            f"{explanation.sm_bsm_cosine:.3f}",
            _pair(explanation.sm),
        ],
        f"smoothed, σ={smoothed.sigma:g}": [
            names[smoothed.label],
            f"{smoothed.distance:.4f} (searched)",
            f"{smoothed.sm_bsm_distance:.3f}",
            f"{smoothed.sm_bsm_cosine:.3f}",
            _pair(smoothed.sm),
        ],
    }


def metrics(
    explanation: ToyExplanation,
    search_distance: float,
    visited: int,
    regions: int,
    summary: str,
    names,
) -> None:
    """Prediction, exact and searched distance, SM/BSM alignment of the net (the side panel)."""
    closest = explanation.boundary
    st.metric("prediction", names[explanation.label])
    st.caption(summary)
    if closest is None:
        st.warning("no decision boundary borders this class inside the box")
        return
    st.metric("exact distance to boundary", f"{closest.distance:.4f}")
    gap = search_distance - closest.distance
    st.metric(
        "searched distance",
        f"{search_distance:.4f}",
        None if abs(gap) < 5e-5 else f"{gap:+.4f} vs exact",  # no arrow when they agree
        delta_color="off",
        help="the boundary search of the image pages, run on this net",
    )
    if not closest.certified:
        st.caption("the box edge is nearer than x′: a closer boundary may lie outside the box")
    st.metric("‖SM − BSM‖", f"{explanation.sm_bsm_distance:.3f}")
    st.metric("cos(SM, BSM)", f"{explanation.sm_bsm_cosine:.3f}")
    st.caption(
        f"GeoCert-style walk opened {visited} of {regions} regions; BIG path crosses "
        f"{len(explanation.big_path)} regions."
    )


def tables(
    explanation: ToyExplanation, search_distance: float, names, smoothed: SmoothedQuery | None
) -> None:
    """The attribution table and, when σ > 0, the net beside its smoothed version."""
    if smoothed is not None:
        st.markdown("**The net and the smoothed net**")
        st.dataframe(
            comparison_table(explanation, search_distance, smoothed, names), hide_index=True
        )
    st.markdown("**Attributions of the predicted class** (rows: input x₁, x₂)")
    st.dataframe(attribution_table(explanation, smoothed), hide_index=True)
