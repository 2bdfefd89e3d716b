"""Standard vs robust: one image through any two models of one dataset (paper Fig. 3/4,
Table 1)."""

import streamlit as st

from boundary_core.models import get_spec
from ui.compare import alignment_table, download_prompt, figure3_grid
from ui.controls import (
    device_caption,
    image_controls,
    pair_controls,
    search_controls,
    share,
)
from ui.explain_view import preset_note
from ui.layout import phone_layout
from ui.state import app_navigation, friendly_errors
from ui.views import explain, style_controls

st.set_page_config(page_title="Standard vs Robust · Boundary Attribution Explorer", layout="wide")
app_navigation()
phone_layout()
st.title("Standard vs robust")
st.markdown(
    "The same image through a standard and an adversarially robust model of the same dataset "
    "(any registered pair: the shipped shapes pair works offline; the ImageNet ResNet-50s are "
    "downloaded on demand). The paper's claim: on the robust model SM already looks like BSM "
    "and IG like BIG, because its gradients point towards the nearest boundary. Below the "
    "maps, the page says whether this image's numbers agree."
)

with friendly_errors("the comparison"):
    with st.sidebar:
        pair = pair_controls()
        domains = (
            ("shapes", "upload")
            if get_spec(pair[0]).dataset == "shapes64"
            else ("photos", "upload")
        )
        choice = image_controls(domains, fixed_model=pair[0])
        preset, steps = search_controls()
        style = style_controls(2)
    share()
    device_caption()
    download_prompt(pair)
    picture = choice.picture_or_stop(
        "Upload an image (it is centre-cropped and resized for the models), or pick a gallery."
    )

    results = {name: explain(name, picture, preset, steps, label=f"{name}: ") for name in pair}

    figure3_grid(results, picture, style)
    for name in pair:
        note = preset_note(name, picture.image, preset, steps)
        if note:
            st.info(f"`{name}`: {note}")
    st.subheader("Alignment with the boundary (this image)")
    alignment_table(results)
