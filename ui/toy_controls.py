"""The Playground's sidebar: which net, which query, what to draw. Values live in the URL and in
the toy pages' shared state (``ui.toy_state``); each widget has a key and no default of its own."""

import streamlit as st

from boundary_core.toy import TOY_DATASETS, TRAININGS
from ui.toy_state import QUERY_RANGE, SHOW, VIEW, WIDTHS, net_key


def take_click() -> None:
    """A click on the figure (its invisible grid) moves the query; done before the sliders exist."""
    event = st.session_state.get("toy_plot")
    points = (event or {}).get("selection", {}).get("points", [])
    if points and points[0].get("x") is not None and st.session_state.get("toy_last") != points[0]:
        st.session_state["toy_last"] = points[0]
        st.session_state["toy_qx"] = round(float(points[0]["x"]), 2)
        st.session_state["toy_qy"] = round(float(points[0]["y"]), 2)


def _net_widgets() -> None:
    sidebar = st.sidebar
    sidebar.header("Toy net")
    sidebar.selectbox("data", list(TOY_DATASETS), key="toy_preset")
    sidebar.selectbox("hidden widths", list(WIDTHS), key="toy_widths")
    mode = sidebar.radio("training", list(TRAININGS), horizontal=True, key="toy_mode")
    sidebar.slider("PGD ε (ℓ2)", 0.05, 0.6, step=0.05, key="toy_eps", disabled=mode == "standard")
    sidebar.number_input("seed", 0, 99, key="toy_seed")


def _view_widgets() -> None:
    sidebar = st.sidebar
    sidebar.header("Query (or click the plot)")
    sidebar.slider("x₁", *QUERY_RANGE[:2], step=0.01, key="toy_qx")
    sidebar.slider("x₂", *QUERY_RANGE[2:], step=0.01, key="toy_qy")
    sidebar.radio("IG baseline", VIEW["toy_base"][1], key="toy_base")
    sidebar.radio(
        "boundary search preset (as on the image pages)",
        VIEW["toy_search"][1],
        horizontal=True,
        key="toy_search",
        help="fast: DDN + bisection; paper: PGD ladder + CW + AutoPGD, about 1-2 s per query",
    )
    sidebar.slider(
        "smoothing σ (0 = off)",
        0.0,
        0.8,
        step=0.05,
        key="toy_sigma",
        help="Draws the boundary of the Gaussian-smoothed net E f(x + ε), ε ~ N(0, σ²I), and "
        "lists its numbers beside the net's",
    )
    sidebar.multiselect("draw", list(SHOW), format_func=SHOW.get, key="toy_show")


def sidebar() -> dict:
    """Draw the sidebar; returns the settings the page computes with."""
    _net_widgets()
    _view_widgets()
    state = st.session_state
    box = TOY_DATASETS[state["toy_preset"]][2]
    return dict(
        key=net_key(state),
        query=(float(state["toy_qx"]), float(state["toy_qy"])),
        sigma=float(state["toy_sigma"]),
        show=set(state["toy_show"]),
        search=state["toy_search"],
        baseline=(0.0, 0.0) if state["toy_base"].startswith("origin") else (box[0], box[2]),
    )
