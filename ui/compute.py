"""Cached bridges from Streamlit pages into ``boundary_core`` (models cached as resources,
results as plain numpy data).

The boundary search and the maps are cached apart: the search per (model, image hash, preset,
steps, seed); each map per (model, image hash, method, target class, the settings that method
reads, and for the maps that start from x′ the search's key). A change of IG baseline, target
class or style therefore computes at most the maps it needs, never the search again; after an
Explain view, the maps of the likely next classes are computed in the background
(``queue_ahead``, ``prefetch.py``) and taken from there when asked for.
"""

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import streamlit as st
import torch

from boundary_core import maps
from boundary_core.attributions import color_from_hex, color_to_hex
from boundary_core.attributions.defaults import BASELINE_COLOR
from boundary_core.attributions.private import private_copy
from boundary_core.device import apply_thread_policy, default_device, describe
from boundary_core.explain import Explanation
from boundary_core.maps import Attributions, attribute_all
from boundary_core.methods import (
    METHODS,
    SETTINGS_PRESETS,
    Settings,
    alignment_of,
    ig_method,
    panel_methods,
)
from boundary_core.models import get_spec, load_model
from boundary_core.render import explanation_arrays, image_key
from boundary_core.schedule import attribute_in_parallel, parallel_by_default
from boundary_core.search.result import empty_result
from ui import prefetch, search_jobs
from ui.search_jobs import boundary_of

warnings.filterwarnings("ignore", module=r"captum\..*")
apply_thread_policy()
DEFAULT_COLOUR = color_to_hex(BASELINE_COLOR)  # the colour picker's "#808080"
SEED = 0
POLL_SECONDS = 0.2
CANCELLED = "the boundary search was cancelled, so there is no x′ (run it again to see this map)"
CANCELLED_PART = {"unavailable": CANCELLED}


@st.cache_resource(show_spinner="Loading model…")
def cached_model(name: str) -> torch.nn.Module:
    """The named model, shared by every session (the core never mutates it)."""
    return load_model(name, default_device())


def device_label() -> str:
    return describe(default_device()).replace("(1 threads)", "(1 thread)")


class _NotCached(Exception):
    """``cached_search`` was asked for a search it has not stored (nothing is cached then)."""


@st.cache_data(show_spinner=False, max_entries=128)
def cached_search(
    model_name: str,
    key: str,
    image: np.ndarray,
    preset: str,
    steps: int | None,
    seed: int = SEED,
    _record: dict | None = None,
) -> dict:
    """The search record (``search_jobs.search_record``) of one image: stores ``_record`` on a
    miss; a miss without one raises ``_NotCached`` (exceptions are never cached)."""
    del model_name, key, image, preset, steps, seed  # the cache key
    if _record is None:
        raise _NotCached
    return _record


def stored_search(model_name: str, image: np.ndarray, preset: str, steps) -> dict | None:
    """The cached search record of this image and settings, or None if it was never computed."""
    try:
        return cached_search(model_name, image_key(image), image, preset, steps, SEED)
    except _NotCached:
        return None


def search_key(model_name: str, image: np.ndarray, preset: str, steps) -> tuple:
    return (model_name, image_key(image), preset, steps, SEED)


def reads_colour(method: str) -> bool:
    """Whether ``method`` reads ``Settings.baseline_color`` (IG from a custom colour)."""
    return method == ig_method("color")


@st.cache_data(show_spinner=False, max_entries=512)
def cached_map(
    model_name: str,
    key: str,
    image: np.ndarray,
    method: str,
    target: int,
    colour: str,
    search: tuple | None,
    budget: str = "paper",
    _record: dict | None = None,
    _part: dict | None = None,
    _peek: bool = False,
) -> dict:
    """One method's map for one target class: ``{"map", "delta", "seconds"}`` or
    ``{"unavailable": reason}``. ``search`` (the search key) is set only for methods that start
    from x′, whose record is ``_record``; ``colour`` only for the method that reads it, ``budget``
    (a ``SETTINGS_PRESETS`` name) only for the methods it changes. On a miss,
    ``_part`` (computed elsewhere, e.g. two maps at a time) is stored instead of computing, and
    ``_peek`` raises ``_NotCached`` (exceptions are never cached)."""
    del key  # the image array is hashed too
    if _part is not None:
        return _part
    if _peek:
        raise _NotCached
    model = cached_model(model_name)
    return one_map(model, image, method, target, colour, budget, _record, attribute_all)


