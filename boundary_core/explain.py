"""Everything the Explain page and ``explain`` command show for one input, in one call."""

import copy
import os
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from boundary_core.attributions import DeepLiftRefused
from boundary_core.device import default_device
from boundary_core.methods import (
    DEFAULT_METHODS,
    DEFAULT_SETTINGS,
    METHODS,
    MethodInput,
    Settings,
    parse_methods,
)
from boundary_core.search import BoundaryResult, find_boundary
from boundary_core.search.find import Progress


@dataclass(frozen=True)
class Attributions:
    """Signed maps ``(B, C, H, W)`` per method, completeness deltas ``(B,)`` where defined, and the
    reason for every method that could not be computed."""

    maps: dict[str, Tensor]
    deltas: dict[str, Tensor]
    unavailable: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def union(self, other: "Attributions", order: tuple[str, ...]) -> "Attributions":
        """The methods of both (computed on the same images), maps listed in ``order``."""
        maps = self.maps | other.maps
        return Attributions(
            maps={m: maps[m] for m in order if m in maps},
            deltas=self.deltas | other.deltas,
            unavailable=self.unavailable | other.unavailable,
            seconds=self.seconds | other.seconds,
        )

    @staticmethod
    def concatenate(parts: list["Attributions"]) -> "Attributions":
        """Rows of several batches stacked, for the methods every batch has; ``unavailable``
        collects every batch's reasons."""
        common = [m for m in parts[0].maps if all(m in part.maps for part in parts)]
        with_delta = [m for m in common if all(m in part.deltas for part in parts)]
        return Attributions(
            maps={m: torch.cat([part.maps[m] for part in parts]) for m in common},
            deltas={m: torch.cat([part.deltas[m] for part in parts]) for m in with_delta},
            unavailable={name: why for part in parts for name, why in part.unavailable.items()},
            seconds={m: sum(part.seconds.get(m, 0.0) for part in parts) for m in common},
        )


def attribute_all(
    model: nn.Module,
    x: Tensor,
    target: Tensor,
    boundary: BoundaryResult | None,
    methods: tuple[str, ...] = DEFAULT_METHODS,
    settings: Settings = DEFAULT_SETTINGS,
    progress: Progress | None = None,
) -> Attributions:
    """Compute ``methods`` (names of ``boundary_core.methods.METHODS``) for ``x (B, C, H, W)``.

    Methods that need x′ need ``boundary`` with every sample found, otherwise they are reported
    unavailable with the reason (never computed from a non-adversarial point); DeepLIFT on a
    model it would get wrong is reported unavailable too. Any other error propagates.
    """
    methods = parse_methods(methods, allow_empty=True)
    maps, deltas, unavailable, seconds = {}, {}, {}, {}
    found = boundary is not None and bool(boundary.found.all())
    point = boundary.point if found else None
    for step, name in enumerate(methods):
        if progress:
            progress(step / len(methods), f"computing {METHODS[name].label}")
        method = METHODS[name]
        if method.needs_boundary and not found:
            unavailable[name] = "no boundary point was found, so there is no x′ to attribute from"
            continue
        start = time.perf_counter()
        try:
            result = method.compute(MethodInput(model, x, target, point, settings))
        except DeepLiftRefused as refusal:
            unavailable[name] = str(refusal)
            continue
        maps[name], delta = result if isinstance(result, tuple) else (result, None)
        if delta is not None:
            deltas[name] = delta
        seconds[name] = time.perf_counter() - start
    return Attributions(maps, deltas, unavailable, seconds)


@dataclass(frozen=True)
class Explanation:
    """One image explained: prediction, boundary point and every attribution map."""

    x: Tensor  # (C, H, W) in [0, 1]
    class_names: tuple[str, ...]
    target: int
    probabilities: Tensor  # (K,) softmax at x
    boundary: BoundaryResult  # batch of one
    boundary_probabilities: Tensor | None  # (K,) softmax at x′, None if not found
    attributions: Attributions
    search_seconds: float

    @property
    def prediction(self) -> int:
        return int(self.probabilities.argmax())

    def summary(self) -> dict:
        """JSON-friendly numbers (the CLI's ``--json`` output)."""
        found = bool(self.boundary.found[0])
        boundary = self.boundary.row(0)
        boundary["label"] = self.class_names[boundary["index"]] if found else None
        boundary["probability"] = (
            float(self.boundary_probabilities.max())
            if self.boundary_probabilities is not None
            else None
        )
        boundary["seconds"] = round(self.search_seconds, 3)
        methods = {
            name: {"completeness_delta": float(self.attributions.deltas[name][0])}
            if name in self.attributions.deltas
            else {}
            for name in self.attributions.maps
        }
        for name in methods:
            methods[name]["seconds"] = round(self.attributions.seconds[name], 3)
        index = self.prediction
        return {
            "prediction": {
                "index": index,
                "label": self.class_names[index],
                "probability": float(self.probabilities[index]),
            },
            "target": {"index": self.target, "label": self.class_names[self.target]},
            "boundary": boundary,
            "methods": methods,
            "unavailable": dict(self.attributions.unavailable),
        }


