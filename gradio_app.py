"""The Gradio front (a ZeroGPU Space, and an HTTP API): widgets -> one cached call into the core
-> draw. The Streamlit app stays the full explorer; everything computed or drawn here comes from
``boundary_core`` (STYLE rule 17). Start it with ``./run.sh gradio``.

API (``gradio_client``): ``/explain`` and ``/compare``; each returns the panels as images with
captions, x′ as an image (``/explain``) and the JSON of ``python -m boundary_core explain --json``.
"""

import json
import os
import tempfile
import threading
import warnings
from collections import OrderedDict
from pathlib import Path

import gradio as gr
import numpy as np
import torch

from boundary_core.data.gallery import DOMAINS, gallery_names, gallery_picture, upload_picture
from boundary_core.data.images import MAX_BYTES, check_file_size
from boundary_core.device import apply_thread_policy, default_device
from boundary_core.explain import explain_image
from boundary_core.limits import REQUEST_SEARCH_STEPS
from boundary_core.methods import METHODS, Settings, panel_methods
from boundary_core.models import default_pair, get_spec, list_models, load_model, pairs
from boundary_core.models.download import download_model
from boundary_core.render import (
    HeatmapStyle,
    arrays_npz,
    download_name,
    explanation_arrays,
    image_key,
    image_rgb,
    legend_text,
    panel_images,
    panels_png,
    shared_scales,
    summary_json,
    upscale,
)
from boundary_core.search import PRESETS
from boundary_core.search.ensemble import eps_ladder
from boundary_core.search.find import check_search_arguments, fast_gradients, paper_budget

# Present on Hugging Face ZeroGPU Spaces (a no-op decorator off ZeroGPU).
try:
    from spaces import GPU as SPACES_GPU
except ImportError:
    SPACES_GPU = None

warnings.filterwarnings("ignore", module=r"captum\..*")  # as the Streamlit app
apply_thread_policy()
ON_SPACE = bool(os.environ.get("SPACE_ID"))
BASELINES = ("black", "white", "blur", "noise", "color")
TILE = 192  # pixels per panel tile
CACHE_SIZE = 32  # explanations kept (each a few maps of one image)
# Gradio swaps in a fresh tracker per request for a Progress default (blocks.py), so one is shared
PROGRESS = gr.Progress()
SECONDS_PER_GRADIENT = 0.02  # ZeroGPU estimate for one 224² ResNet-50 gradient, with headroom


def gpu(duration):
    """``spaces.GPU(duration=...)`` on a Space, the function unchanged elsewhere."""
    return SPACES_GPU(duration=duration) if SPACES_GPU else (lambda function: function)


# --- models --------------------------------------------------------------------------------------
_MODELS: dict[str, torch.nn.Module] = {}
_MODELS_LOCK = threading.Lock()


def model(name: str) -> torch.nn.Module:
    """The named model on the default device, loaded once and shared (the core never mutates it)."""
    with _MODELS_LOCK:
        if name not in _MODELS:
            _MODELS[name] = load_model(name, default_device())
        return _MODELS[name]


def available_models() -> list[str]:
    return [spec.name for spec in list_models() if spec.available]


def available_pairs() -> list[tuple[str, str]]:
    return [pair for pair in pairs() if all(get_spec(name).available for name in pair)]


if ON_SPACE:  # weights fetched at build time (preload_from_hub) become models; all go to the GPU
    from huggingface_hub import try_to_load_from_cache

    for spec in list_models():
        if spec.source is not None and spec.source.repo_id and not spec.available:
            if isinstance(try_to_load_from_cache(spec.source.repo_id, spec.source.filename), str):
                download_model(spec.name)  # copies from the hub cache, checks, converts
    for name in available_models():
        model(name)


