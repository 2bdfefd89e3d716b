"""Robustness ladder: one image through every model of a family, ordered by training ε."""

import streamlit as st

from boundary_core.models import get_spec, ladders
from ui.compare import download_buttons
from ui.controls import (
    SEARCH_KEYS,
    STYLE_KEYS,
    device_caption,
    image_controls,
    search_controls,
    share,
)
from ui.ladder import ladder_view
from ui.layout import phone_layout
from ui.state import app_navigation, friendly_errors, init
from ui.views import explain, style_controls

st.set_page_config(page_title="Robustness Ladder · Boundary Attribution Explorer", layout="wide")
app_navigation()
phone_layout()
st.title("Robustness ladder")
st.markdown(
    "One image through every model of a family, from standard training (ε = 0) to strongly "
    "robust ones: SM, BSM, IG and BIG side by side, and how far SM is from BSM and IG from BIG "
    "as ε grows (the paper's Table 1 as a curve). The shapes ladder ships with the tool; the "
    "ImageNet ResNet-50 ladder is downloaded model by model."
)

with friendly_errors("the ladder"):
    families = ladders()
    with st.sidebar:
        init("family", "shapes" if "shapes" in families else next(iter(families)), list(families))
        family = st.selectbox("Family", list(families), key="family")
        rungs = families[family]
        ready = [name for name in rungs if get_spec(name).available]
        if not ready:
            choice = None
        else:
            dataset = get_spec(ready[0]).dataset
            domains = ("shapes", "upload") if dataset == "shapes64" else ("photos", "upload")
            choice = image_controls(domains, fixed_model=ready[0])
        preset, steps = search_controls()
        style = style_controls(len(rungs))
    share(keys=("family", "domain", "photo", "shape", *SEARCH_KEYS, *STYLE_KEYS))
    device_caption()
    download_buttons([name for name in rungs if name not in ready])
    if choice is None:
        st.info("No model of this family is on this machine yet: download one above.")
        st.stop()
    picture = choice.picture_or_stop("Upload an image, or pick a gallery image.")
    results = {name: explain(name, picture, preset, steps, label=f"{name}: ") for name in ready}
    ladder_view(results, picture, style)