def one_map(model, image, method, target, colour, budget, record, attribute) -> dict:
    """``method``'s map of ``image`` for ``target`` in the map cache's form, computed by
    ``attribute`` (``attribute_all`` or a stand-in with its signature)."""
    device = default_device()
    x = torch.from_numpy(image)[None].to(device)
    boundary = boundary_of(record, device) if record is not None else None
    settings = map_settings(colour, budget)
    targets = torch.tensor([target], device=device)
    return part_of(attribute(model, x, targets, boundary, (method,), settings), method)


def map_settings(colour: str, budget: str) -> Settings:
    """The attribution settings of a budget preset with the custom IG colour."""
    preset = SETTINGS_PRESETS[budget].settings
    return replace(preset, baseline_color=color_from_hex(colour), seed=SEED)


def part_of(parts: Attributions, method: str) -> dict:
    """The cached form of one method's result in ``parts``."""
    if method in parts.unavailable:
        return {"unavailable": parts.unavailable[method]}
    delta = parts.deltas.get(method)
    return {
        "map": parts.maps[method][0].detach().cpu().numpy(),
        "delta": None if delta is None else float(delta[0]),
        "seconds": parts.seconds[method],
    }


def _map_key(model_name, image, method, target, colour, record, search, budget) -> tuple:
    """``cached_map``'s arguments for ``method``, reduced to what it reads."""
    needs = METHODS[method].needs_boundary
    colour = colour if reads_colour(method) else DEFAULT_COLOUR
    budget = budget if method in SETTINGS_PRESETS[budget].changes else "paper"
    return (
        model_name,
        image_key(image),
        image,
        method,
        int(target),
        colour,
        search if needs else None,
        budget,
    ), (record if needs else None)


def map_part(model_name, image, method, target, colour, record, search, budget="paper") -> dict:
    """``cached_map`` with the key reduced to what ``method`` reads."""
    if METHODS[method].needs_boundary and record is None:
        return {"unavailable": "the boundary search has not finished, so there is no x′ yet"}
    arguments, record = _map_key(model_name, image, method, target, colour, record, search, budget)
    return cached_map(*arguments, _record=record)


def maps_together(
    model_name, image, methods, target, colour, record, search, on_map, budget="paper"
) -> None:
    """The maps of ``methods`` once x′ is known (``record``; None: the search was cancelled or
    is not needed): the cached ones at once, the others computed two at a time on a CPU with
    two or more cores (``schedule.attribute_in_parallel``), each stored in the map cache and
    passed to ``on_map(method, part)`` as it completes."""
    missing = {}  # method → its cached_map arguments and record
    for method in methods:
        if METHODS[method].needs_boundary and record is None:
            on_map(method, CANCELLED_PART)
            continue
        arguments, kept = _map_key(
            model_name, image, method, target, colour, record, search, budget
        )
        try:
            on_map(method, cached_map(*arguments, _record=kept, _peek=True))
        except _NotCached:
            ready = prefetch.take(_ahead_key(arguments))
            if ready is None:
                missing[method] = arguments, kept
            else:  # computed while the user looked at the last view
                on_map(method, cached_map(*arguments, _record=kept, _part=ready))
    if len(missing) < 2 or not parallel_by_default():
        for method, (arguments, kept) in missing.items():
            on_map(method, cached_map(*arguments, _record=kept))
        return
    device = default_device()
    x = torch.from_numpy(image)[None].to(device)
    boundary = boundary_of(record, device) if record is not None else None

    def store(method: str, parts: Attributions) -> None:
        arguments, kept = missing[method]
        on_map(method, cached_map(*arguments, _record=kept, _part=part_of(parts, method)))

    targets = torch.tensor([int(target)], device=device)
    settings = map_settings(colour, budget)
    attribute_in_parallel(
        cached_model(model_name), x, targets, boundary, tuple(missing), settings, store
    )


def _ahead_key(arguments: tuple) -> tuple:
    """``cached_map``'s arguments without the image array (its hash is in the key)."""
    return arguments[:2] + arguments[3:]


def _compute_ahead(model: torch.nn.Module, arguments: tuple, record: dict | None) -> dict:
    """What ``cached_map`` would compute for ``arguments``, on the precompute's private copy
    of ``model`` (``prefetch``'s thread; the core's own ``attribute_all``, so a spy on this
    module's never counts it as a page run's map)."""
    _, _, image, method, target, colour, _, budget = arguments
    copy = private_copy(model, "ahead").model
    return one_map(copy, image, method, target, colour, budget, record, maps.attribute_all)


