"""Toy playground: a 2-D ReLU net whose regions, boundary and closest points are exact."""

import streamlit as st

from boundary_core.toy import (
    TOY_DATASETS,
    accuracy,
    exact_geometry,
    explain_query,
    search_boundary,
)
from boundary_core.toy.model import layer_weights
from boundary_core.toy.path_methods import exact_idgi, toy_guided_path
from boundary_core.toy.smoothing import sampled_grid
from boundary_core.toy.walk import closest_boundary_walk
from ui.state import app_navigation
from ui.toy_figures import playground_figure
from ui.toy_state import WIDTHS, trained

# One range for every preset: a slider whose range changes is reset by Streamlit.
BOXES = [box for _, _, box in TOY_DATASETS.values()]
SLIDER_RANGE = tuple(f(b[i] for b in BOXES) for i, f in enumerate((min, max) * 2))
SHOW = {
    "edges": "region edges",
    "sm": "SM",
    "bsm": "BSM",
    "ig": "IG path",
    "big": "BIG path",
    "search": "searched x'",
    "guided": "Guided IG path",
    "idgi": "IDGI weights",
}


@st.cache_data(show_spinner=False)
def geometry(_model, key: tuple):
    return exact_geometry(_model, TOY_DATASETS[key[0]][2])


@st.cache_data(show_spinner=False)
def query_story(_model, _geometry, key: tuple, query: tuple, baseline: tuple, preset: str):
    explanation = explain_query(_model, _geometry, query, baseline=baseline)
    searched = search_boundary(_model, [query], preset=preset, box=_geometry.box)
    walk = closest_boundary_walk(layer_weights(_model), _geometry.box, query)
    point = searched.point[0].numpy() if bool(searched.found[0]) else None
    return explanation, point, float(searched.distance[0]), walk.visited


@st.cache_data(show_spinner="sampling the smoothed net")
def smoothed(_model, key: tuple, sigma: float):
    return sampled_grid(_model, TOY_DATASETS[key[0]][2], sigma)


def sidebar() -> dict:
    st.sidebar.header("Toy net")
    preset = st.sidebar.selectbox("data", list(TOY_DATASETS), key="toy_preset")
    widths = st.sidebar.selectbox("hidden widths", list(WIDTHS), index=1, key="toy_widths")
    mode = st.sidebar.radio(
        "training", ["standard", "adversarial"], horizontal=True, key="toy_mode"
    )
    eps = st.sidebar.slider(
        "PGD ε (ℓ2)", 0.05, 0.6, 0.25, 0.05, key="toy_eps", disabled=mode == "standard"
    )
    seed = st.sidebar.number_input("seed", 0, 99, 0, key="toy_seed")
    box = TOY_DATASETS[preset][2]
    st.sidebar.header("Query (or click the plot)")
    qx = st.sidebar.slider("x₁", *SLIDER_RANGE[:2], key="toy_qx", step=0.01)
    qy = st.sidebar.slider("x₂", *SLIDER_RANGE[2:], key="toy_qy", step=0.01)
    baseline = st.sidebar.radio("IG baseline", ["origin (0, 0)", "box corner"], key="toy_base")
    preset_search = st.sidebar.radio(
        "boundary search preset (as on the image pages)",
        ["fast", "paper"],
        horizontal=True,
        key="toy_search",
        help="paper: PGD ladder + CW + AutoPGD, about 1-2 s per query",
    )
    sigma = st.sidebar.slider("smoothing σ (view, 0 = off)", 0.0, 0.8, 0.0, 0.05, key="toy_sigma")
    show = st.sidebar.multiselect(
        "draw", list(SHOW), default=list(SHOW), format_func=SHOW.get, key="toy_show"
    )
    return dict(
        preset=preset,
        widths=widths,
        mode=mode,
        eps=eps if mode == "adversarial" else 0.0,
        seed=int(seed),
        query=(float(qx), float(qy)),
        sigma=sigma,
        show=set(show),
        search=preset_search,
        baseline=(0.0, 0.0) if baseline.startswith("origin") else (box[0], box[2]),
    )


