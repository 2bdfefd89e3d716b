"""Toy playground: a 2-D ReLU net whose regions, boundary and closest points are exact."""

import streamlit as st

from boundary_core.toy import TOY_DATASETS, accuracy, exact_geometry, explain_query, search_boundary
from boundary_core.toy.model import layer_weights
from boundary_core.toy.path_methods import exact_idgi, toy_guided_path
from boundary_core.toy.smoothing import sampled_grid, smoothed_query
from boundary_core.toy.walk import closest_boundary_walk
from ui.state import app_navigation, publish
from ui.toy_controls import sidebar, take_click
from ui.toy_figures import playground_figure
from ui.toy_numbers import metrics, tables
from ui.toy_state import KEYS, remember, restore
from ui.toy_training import keep_playing, training_controls

# Cached results are keyed by (net key, epoch): the net at an epoch of its training is fixed.


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
def smoothed(_model, key: tuple, sigma: float, query: tuple):
    grid = sampled_grid(_model, TOY_DATASETS[key[0]][2], sigma)
    return grid, smoothed_query(_model, query, sigma)


st.set_page_config(page_title="Toy playground", layout="wide")
app_navigation()
st.title("Toy playground: exact boundaries of a 2-D ReLU net")
restore()
take_click()
settings = sidebar()
remember()
publish(KEYS)
plot, side = st.columns([3, 1])
with side:
    run = training_controls(settings["key"])
key = (*settings["key"], run.epoch)
data, model = run.data, run.model
exact = geometry(model, key)
explanation, search_point, search_distance, visited = query_story(
    model, exact, key, settings["query"], settings["baseline"], settings["search"]
)
sigma = settings["sigma"]
grid, smooth = smoothed(model, key, sigma, settings["query"]) if sigma > 0 else (None, None)
with plot:
    figure = playground_figure(
        exact,
        data,
        explanation,
        show=settings["show"],
        search_point=search_point,
        smoothed=None if grid is None else (grid, sigma),
        smoothed_point=None if smooth is None else smooth.point,
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
        "weights (colour: the share of each piece's logit change given to x₁, from dark blue = "
        "none to yellow = all; size: the change). "
        "Click the plot or use the sliders to move x."
        + (
            f" The dashed dark cyan line is the boundary of the net smoothed with σ = {sigma:g}, "
            "traced on a grid of Monte Carlo estimates (not exact); the open dark cyan diamond is "
            "the smoothed net's closest boundary point to x, found by the boundary search."
            if grid is not None
            else ""
        )
    )
    tables(explanation, search_distance, data.class_names, smooth)
with side:
    summary = f"train accuracy {accuracy(model, data):.1%}; {len(exact.regions)} linear regions"
    metrics(explanation, search_distance, visited, len(exact.regions), summary, data.class_names)
keep_playing(settings["key"])
