"""Baselines and counterfactuals: IG black vs white vs BIG (paper Fig. 7/12), and erasing a
region to test what a map claims."""

import streamlit as st

from ui.compare import baseline_row
from ui.controls import (
    IMAGE_KEYS,
    SEARCH_KEYS,
    STYLE_KEYS,
    device_caption,
    image_controls,
    search_controls,
    share,
)
from ui.counterfactual import counterfactual_view, erase_controls
from ui.layout import phone_layout
from ui.state import app_navigation, friendly_errors
from ui.views import explain, style_controls

st.set_page_config(
    page_title="Baselines & Counterfactuals · Boundary Attribution Explorer", layout="wide"
)
app_navigation()
phone_layout()
st.title("Baselines and counterfactuals")

with friendly_errors("this view"):
    with st.sidebar:
        choice = image_controls()
        preset, steps = search_controls()
        style = style_controls()
    device_caption()
    picture = choice.picture_or_stop("Upload an image, or pick a gallery.")
    result = explain(choice.model, picture, preset, steps, ("black", "white"))

    st.subheader("Which baseline? (Fig. 7/12)")
    st.markdown(
        "IG explains the change from a baseline to the image, so it cannot credit pixels that "
        "equal the baseline: with a black baseline dark objects vanish, with a white one bright "
        "objects do. BIG's baseline is the nearest boundary point x′, chosen by the model."
    )
    baseline_row(result, picture, style)

    st.subheader("Erase a region, watch the prediction")
    with st.sidebar:
        st.divider()
        erasure = erase_controls(picture)
    share((*IMAGE_KEYS, *SEARCH_KEYS, *STYLE_KEYS, "erase", "cols", "rows", "fill"))
    counterfactual_view(choice.model, picture, erasure, result)