# --- one cached call into the core ---------------------------------------------------------------
def gpu_seconds(model_name, image, methods, preset, steps, target=None, progress=None) -> int:
    """ZeroGPU duration for one explanation: gradients of the search and of every method, at
    ``SECONDS_PER_GRADIENT`` scaled by pixels (224² = 1), plus 10 s; at most 120 s."""
    del progress, target
    settings = Settings()
    if preset == "fast":
        search = fast_gradients(image.size, steps or None)
    else:
        budget = paper_budget(steps)  # every rung of the ladder (no early exit), C&W, APGD
        search = len(eps_ladder(budget)) * budget.pgd_steps + budget.apgd_steps
        search += budget.cw_steps * budget.cw_binary_steps
    per_method = {"ig": settings.ig_steps, "big": settings.ig_steps, "sg": settings.sg_samples}
    per_method |= {
        "agi": settings.agi_classes * settings.agi_steps,
        "guided": settings.guided_steps,
    }
    gradients = search + sum(per_method.get(m.split("_")[0], 1) for m in methods)
    scale = max(image.shape[-1] * image.shape[-2] / 224**2, 0.05)
    return int(min(120, 10 + gradients * SECONDS_PER_GRADIENT * scale))


@gpu(duration=gpu_seconds)
def compute(model_name, image, methods, preset, steps, target=None, progress=None) -> dict:
    """``explain_image`` on ``image (3, H, W)``; plain numpy arrays back (they cross processes on
    ZeroGPU)."""
    explanation = explain_image(
        model(model_name),
        torch.from_numpy(image).to(default_device()),
        get_spec(model_name).class_names,
        methods=methods,
        preset=preset,
        search_steps=steps,
        target=target,
        # Serial within a request: the queue already runs two requests on the two cores.
        parallel=False,
        progress=(lambda f, m: progress(min(max(f, 0.0), 1.0), desc=m)) if progress else None,
    )
    return explanation_arrays(explanation, image)


_CACHE: "OrderedDict[tuple, dict]" = OrderedDict()
_CACHE_LOCK = threading.Lock()


def cached_result(model_name, image, baselines, preset, steps, progress=None, target=None) -> dict:
    """The result for (model, image SHA-256, settings), from a small LRU cache or computed."""
    key = (model_name, image_key(image), tuple(baselines), preset, steps, target)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    methods = panel_methods(tuple(baselines))
    try:
        result = compute(model_name, image, methods, preset, steps, target, progress)
    except ValueError as error:  # e.g. a target outside the model's classes
        raise gr.Error(str(error).splitlines()[0], print_exception=False) from None
    with _CACHE_LOCK:
        _CACHE[key] = result
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


# --- widgets -> inputs ---------------------------------------------------------------------------
def picture(source, name, upload, model_name):
    """The chosen gallery image or upload, preprocessed for ``model_name``; gr.Error if bad."""
    spec = get_spec(model_name)
    size, crop = spec.input_size[1], spec.crop_fraction
    try:
        if source == "upload":
            if not upload:
                raise ValueError("choose an image file to upload")
            path = Path(upload)
            check_file_size(path.stat().st_size)
            return upload_picture(path.read_bytes(), size, path.name, crop), path.name
        return gallery_picture(source, name, size, crop), f"{source}/{name}"
    except ValueError as error:
        raise gr.Error(str(error), print_exception=False) from None


def settings_of(model_name, baselines, preset, steps):
    """Validated settings; gr.Error with one line for what no search can honour."""
    try:
        if model_name not in available_models():
            raise ValueError(f"model {model_name!r} is not available here")
        if not baselines:
            raise ValueError("choose at least one IG baseline")
        if preset not in PRESETS:
            raise ValueError(f"search preset must be one of {', '.join(PRESETS)}")
        steps = int(steps) if steps else None
        check_search_arguments(steps=steps, restarts=None, seed=0)
        cap = REQUEST_SEARCH_STEPS[preset]
        if steps is not None and steps > cap:
            raise ValueError(
                f"{steps} search steps is over the budget of one request for the {preset} "
                f"preset (at most {cap}; the command line takes more)"
            )
    except (TypeError, ValueError) as error:
        raise gr.Error(str(error), print_exception=False) from None
    return tuple(baselines), steps


