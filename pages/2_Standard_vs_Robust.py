"""Standard vs robust: one image through both shapes models (paper Fig. 3/4, Table 1)."""

import streamlit as st

from ui.compare import PAIR, alignment_table, figure3_grid
from ui.controls import device_caption, heatmap_controls, image_controls, search_controls, share
from ui.state import app_navigation, friendly_errors
from ui.views import explain

st.set_page_config(page_title="Standard vs Robust · Boundary Attribution Explorer", layout="wide")
app_navigation()
st.title("Standard vs robust")
st.markdown(
    "The same image through a standard and an adversarially robust model of the same "
    "architecture. The paper's claim: on the robust model SM already looks like BSM and IG like "
    "BIG, because its gradients point towards the nearest boundary."
)

with friendly_errors("the comparison"):
    with st.sidebar:
        choice = image_controls(("shapes", "upload"), fixed_model=PAIR[0])
        preset, steps = search_controls()
        style = heatmap_controls()
    share()
    device_caption()
    picture = choice.picture_or_stop(
        "Upload an image (it is resized to 64×64), or pick the shapes gallery."
    )

    results = {name: explain(name, picture, preset, steps, label=f"{name}: ") for name in PAIR}

    figure3_grid(results, picture, style)
    st.subheader("Alignment with the boundary (this image)")
    alignment_table(results)