def parallel_by_default() -> bool:
    """Whether ``explain_image`` runs the boundary-free methods beside the search: on a CPU with
    two or more cores, unless ``BAE_PARALLEL=0``. On a GPU one stream does both."""
    cpu = default_device().type == "cpu"
    return cpu and (os.cpu_count() or 1) >= 2 and os.environ.get("BAE_PARALLEL", "1") != "0"


# Two cores, one torch thread each: the methods that need no boundary point run on a private copy
# of the model in a worker thread while the main thread searches x′ (torch releases the GIL).
# Maps are identical to a serial run (measured: 32×32 photo 6.5 s -> 3.4 s).
_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="attribute")
_WORKER_MODELS: "weakref.WeakKeyDictionary[nn.Module, nn.Module]" = weakref.WeakKeyDictionary()
_WORKER_MODELS_LOCK = threading.Lock()


def _worker_model(model: nn.Module) -> nn.Module:
    """A private copy of ``model`` for the worker thread, made once per model."""
    with _WORKER_MODELS_LOCK:
        if model not in _WORKER_MODELS:
            _WORKER_MODELS[model] = copy.deepcopy(model)
        return _WORKER_MODELS[model]


def explain_image(
    model: nn.Module,
    x: Tensor,
    class_names: tuple[str, ...],
    *,
    methods=DEFAULT_METHODS,
    preset: str = "fast",
    target: int | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    search_steps: int | None = None,
    progress: Progress | None = None,
    parallel: bool | None = None,
    boundary: BoundaryResult | None = None,
) -> Explanation:
    """Explain one image ``x (C, H, W)``: predict, search the boundary, attribute.

    ``target`` defaults to the predicted class; the boundary search always moves away from the
    predicted class (that is what x′ means), so BSM/BIG for another target use the same x′.
    ``parallel`` (default ``parallel_by_default()``) computes the methods that need no x′ on a
    worker thread while the search runs; the maps are the same either way.
    ``boundary`` (a batch-of-one result of an earlier ``find_boundary`` on this ``x``, e.g. from a
    cache) skips the search: only the maps are computed, and ``search_seconds`` is 0.
    """
    if x.dim() != 3:
        raise ValueError(f"expected one image (C, H, W), got shape {tuple(x.shape)}")
    methods = parse_methods(methods, allow_empty=True)
    batch = x[None]  # (1, C, H, W)
    with torch.no_grad():
        probabilities = model(batch).softmax(dim=1)[0]
    target = int(probabilities.argmax()) if target is None else target
    if isinstance(target, bool) or not 0 <= int(target) < len(class_names):
        raise ValueError(
            f"target must be a class index in [0, {len(class_names) - 1}], got {target}"
        )
    targets = torch.tensor([int(target)], device=x.device)
    parallel = parallel_by_default() if parallel is None else parallel
    beside = tuple(
        m for m in methods if parallel and not (METHODS[m].needs_boundary or METHODS[m].hooks_model)
    )
    job = None
    if beside:
        # The worker gets its own input tensor: Captum flips ``requires_grad`` on the tensor it
        # is given, and two threads flipping one tensor's flag broke 4 of 30 concurrent runs.
        mine = batch.detach().clone()
        job = _WORKERS.submit(
            attribute_all, _worker_model(model), mine, targets, None, beside, settings
        )
    start = time.perf_counter()
    if boundary is None:
        boundary = find_boundary(
            model,
            batch,
            preset=preset,
            seed=settings.seed,
            steps=search_steps,
            progress=(lambda f, m: progress(0.5 * f, m)) if progress else None,
        )
    elif boundary.point.shape != batch.shape:
        raise ValueError(
            f"boundary is for inputs of shape {tuple(boundary.point.shape)}, "
            f"not {tuple(batch.shape)}"
        )
    search_seconds = time.perf_counter() - start
    found = bool(boundary.found[0])
    with torch.no_grad():
        boundary_probabilities = model(boundary.point).softmax(dim=1)[0] if found else None
    attributions = attribute_all(
        model,
        batch,
        targets,
        boundary,
        tuple(m for m in methods if m not in beside),
        settings,
        (lambda f, m: progress(0.5 + 0.5 * f, m)) if progress else None,
    )
    if job is not None:
        attributions = attributions.union(job.result(), methods)
    return Explanation(
        x,
        tuple(class_names),
        int(target),
        probabilities,
        boundary,
        boundary_probabilities,
        attributions,
        search_seconds,
    )