def queue_ahead(request: "Request", record, search, target: int, parts: dict) -> None:
    """Queue, for the background (``prefetch``), the maps a likely next change needs and the
    caches lack: this view's maps for the next ``prefetch.CLASSES_AHEAD`` classes by
    probability, then the maps another budget changes for this class; nothing if one class's
    maps cost more than ``prefetch.MAX_SECONDS_AHEAD`` as they were timed here."""
    cost = sum(part.get("seconds", 0.0) for part in parts.values())
    if not prefetch.enabled() or cost > prefetch.MAX_SECONDS_AHEAD:
        return
    probabilities = cached_prediction(request.model, image_key(request.image), request.image)
    others = [int(c) for c in np.argsort(probabilities)[::-1] if int(c) != target]
    order = drawing_order(request.methods, searched=True)
    wanted = [(c, m, request.budget) for c in others[: prefetch.CLASSES_AHEAD] for m in order]
    for budget, preset in SETTINGS_PRESETS.items():
        if budget != request.budget:
            wanted += [(target, m, budget) for m in order if m in preset.changes]
    model, tasks = cached_model(request.model), []
    for other, method, budget in wanted:
        if METHODS[method].needs_boundary and record is None:
            continue
        arguments, kept = _map_key(
            request.model, request.image, method, other, request.colour, record, search, budget
        )
        try:
            cached_map(*arguments, _record=kept, _peek=True)
        except _NotCached:
            compute = partial(_compute_ahead, model, arguments, kept)
            tasks.append(prefetch.Task(_ahead_key(arguments), compute))
    prefetch.ahead(tasks)


@st.cache_data(show_spinner=False, max_entries=256)
def cached_prediction(model_name: str, key: str, image: np.ndarray) -> np.ndarray:
    """Softmax probabilities ``(K,)`` of one ``(3, H, W)`` image."""
    del key
    model = cached_model(model_name)
    with torch.no_grad():
        logits = model(torch.from_numpy(image)[None].to(default_device()))
    return logits.softmax(dim=1)[0].cpu().numpy()


def assemble(model_name, image, record, parts: dict[str, dict], target) -> dict:
    """The *result* dict the drawing code reads (``render.explanation_arrays``) from a search
    record (None: no x′ yet) and the cached map parts, in their order."""
    probabilities = cached_prediction(model_name, image_key(image), image)
    x = torch.from_numpy(image)
    if record is None:
        label = torch.tensor([int(np.argmax(probabilities))])
        boundary, seconds, at_boundary = empty_result(x[None], label), 0.0, None
    else:
        boundary, seconds = boundary_of(record, torch.device("cpu")), record["seconds"]
        at_boundary = record["probabilities"]
    done = {m: p for m, p in parts.items() if "map" in p}
    attributions = Attributions(
        maps={m: torch.from_numpy(p["map"])[None] for m, p in done.items()},
        deltas={m: torch.tensor([p["delta"]]) for m, p in done.items() if p["delta"] is not None},
        unavailable={m: p["unavailable"] for m, p in parts.items() if "map" not in p},
        seconds={m: p["seconds"] for m, p in done.items()},
    )
    explanation = Explanation(
        x,
        get_spec(model_name).class_names,
        int(target),
        torch.from_numpy(probabilities),
        boundary,
        None if at_boundary is None else torch.from_numpy(at_boundary),
        attributions,
        seconds,
    )
    return explanation_arrays(explanation, image)


@dataclass(frozen=True)
class Request:
    """What one explanation view asks for."""

    model: str
    image: np.ndarray
    preset: str
    steps: int | None
    methods: tuple[str, ...]
    colour: str = DEFAULT_COLOUR
    target: int | None = None  # None: the predicted class
    budget: str = "paper"  # a SETTINGS_PRESETS name


Progress = Callable[[float, str], None]


# One backward pass each: drawn first, so the first tiles of a new view come within a moment.
SINGLE_PASS = ("sm", "gxi", "bsm")


def drawing_order(methods, searched: bool) -> tuple[str, ...]:
    """The order maps are computed in: single-pass maps first, then the table's order; while
    x′ is still being searched (``searched`` False) every map that needs no x′ comes first."""
    ranked = sorted(methods, key=lambda m: m not in SINGLE_PASS)  # stable: table order kept
    if searched:
        return tuple(ranked)
    free = [m for m in ranked if not METHODS[m].needs_boundary]
    return tuple(free + [m for m in ranked if METHODS[m].needs_boundary])