# --- draw ----------------------------------------------------------------------------------------
_FILES = Path(tempfile.mkdtemp(prefix="bae-gradio-"))


def numbers(result, model_name, image_name) -> dict:
    """The JSON of ``explain --json``: model, image, device, then the explanation's summary."""
    head = {"model": model_name, "image": image_name, "device": default_device().type}
    return json.loads(summary_json(head | result["summary"]))


def tiles(result, pic, scales=None) -> list[tuple[np.ndarray, str]]:
    """Gallery items; ``scales``: colour scales shared with other results (else this one's)."""
    return [
        (np.asarray(upscale(rgb, TILE, pic.box, pic.distractor_box)), caption)
        for caption, rgb in panel_images(result, scales=scales)
    ]


def downloads(result, pic, stem, image_name="", model_name="") -> list[str]:
    """The panel grid as PNG (title, colour bars, legend) and every array as NPZ, named
    ``explain_<image>_<model>``, written under a per-result folder."""
    folder = _FILES / image_key(result["input"]) / stem
    folder.mkdir(parents=True, exist_ok=True)
    name = download_name(image_name, model_name, "")
    png, npz = folder / f"{name}.png", folder / f"{name}.npz"
    panels = panel_images(result, model=model_name)
    box = {"box": pic.box, "distractor_box": pic.distractor_box}
    png.write_bytes(
        panels_png(result, panels, HeatmapStyle(), image=image_name, model=model_name, **box)
    )
    npz.write_bytes(arrays_npz(result))
    return [str(png), str(npz)]


def explain_view(
    source, name, upload, model_name, baselines, preset, steps, target=-1, progress=PROGRESS
):
    """Explain tab and ``/explain``: panels, x′, the numbers, downloads. ``target`` −1 (or
    empty) explains the predicted class."""
    baselines, steps = settings_of(model_name, baselines, preset, steps)
    target = None if target is None or int(target) < 0 else int(target)
    pic, image_name = picture(source, name, upload, model_name)
    result = cached_result(model_name, pic.image, baselines, preset, steps, progress, target)
    boundary = result["boundary"]
    x_prime = None if boundary is None else np.asarray(upscale(image_rgb(boundary), TILE * 2))
    stem = f"{model_name}-{'-'.join(baselines)}-{preset}-{steps}"
    return (
        tiles(result, pic),
        x_prime,
        numbers(result, model_name, image_name),
        downloads(result, pic, stem, image_name, model_name),
    )


def compare_view(pair, source, name, upload, baselines, preset, steps, progress=PROGRESS):
    """Standard vs Robust tab and ``/compare``: one explanation per model of the pair."""
    names = tuple(pair.split(" vs ")) if isinstance(pair, str) else ()
    if names not in available_pairs():
        raise gr.Error(f"pair {pair!r} is not available here", print_exception=False)
    shown, summaries = [], {}
    for side, model_name in zip(("standard", "robust"), names, strict=True):
        baselines_, steps_ = settings_of(model_name, baselines, preset, steps)
        pic, image_name = picture(source, name, upload, model_name)
        result = cached_result(model_name, pic.image, baselines_, preset, steps_, progress)
        shown.append((result, pic))
        summaries[side] = numbers(result, model_name, image_name)
    scales = shared_scales([result for result, _ in shown])  # one scale across both models
    galleries = [tiles(result, pic, scales) for result, pic in shown]
    return galleries[0], galleries[1], summaries


