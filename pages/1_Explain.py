"""Explain: one image, every attribution, the boundary point that BSM and BIG start from."""

import streamlit as st

from boundary_core.methods import IG_BASELINE_METHODS, panel_methods
from boundary_core.render import panel_images
from ui.byo import user_model_form
from ui.compute import Request
from ui.controls import (
    baseline_controls,
    budget_controls,
    device_caption,
    image_controls,
    method_controls,
    search_controls,
    share,
)
from ui.explain_view import (
    amplification,
    compare_boundary,
    explain_live,
    fill_cells,
    prediction_only,
    target_controls,
    was_cancelled,
)
from ui.layout import method_glossary, metric_glossary, phone_layout, tile_cells
from ui.state import app_navigation, friendly_errors
from ui.views import (
    colour_bars,
    downloads,
    headline,
    hover_maps,
    legend,
    metrics_table,
    style_controls,
    unavailable,
)

st.set_page_config(page_title="Explain · Boundary Attribution Explorer", layout="wide")
app_navigation()
phone_layout()
st.title("Explain one image")

with friendly_errors("the explanation"):
    with st.sidebar:
        choice = image_controls()
        preset, steps = search_controls()
        budget = budget_controls(choice.model)
        baselines, colour = baseline_controls()
        chosen = method_controls()
        style = style_controls()
        user_model_form()
    picture = choice.picture_or_stop(
        "Upload an image to explain it (PNG, JPEG, …), or pick a gallery."
    )
    head = st.empty()
    target = target_controls(choice.model, picture)
    share()
    device_caption()
    methods = panel_methods(baselines, chosen)
    methods = tuple(m for m in methods if m in chosen or m in IG_BASELINE_METHODS)
    request = Request(choice.model, picture.image, preset, steps, methods, colour, target, budget)

    place = st.container()  # progress, Cancel and notes, above the tiles
    count = len(methods) + 3  # input, the maps, x′, x′ − x
    if picture.box is not None:
        left, right = st.columns([3, 2])
        with left:
            cells = tile_cells(count, 4)
    else:
        cells = tile_cells(count, 6)
    result = explain_live(request, cells, style, picture, place)

    with head.container(key="tiles_headline"):  # two metrics a row on a phone
        (prediction_only if was_cancelled(result) else headline)(result)
    panels = panel_images(result, style, model=choice.model)
    fill_cells(cells, panels, picture, amplification(result))
    if picture.box is not None:
        with right:
            metrics_table(result, picture)
            with st.expander("What the scores mean"):
                st.markdown(metric_glossary(("loc", "eg", "pp", "con", "gt_loc")))
    colour_bars(panels)
    legend(style)
    unavailable(result)
    hover_maps(panels, "explain")
    with st.expander("About these methods"):
        st.markdown(method_glossary(result["maps"]))
    compare_boundary(result, picture)
    downloads(result, panels, picture, style=style, model=choice.model)
