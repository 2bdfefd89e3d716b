"""Cached bridges from Streamlit pages into ``boundary_core`` (models cached as resources,
results as data keyed by model, image hash and settings)."""

import hashlib
import warnings

import numpy as np
import streamlit as st
import torch

from boundary_core.data.images import preprocess, read_image_bytes
from boundary_core.data.photos import load_photo
from boundary_core.device import default_device, describe
from boundary_core.explain import METHODS, Settings, explain_image
from boundary_core.models import get_spec, load_model

warnings.filterwarnings("ignore", module=r"captum\..*")


@st.cache_resource(show_spinner="Loading model…")
def cached_model(name: str) -> torch.nn.Module:
    return load_model(name, default_device())


def device_label() -> str:
    return describe(default_device())


def image_from_upload(data: bytes, size: int) -> np.ndarray:
    """Uploaded bytes → ``(3, size, size)`` float32 array; raises ValueError with a clear reason."""
    return preprocess(read_image_bytes(data), size).numpy()


def image_from_gallery(name: str, size: int) -> np.ndarray:
    return load_photo(name, size).numpy()


def image_key(image: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest()[:16]


@st.cache_data(show_spinner=False, max_entries=64)
def cached_explanation(
    model_name: str, key: str, image: np.ndarray, preset: str, search_steps: int | None,
    methods: tuple[str, ...] = METHODS, settings: Settings | None = None, _progress=None,
) -> dict:  # fmt: skip
    """Everything one Explain view draws, as plain numpy arrays and a JSON-able summary."""
    del key  # part of the cache key only (the image array is hashed too, this keeps keys short)
    spec = get_spec(model_name)
    model = cached_model(model_name)
    x = torch.from_numpy(image).to(default_device())
    explanation = explain_image(
        model, x, spec.class_names, methods=methods, preset=preset, settings=settings or Settings(),
        search_steps=search_steps, progress=_progress,
    )  # fmt: skip
    found = bool(explanation.boundary.found[0])
    return {
        "summary": explanation.summary(),
        "input": image,
        "boundary": explanation.boundary.point[0].cpu().numpy() if found else None,
        "maps": {k: v[0].cpu().numpy() for k, v in explanation.attributions.maps.items()},
        "probabilities": explanation.probabilities.cpu().numpy(),
    }