# --- layout --------------------------------------------------------------------------------------
def source_widgets(default_source: str):
    source = gr.Radio(list(DOMAINS), value=default_source, label="Image source")
    names = gallery_names(default_source)
    name = gr.Dropdown(names, value=names[0], label="Gallery image")
    upload = gr.File(label="Upload (PNG/JPEG…)", file_types=["image"], type="filepath")
    source.change(
        lambda s: (
            gr.Dropdown(choices=gallery_names(s), value=gallery_names(s)[0])
            if s != "upload"
            else gr.Dropdown()
        ),
        source,
        name,
        api_visibility="private",
    )
    return source, name, upload


def settings_widgets():
    labels = ", ".join(METHODS[m].label for m in panel_methods(()))  # IG per baseline, beside
    baselines = gr.CheckboxGroup(list(BASELINES), value=["black", "white"], label="IG baselines")
    preset = gr.Radio(list(PRESETS), value="fast", label="Boundary search")
    steps = gr.Number(0, precision=0, label="Search steps (0: the preset's default)")
    gr.Markdown(f"Methods: IG once per chosen baseline, {labels}.")
    return baselines, preset, steps


def build() -> gr.Blocks:
    models = available_models()
    start = "shapes-standard" if "shapes-standard" in models else models[0]
    pair_labels = [" vs ".join(pair) for pair in available_pairs()]
    with gr.Blocks(title="Boundary Attribution Explorer", delete_cache=(3600, 3600)) as demo:
        gr.Markdown(
            "# Boundary Attribution Explorer\nAttributions from the closest point across the "
            "decision boundary (BSM, BIG) beside the classic maps. " + legend_text()
        )
        with gr.Tab("Explain"):
            with gr.Row():
                with gr.Column(scale=1):
                    source, name, upload = source_widgets("shapes")
                    model_name = gr.Dropdown(models, value=start, label="Model")
                    baselines, preset, steps = settings_widgets()
                    target = gr.Number(
                        -1, precision=0, label="Target class index (−1: the predicted class)"
                    )
                    run = gr.Button("Explain", variant="primary")
                with gr.Column(scale=3):
                    panels = gr.Gallery(
                        elem_id="panels", label="Panels", columns=6, format="png", height="auto"
                    )
                    with gr.Row():
                        x_prime = gr.Image(
                            label="x′ (closest point across the boundary)", format="png"
                        )
                        files = gr.File(label="Downloads (PNG grid, NPZ arrays)")
                    summary = gr.JSON(label="Numbers (as `explain --json`)", elem_id="numbers")
            run.click(
                explain_view,
                [source, name, upload, model_name, baselines, preset, steps, target],
                [panels, x_prime, summary, files],
                api_name="explain",
            )
        with gr.Tab("Standard vs Robust"):
            with gr.Row():
                with gr.Column(scale=1):
                    default = " vs ".join(default_pair())
                    pair = gr.Dropdown(
                        pair_labels,
                        value=default if default in pair_labels else (pair_labels or [None])[0],
                        label="Model pair (standard vs robust)",
                    )
                    c_source, c_name, c_upload = source_widgets("shapes")
                    c_baselines, c_preset, c_steps = settings_widgets()
                    c_run = gr.Button("Compare", variant="primary")
                with gr.Column(scale=3):
                    standard = gr.Gallery(
                        elem_id="standard", label="Standard", columns=6, format="png", height="auto"
                    )
                    robust = gr.Gallery(
                        elem_id="robust", label="Robust", columns=6, format="png", height="auto"
                    )
                    c_summary = gr.JSON(label="Numbers per model", elem_id="compare-numbers")
            c_run.click(
                compare_view,
                [pair, c_source, c_name, c_upload, c_baselines, c_preset, c_steps],
                [standard, robust, c_summary],
                api_name="compare",
            )
    return demo.queue(default_concurrency_limit=2)


demo = build()


def launch_local(port: int) -> str:
    """Serve ``demo`` on 127.0.0.1:``port`` in a background thread (tests, benchmarks); its URL."""
    _, url, _ = demo.launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
        max_file_size=MAX_BYTES,
    )
    return url


if __name__ == "__main__":
    demo.launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        max_file_size=MAX_BYTES,
    )
