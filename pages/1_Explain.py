"""Explain: one image, every attribution, the boundary point that BSM and BIG start from."""

import streamlit as st

from ui.byo import user_model_form
from ui.controls import (
    baseline_controls,
    device_caption,
    extra_method_controls,
    heatmap_controls,
    image_controls,
    search_controls,
    share,
)
from ui.panels import panel_images
from ui.state import app_navigation, friendly_errors
from ui.views import (
    downloads,
    explain,
    headline,
    legend,
    metrics_table,
    panel_grid,
    unavailable,
)

st.set_page_config(page_title="Explain · Boundary Attribution Explorer", layout="wide")
app_navigation()
st.title("Explain one image")

with friendly_errors("the explanation"):
    with st.sidebar:
        choice = image_controls()
        preset, steps = search_controls()
        baselines, colour = baseline_controls()
        extra = extra_method_controls()
        style = heatmap_controls()
        user_model_form()
    share()
    device_caption()
    picture = choice.picture_or_stop(
        "Upload an image to explain it (PNG, JPEG, …), or pick a gallery."
    )

    result = explain(choice.model, picture, preset, steps, baselines, colour, extra=extra)

    headline(result)
    panels = panel_images(result, style)
    if picture.box is not None:
        left, right = st.columns([3, 2])
        with left:
            panel_grid(panels, 4, picture)
        with right:
            metrics_table(result, picture)
    else:
        panel_grid(panels, 6, picture)
    unavailable(result)
    legend(style.style)
    downloads(result, panels, picture)