def run(
    request: Request,
    progress: Progress | None = None,
    on_map: Callable[[str, dict], None] | None = None,
    on_wait: Callable[[search_jobs.SearchJob], None] | None = None,
    search: bool = True,
    ahead: bool = False,
) -> dict:
    """Compute (or fetch from the caches) everything ``request`` shows and return the result.

    The search starts first, in its own thread; the maps that need no x′ are computed here
    meanwhile (``on_map(method, part)`` after each), then ``on_wait(job)`` is called every
    ``POLL_SECONDS`` until x′ is known, then the maps that start from x′. ``search=False`` (the
    user cancelled it) draws what needs no x′ and reports the others unavailable. With
    ``ahead`` the same maps for the next likely classes are then queued (``prefetch``).
    """
    with prefetch.computing():
        result, record, target, parts = _run(request, progress, on_map, on_wait, search)
    if ahead:
        key = search_key(request.model, request.image, request.preset, request.steps)
        queue_ahead(request, record, key, target, parts)
    return result


def _run(request, progress, on_map, on_wait, search) -> tuple:
    """``run``'s work: the result, the search record (None: none), the target and the parts."""
    progress = progress or (lambda fraction, message: None)
    model, image = request.model, request.image
    probabilities = cached_prediction(model, image_key(image), image)
    target = int(np.argmax(probabilities)) if request.target is None else int(request.target)
    key = search_key(model, image, request.preset, request.steps)
    record = stored_search(model, image, request.preset, request.steps)
    job = None
    if record is None and search:
        job = search_jobs.start(key, cached_model(model), image, *key[2:])
    order = drawing_order(request.methods, searched=record is not None)
    parts = {}

    def done(method: str, part: dict) -> None:
        parts[method] = part
        if on_map is not None:
            on_map(method, part)

    rest = list(order)
    if job is not None:  # while x′ is searched: the maps that need none, one at a time
        while rest and not METHODS[rest[0]].needs_boundary:
            method = rest.pop(0)
            progress(len(parts) / len(order), f"computing {METHODS[method].label}")
            part = map_part(model, image, method, target, request.colour, None, key, request.budget)
            done(method, part)
        record = _wait(job, model, image, request, on_wait)
    if rest:
        progress(len(parts) / len(order), f"computing the other {len(rest)} maps")
    maps_together(
        model, image, tuple(rest), target, request.colour, record, key, done, request.budget
    )
    progress(1.0, "done")
    parts = {m: parts[m] for m in request.methods}  # back in panel order
    return assemble(model, image, record, parts, target), record, target, parts


def _wait(job, model, image, request, on_wait) -> dict | None:
    """The job's record once it has finished, stored in the search cache (None if cancelled)."""
    while not job.finished.wait(POLL_SECONDS):
        if on_wait is not None:
            on_wait(job)
    search_jobs.forget(job)
    if isinstance(job.error, search_jobs.SearchCancelled):
        return None  # cancelled from another tab showing the same search
    if job.error is not None:
        raise job.error
    return cached_search(
        model, image_key(image), image, request.preset, request.steps, SEED, _record=job.record
    )


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
    """Everything one view draws for the default panels (IG once per baseline, plus ``extra``),
    as plain numpy arrays and a JSON-able summary, from the search and map caches."""
    del key
    methods = panel_methods(tuple(baselines), tuple(extra))
    request = Request(model_name, image, preset, search_steps, methods, colour)
    started = time.perf_counter()

    def waiting(job) -> None:
        if _progress is not None:
            _progress(0.5 * job.fraction, f"boundary search: {job.message}")

    result = run(request, _progress, on_wait=waiting)
    result["summary"]["model"] = model_name
    result["summary"]["settings"] = {
        "preset": preset,
        "search_steps": search_steps,
        "baselines": list(baselines),
        "extra_methods": list(extra),
        "colour": colour,
    }
    result["summary"]["seconds"] = round(time.perf_counter() - started, 3)
    return result


def clear_caches() -> None:
    """Forget every cached search, map and prediction (tests and the bench start cold)."""
    for function in (cached_search, cached_map, cached_prediction):
        function.clear()


def alignment(result: dict) -> dict[str, float | None]:
    """Per-image ‖SM − BSM‖, ‖IG − BIG‖ (raw ℓ2, Table 1) and their cosine distances."""
    return alignment_of(result["maps"], ("sm_bsm", "ig_big"))
