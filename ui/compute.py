"""Cached bridges from Streamlit pages into ``boundary_core`` (models cached as resources,
results as data keyed by model, image hash and settings)."""

import warnings

import numpy as np
import streamlit as st
import torch

from boundary_core.attributions import color_from_hex, color_to_hex
from boundary_core.attributions.defaults import BASELINE_COLOR
from boundary_core.device import apply_thread_policy, default_device, describe
from boundary_core.explain import explain_image
from boundary_core.methods import Settings, alignment_of, panel_methods
from boundary_core.models import get_spec, load_model
from boundary_core.render import explanation_arrays

warnings.filterwarnings("ignore", module=r"captum\..*")
apply_thread_policy()
DEFAULT_COLOUR = color_to_hex(BASELINE_COLOR)  # the colour picker's "#808080"


@st.cache_resource(show_spinner="Loading model…")
def cached_model(name: str) -> torch.nn.Module:
    """The named model, shared by every session (the core never mutates it)."""
    return load_model(name, default_device())


def device_label() -> str:
    return describe(default_device()).replace("(1 threads)", "(1 thread)")


def _progress_bar(callback):
    if callback is None:
        return None
    return lambda fraction, message: callback(min(max(fraction, 0.0), 1.0), message)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_explanation(
    model_name: str,
    key: str,
    image: np.ndarray,
    preset: str,
    search_steps: int | None,
    baselines: tuple[str, ...] = ("black", "white"),
    colour: str = DEFAULT_COLOUR,
    extra: tuple[str, ...] = (),
    _progress=None,
) -> dict:
    """Everything one Explain view draws, as plain numpy arrays and a JSON-able summary.

    Cached per (model, image hash, preset, budget, baselines, colour, extra methods); heatmap
    options are not
    part of the key, so restyling never recomputes.
    """
    del key  # part of the cache key only (the image array is hashed too)
    x = torch.from_numpy(image).to(default_device())
    explanation = explain_image(
        cached_model(model_name),
        x,
        get_spec(model_name).class_names,
        methods=panel_methods(baselines, extra),
        preset=preset,
        settings=Settings(baseline_color=color_from_hex(colour)),
        search_steps=search_steps,
        progress=_progress_bar(_progress),
    )
    result = explanation_arrays(explanation, image)
    result["summary"]["model"] = model_name
    result["summary"]["settings"] = {
        "preset": preset,
        "search_steps": search_steps,
        "baselines": list(baselines),
        "extra_methods": list(extra),
        "colour": colour,
    }
    return result


@st.cache_data(show_spinner=False, max_entries=256)
def cached_prediction(model_name: str, key: str, image: np.ndarray) -> np.ndarray:
    """Softmax probabilities ``(K,)`` of one ``(3, H, W)`` image."""
    del key
    model = cached_model(model_name)
    with torch.no_grad():
        logits = model(torch.from_numpy(image)[None].to(default_device()))
    return logits.softmax(dim=1)[0].cpu().numpy()


def alignment(result: dict) -> dict[str, float | None]:
    """Per-image ‖SM − BSM‖, ‖IG − BIG‖ (raw ℓ2, Table 1) and their cosine distances."""
    return alignment_of(result["maps"], ("sm_bsm", "ig_big"))
