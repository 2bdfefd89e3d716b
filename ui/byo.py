"""Bring your own model: a sidebar form that registers an uploaded safetensors ResNet through
``boundary_core.models.user`` (the same checks as ``python -m boundary_core models add``)."""

import streamlit as st

from boundary_core.models.user import MAX_UPLOAD_BYTES, add_user_model_from_bytes, config_problems
from boundary_core.models.user_config import ARCHS, parse_class_names

IMAGENET_MEAN, IMAGENET_STD = "0.485, 0.456, 0.406", "0.229, 0.224, 0.225"


def user_model_form() -> None:
    """An expander with the upload form; on success the model joins the picker (page reruns)."""
    for problem in config_problems():
        st.warning(problem)
    added = st.session_state.pop("user_model_added", None)
    if added:
        st.success(f"Added {added}: choose it under Model (with Images: Upload).")
    with st.expander("Bring your own model"), st.form("user_model", border=False):
        st.caption(
            "A torchvision ResNet as a .safetensors file (tensors only: nothing in it can run). "
            "Keys and shapes are checked by a strict load; the model is kept on this server."
        )
        name = st.text_input("Name", placeholder="my-resnet50")
        arch = st.selectbox("Architecture", ARCHS, index=ARCHS.index("resnet50"))
        upload = st.file_uploader(
            "Weights (.safetensors)",
            type=["safetensors"],
            max_upload_size=MAX_UPLOAD_BYTES // 2**20,
        )
        classes = st.text_area("Class names, one per line")
        mean = st.text_input("Mean (3 values in [0, 1])", IMAGENET_MEAN)
        std = st.text_input("Std (3 values in (0, 1])", IMAGENET_STD)
        size = st.number_input("Input size (pixels)", 16, 1024, 224, step=1)
        if not st.form_submit_button("Add model"):
            return
    if upload is None:
        st.error("Choose a .safetensors file first.")
        return
    try:
        spec = add_user_model_from_bytes(
            name.strip(),
            arch,
            upload.getvalue(),
            parse_class_names(classes),
            [v.strip() for v in mean.split(",")],
            [v.strip() for v in std.split(",")],
            int(size),
            filename=upload.name,
        )
    except (ValueError, OSError) as error:
        st.error(f"Model not added: {str(error).splitlines()[0]}")
        return
    st.session_state["user_model_added"] = spec.name
    st.rerun()