def take_click() -> None:
    """A click on the figure (its invisible grid) moves the query; done before the sliders exist."""
    event = st.session_state.get("toy_plot")
    points = (event or {}).get("selection", {}).get("points", [])
    if points and points[0].get("x") is not None and st.session_state.get("toy_last") != points[0]:
        st.session_state["toy_last"] = points[0]
        st.session_state["toy_qx"] = round(float(points[0]["x"]), 2)
        st.session_state["toy_qy"] = round(float(points[0]["y"]), 2)


def numbers(explanation, search_distance: float, visited: int, regions: int, data, model) -> None:
    closest = explanation.boundary
    st.metric("prediction", data.class_names[explanation.label])
    st.caption(f"train accuracy {accuracy(model, data):.1%}; {regions} linear regions")
    if closest is None:
        st.warning("no decision boundary borders this class inside the box")
        return
    ratio = search_distance / closest.distance if closest.distance > 0 else float("nan")
    st.metric("exact distance to boundary", f"{closest.distance:.4f}")
    st.metric(
        "searched distance", f"{search_distance:.4f}", f"÷ exact = {ratio:.4f}", delta_color="off"
    )
    if not closest.certified:
        st.caption("the box edge is nearer than x′: a closer boundary may lie outside the box")
    st.metric("‖SM − BSM‖", f"{explanation.sm_bsm_distance:.3f}")
    st.metric("cos(SM, BSM)", f"{explanation.sm_bsm_cosine:.3f}")
    st.caption(
        f"GeoCert-style walk opened {visited} of {regions} regions; BIG path crosses "
        f"{len(explanation.big_path)} regions."
    )
    rows = {name: getattr(explanation, name) for name in ("sm", "bsm", "ig", "big")}
    st.dataframe(
        {k.upper(): [f"{v[0]:+.3f}", f"{v[1]:+.3f}"] for k, v in rows.items()}, hide_index=True
    )


st.set_page_config(page_title="Toy playground", layout="wide")
app_navigation()
st.title("Toy playground: exact boundaries of a 2-D ReLU net")
st.session_state.setdefault("toy_qx", 0.3)
st.session_state.setdefault("toy_qy", 0.2)
take_click()
settings = sidebar()
key = (settings["preset"], settings["widths"], settings["mode"], settings["eps"], settings["seed"])
data, model = trained(*key)
exact = geometry(model, key)
explanation, search_point, search_distance, visited = query_story(
    model, exact, key, settings["query"], settings["baseline"], settings["search"]
)
grid = smoothed(model, key, settings["sigma"]) if settings["sigma"] > 0 else None
plot, side = st.columns([3, 1])
with plot:
    figure = playground_figure(
        exact,
        data,
        explanation,
        show=settings["show"],
        search_point=search_point,
        smoothed=None if grid is None else (grid, settings["sigma"]),
        guided=toy_guided_path(model, settings["query"], explanation.label, settings["baseline"])
        if "guided" in settings["show"]
        else None,
        idgi=exact_idgi(explanation.ig_path, explanation.label)
        if "idgi" in settings["show"]
        else None,
    )
    st.plotly_chart(figure, key="toy_plot", on_select="rerun", selection_mode="points")
    st.caption(
        "Each shade is one linear region (colour family = predicted class); the thick black line "
        "is the exact decision boundary. Arrows show directions only (SM at x, BSM and the "
        "segment normal at the exact closest boundary point x′); dotted paths mark where they "
        "cross regions. The green line is Guided IG's path; the discs on the IG path are IDGI's "
        "weights (colour: the share of each piece's logit change given to x₁; size: the change). "
        "Click the plot or use the sliders to move x."
        + (
            " The dashed teal line is the Gaussian-smoothed net's boundary, estimated from "
            "Monte Carlo samples on a grid: it is not exact."
            if grid is not None
            else ""
        )
    )
with side:
    numbers(explanation, search_distance, visited, len(exact.regions), data, model)
