"""Explain: one image, every attribution, the boundary point that BSM and BIG start from."""

import json

import numpy as np
import streamlit as st

from boundary_core.data.photos import PHOTO_NAMES
from boundary_core.models import get_spec, list_models
from boundary_core.search import PRESETS
from ui.compute import (
    cached_explanation,
    device_label,
    image_from_gallery,
    image_from_upload,
    image_key,
)
from ui.panels import grid_png, panel_images, upscale

st.set_page_config(page_title="Explain · Boundary Attribution Explorer", layout="wide")
st.title("Explain one image")

with st.sidebar:
    names = [spec.name for spec in list_models()]
    model_name = st.selectbox("Model", names, help="Registered models; all run offline.")
    spec = get_spec(model_name)
    st.caption(
        f"{spec.dataset} · {'×'.join(map(str, spec.input_size))} · training: {spec.training}"
    )
    source = st.radio("Image", ["Gallery", "Upload"], horizontal=True)
    photo = st.selectbox("Gallery photo", PHOTO_NAMES) if source == "Gallery" else None
    upload = (
        st.file_uploader("Upload an image", type=None, help="PNG, JPEG, … any size (capped).")
        if source == "Upload"
        else None
    )
    preset = st.selectbox(
        "Boundary search", PRESETS,
        help="fast: DDN + bisection (~50 gradients). paper: PGD ladder + CW + AutoPGD (~1000).",
    )  # fmt: skip
    style = st.radio("Heatmap", ["paper", "captum"], horizontal=True,
                     help="paper: signed_max + blur, jet on a fixed [−1, 1] scale. "
                     "captum: channel sum, 2% outlier clip, red–white–green.")  # fmt: skip

st.caption(f"Computing on {device_label()}.")
size = spec.input_size[1]
try:
    if photo is not None:
        image = image_from_gallery(photo, size)
    elif upload is not None:
        image = image_from_upload(upload.getvalue(), size)
    else:
        st.info("Upload an image to explain it, or pick the gallery.")
        st.stop()
except ValueError as error:
    st.error(f"Could not use this image: {error}")
    st.stop()

progress = st.progress(0.0, text="Starting…")
result = cached_explanation(
    model_name, image_key(image), image, preset, None,
    _progress=lambda fraction, message: progress.progress(min(max(fraction, 0.0), 1.0), message),
)  # fmt: skip
progress.empty()

summary = result["summary"]
prediction, boundary = summary["prediction"], summary["boundary"]
columns = st.columns(4)
columns[0].metric("Prediction", prediction["label"], f"p = {prediction['probability']:.3f}",
                  delta_color="off")  # fmt: skip
if boundary["found"]:
    columns[1].metric("Boundary label", boundary["label"], f"p = {boundary['probability']:.3f}",
                      delta_color="off")  # fmt: skip
    columns[2].metric("ℓ2 distance to x′", f"{boundary['distance_l2']:.4f}")
    columns[3].metric("Search", boundary["method"], f"{boundary['gradient_evals']} gradients",
                      delta_color="off")  # fmt: skip
else:
    columns[1].error("No boundary point found: BSM and BIG are unavailable.")

panels = panel_images(result, style=style)
grid = st.columns(6)
for index, (caption, rgb) in enumerate(panels):
    grid[index % 6].image(upscale(rgb), caption=caption, width="stretch")
for method, reason in summary["unavailable"].items():
    st.warning(f"{method}: {reason}")

st.caption(
    "Heatmaps: red = pushes towards the predicted class, blue = against it (paper style, fixed "
    "[−1, 1] scale). Δ is each map's completeness error Σ attribution − (f(x) − f(baseline))."
)
downloads = st.columns(3)
downloads[0].download_button("Panels (PNG)", grid_png(panels), "panels.png", "image/png")
arrays = {"input": result["input"], **result["maps"]}
if result["boundary"] is not None:
    arrays["boundary"] = result["boundary"]
buffer = __import__("io").BytesIO()
np.savez_compressed(buffer, **arrays)
downloads[1].download_button("Arrays (NPZ)", buffer.getvalue(), "explanation.npz")
downloads[2].download_button("Numbers (JSON)", json.dumps(summary, indent=2), "explanation.json")
