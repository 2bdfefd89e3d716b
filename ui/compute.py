"""Cached bridges from Streamlit pages into ``boundary_core`` (models cached as resources,
results as data keyed by model, image hash and settings)."""

import hashlib
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import streamlit as st
import torch

from boundary_core.device import default_device, describe
from boundary_core.explain import (
    EXTRA_BASELINES,
    METHODS,
    Attributions,
    Explanation,
    Settings,
    attribute_all,
    explain_image,
)
from boundary_core.metrics import cosine_distance, l2_distance
from boundary_core.models import get_spec, load_model

warnings.filterwarnings("ignore", module=r"captum\..*")

# On a shared 2-core CPU, torch's intra-op threads spin-wait on each other: one explanation of a
# 64×64 shapes image took 87 s with 2 threads and 0.5 s with 1 (measured). Override with
# BAE_TORCH_THREADS on a machine with idle cores.
if default_device().type == "cpu":
    torch.set_num_threads(int(os.environ.get("BAE_TORCH_THREADS", "1")))

# Two cores, one thread each: the methods that need no boundary point run on a second copy of
# the model in a worker thread while the main thread searches x′ (torch releases the GIL). Maps
# are identical to a serial run (measured: 32×32 photo 6.5 s -> 3.4 s). DeepLIFT stays on the
# main thread: Captum hooks the model's ReLUs, so it must not share a model with anything else.
PARALLEL = default_device().type == "cpu" and (os.cpu_count() or 1) >= 2
PARALLEL = PARALLEL and os.environ.get("BAE_PARALLEL", "1") != "0"
ON_WORKER = ("sm", "sg", "gxi", "agi", *(f"ig_{b}" for b in ("black", "white", *EXTRA_BASELINES)))
_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="attribute")
IG_BASELINES = ("black", "white", *EXTRA_BASELINES)  # blur, noise, color
PLAIN_METHODS = tuple(m for m in METHODS if not m.startswith("ig_"))  # sm, sg, gxi, deeplift, …


@st.cache_resource(show_spinner="Loading model…")
def cached_model(name: str, copy: int = 0) -> torch.nn.Module:
    """The named model; ``copy=1`` is a second instance for the worker thread."""
    del copy  # part of the cache key only
    return load_model(name, default_device())


def device_label() -> str:
    return describe(default_device()).replace("(1 threads)", "(1 thread)")


def image_key(image: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest()[:16]


def methods_for(baselines: tuple[str, ...]) -> tuple[str, ...]:
    """Explain's method list with IG once per chosen baseline, in the paper's panel order."""
    unknown = [b for b in baselines if b not in IG_BASELINES]
    if unknown:
        raise ValueError(f"unknown IG baseline(s) {unknown}; choose from {IG_BASELINES}")
    return ("sm", *(f"ig_{b}" for b in baselines), *PLAIN_METHODS[1:])


def hex_to_rgb(colour: str) -> tuple[float, float, float]:
    """``"#rrggbb"`` → three floats in [0, 1]."""
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"expected a colour like #808080, got {colour!r}")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))


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
    colour: str = "#808080",
    _progress=None,
) -> dict:
    """Everything one Explain view draws, as plain numpy arrays and a JSON-able summary.

    Cached per (model, image hash, preset, budget, baselines, colour); heatmap options are not
    part of the key, so restyling never recomputes.
    """
    del key  # part of the cache key only (the image array is hashed too)
    x = torch.from_numpy(image).to(default_device())
    settings = Settings(baseline_color=hex_to_rgb(colour))
    explanation = _explain(
        model_name,
        x,
        methods_for(baselines),
        preset,
        search_steps,
        settings,
        _progress_bar(_progress),
    )
    found = bool(explanation.boundary.found[0])
    summary = explanation.summary()
    summary["model"] = model_name
    summary["settings"] = {
        "preset": preset,
        "search_steps": search_steps,
        "baselines": list(baselines),
        "colour": colour,
    }
    return {
        "summary": summary,
        "input": image,
        "boundary": explanation.boundary.point[0].cpu().numpy() if found else None,
        "maps": {k: v[0].cpu().numpy() for k, v in explanation.attributions.maps.items()},
        "probabilities": explanation.probabilities.cpu().numpy(),
        "class_names": list(get_spec(model_name).class_names),
    }


def _explain(model_name, x, methods, preset, search_steps, settings, progress) -> Explanation:
    """``explain_image``, with the boundary-free methods on the worker thread when ``PARALLEL``."""
    names = get_spec(model_name).class_names
    model = cached_model(model_name)
    side = tuple(m for m in methods if m in ON_WORKER) if PARALLEL else ()
    own = tuple(m for m in methods if m not in side)
    job = None
    if side:
        with torch.no_grad():
            target = model(x[None]).argmax(dim=1)  # (1,): the prediction explain_image explains
        worker_model = cached_model(model_name, 1)
        job = _WORKERS.submit(attribute_all, worker_model, x[None], target, None, side, settings)
    main = explain_image(
        model,
        x,
        names,
        methods=own,
        preset=preset,
        settings=settings,
        search_steps=search_steps,
        progress=progress,
    )
    if job is None:
        return main
    extra, mine = job.result(), main.attributions
    merged = Attributions(
        maps={
            m: mine.maps.get(m, extra.maps.get(m))
            for m in methods
            if m in mine.maps or m in extra.maps
        },
        deltas=mine.deltas | extra.deltas,
        unavailable=mine.unavailable | extra.unavailable,
        seconds=mine.seconds | extra.seconds,
    )
    return replace(main, attributions=merged)


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
    maps = result["maps"]
    out = {}
    for pair, (a, b) in {"sm_bsm": ("sm", "bsm"), "ig_big": ("ig_black", "big")}.items():
        present = a in maps and b in maps
        out[f"{pair}_l2"] = l2_distance(maps[a], maps[b]) if present else None
        out[f"{pair}_cosine"] = cosine_distance(maps[a], maps[b]) if present else None
    return out
