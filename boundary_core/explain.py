"""Everything the Explain page and ``explain`` command show for one input, in one call."""

import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import torch
from torch import Tensor, nn

from boundary_core import attributions as attr
from boundary_core.attributions import DeepLiftRefused
from boundary_core.attributions.private import private_copy
from boundary_core.device import default_device
from boundary_core.methods import (
    DEFAULT_METHODS,
    DEFAULT_SETTINGS,
    METHODS,
    MethodInput,
    Settings,
    agi_arguments,
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


# Two cores, one torch thread each: a worker thread computes maps on a private copy of the model
# while the main thread searches x′ (torch releases the GIL), then both take the remaining maps,
# longest first, so they finish together. Maps are identical to a serial run.
_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="attribute")


def _worker_model(model: nn.Module) -> nn.Module:
    """A private copy of ``model`` for worker threads, made once per model (again if it changes)."""
    return private_copy(model, "worker").model


def expected_passes(name: str, settings: Settings) -> float:
    """Rough cost of a method in forward + backward passes of one image (the search excluded):
    the order in which ``explain_image``'s two threads take the maps, longest first."""
    if name == "agi":  # one forward and two backward passes per class and step
        return 1.5 * settings.agi_classes * settings.agi_steps
    if name == "sg":
        return settings.sg_samples
    if name.startswith("guided"):
        return settings.guided_steps
    if name == "deeplift":
        return 3.0  # Captum's pass of x and its reference, and the convergence check
    if METHODS[name].completeness:  # IG, BIG, IDGI: the path points and f at both ends
        return settings.ig_steps + 1.0
    return 1.0


class _Schedule:
    """The maps still to compute, longest first; those that need x′ wait until it is found. A
    method that hooks its model (``Method.hooks_model``) only runs on the main thread. AGI, a sum
    over false classes, is split into ``shares`` tasks (every ``shares``-th class each). With
    ``main_cheapest_first`` the main thread takes from the other end, so the quick maps are ready
    at once while the worker takes the long ones; the two meet in the middle."""

    def __init__(
        self,
        methods: tuple[str, ...],
        settings: Settings,
        shares: int = 2,
        main_cheapest_first: bool = False,
    ):
        self.main_cheapest_first = main_cheapest_first
        tasks = [(name, None) for name in methods if name != "agi" or settings.agi_classes < 2]
        if ("agi", None) not in tasks and "agi" in methods:
            tasks += [("agi", slice(i, None, shares)) for i in range(shares)]
        cost = {name: expected_passes(name, settings) for name in methods}
        self.waiting = sorted(
            tasks, key=lambda task: -cost[task[0]] / (1 if task[1] is None else shares)
        )
        self.total, self.boundaries = len(tasks), {}
        self.lock, self.searched = threading.Lock(), threading.Event()

    def _allowed(self, task: tuple, main: bool, searched: bool) -> bool:
        method = METHODS[task[0]]
        return (main or not method.hooks_model) and (searched or not method.needs_boundary)

    def next(self, main: bool) -> tuple | None:
        """The next task ``(method, share or None)`` of this thread, or ``None`` when none is
        left for it. The worker waits for the search when only tasks that need x′ are left."""
        while True:
            with self.lock:
                searched = self.searched.is_set()
                cheap_end = main and self.main_cheapest_first
                for task in reversed(self.waiting) if cheap_end else list(self.waiting):
                    if self._allowed(task, main, searched):
                        self.waiting.remove(task)
                        return task
                later = any(self._allowed(task, main, True) for task in self.waiting)
            if searched or not later:
                return None
            self.searched.wait()

    def search_done(self, boundary: BoundaryResult | None) -> None:
        """Let the methods that need x′ go; ``None`` (the search failed) stops the worker."""
        if boundary is None:
            with self.lock:
                self.waiting.clear()
        else:  # the worker's own x′ tensor: Captum flips ``requires_grad`` on its inputs
            self.boundaries = {True: boundary}
            self.boundaries[False] = replace(boundary, point=boundary.point.detach().clone())
        self.searched.set()


def _work(
    schedule: _Schedule, model, x, targets, settings, main: bool, progress=None, on_task=None
) -> list:
    """Compute the tasks ``schedule`` hands this thread: ``[(task, Attributions)]``;
    ``on_task(task, result)`` is called after each (on this thread)."""
    parts = []
    while (task := schedule.next(main)) is not None:
        name, share = task
        done = 1 - (len(schedule.waiting) + 1) / schedule.total  # share of tasks taken before
        report = (lambda _, text, done=done: progress(0.5 + 0.5 * done, text)) if progress else None
        if share is None:
            boundary = schedule.boundaries[main] if METHODS[name].needs_boundary else None
            result = attribute_all(model, x, targets, boundary, (name,), settings, report)
        else:
            if report:
                report(0.0, f"computing {METHODS[name].label}")
            start = time.perf_counter()
            part = attr.agi(model, x, targets, **agi_arguments(settings, x), share=share)
            result = Attributions({name: part}, {}, seconds={name: time.perf_counter() - start})
        parts.append((task, result))
        if on_task is not None:
            on_task(task, result)
    return parts


def _merged(parts: list, methods: tuple[str, ...]) -> Attributions:
    """The tasks' results as one ``Attributions``; AGI's shares summed in class order."""
    merged = Attributions({}, {})
    for _, result in [part for part in parts if part[0][1] is None]:
        merged = merged.union(result, methods)
    shares = sorted(
        ((task[1].start, result) for task, result in parts if task[1] is not None),
        key=lambda item: item[0],
    )
    if shares:
        total = shares[0][1].maps["agi"]
        for _, result in shares[1:]:
            total = total + result.maps["agi"]
        seconds = sum(result.seconds["agi"] for _, result in shares)
        merged = merged.union(Attributions({"agi": total}, {}, seconds={"agi": seconds}), methods)
    return merged


MapDone = Callable[[str, Attributions], None]


def attribute_in_parallel(
    model: nn.Module,
    x: Tensor,
    targets: Tensor,
    boundary: BoundaryResult | None,
    methods: tuple[str, ...],
    settings: Settings = DEFAULT_SETTINGS,
    on_map: MapDone | None = None,
) -> Attributions:
    """``attribute_all`` with x′ already known (a cached search), on this thread and the worker
    thread (its private copy of the model), longest first: on two cores about half the wall time
    of one thread, the same maps. ``on_map(method, its Attributions)`` is called on *this* thread
    as soon as each method is complete (AGI when both of its shares are). This thread takes the
    cheapest maps first, so the first ones come at once."""
    methods = parse_methods(methods, allow_empty=True)
    found = boundary is not None and bool(boundary.found.all())
    blocked = tuple(m for m in methods if METHODS[m].needs_boundary and not found)
    merged = attribute_all(model, x, targets, boundary, blocked, settings)  # reasons only
    for name in blocked:
        if on_map is not None:
            on_map(name, Attributions({}, {}, {name: merged.unavailable[name]}))
    kept = tuple(m for m in methods if m not in blocked)
    schedule = _Schedule(kept, settings, main_cheapest_first=True)
    if found:
        schedule.search_done(boundary)
    else:
        schedule.searched.set()
    tasks_left = {name: sum(t[0] == name for t in schedule.waiting) for name in methods}
    parts, finished = [], queue.SimpleQueue()

    def settle(task, result) -> None:
        parts.append((task, result))
        tasks_left[task[0]] -= 1
        if tasks_left[task[0]] == 0 and on_map is not None:
            on_map(task[0], _merged([p for p in parts if p[0][0] == task[0]], (task[0],)))

    def drain(*_) -> None:
        while not finished.empty():
            settle(*finished.get())

    mine = x.detach().clone()  # see explain_image: one tensor per thread
    job = _WORKERS.submit(
        _work,
        schedule,
        _worker_model(model),
        mine,
        targets,
        settings,
        False,
        None,
        lambda task, result: finished.put((task, result)),
    )
    try:
        _work(
            schedule, model, x, targets, settings, True, None, lambda t, r: (settle(t, r), drain())
        )
    except BaseException:
        schedule.search_done(None)  # the worker takes no more methods
        raise
    while not (job.done() and finished.empty()):
        try:
            settle(*finished.get(timeout=0.05))
        except queue.Empty:
            pass
    job.result()  # the worker's error, if any
    return merged.union(_merged(parts, methods), methods)


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
    if boundary is not None and boundary.point.shape != batch.shape:
        raise ValueError(
            f"boundary is for inputs of shape {tuple(boundary.point.shape)}, "
            f"not {tuple(batch.shape)}"
        )
    schedule = _Schedule(methods, settings) if parallel and methods else None
    if schedule is not None:
        # The worker gets its own input tensor: Captum flips ``requires_grad`` on the tensor it
        # is given, and two threads flipping one tensor's flag broke 4 of 30 concurrent runs.
        mine = batch.detach().clone()
        job = _WORKERS.submit(_work, schedule, _worker_model(model), mine, targets, settings, False)
    start = time.perf_counter()
    try:
        if boundary is None:
            boundary = find_boundary(
                model,
                batch,
                preset=preset,
                seed=settings.seed,
                steps=search_steps,
                progress=(lambda f, m: progress(0.5 * f, m)) if progress else None,
            )
        search_seconds = time.perf_counter() - start
        if schedule is not None:
            schedule.search_done(boundary)  # the worker may start on x′ at once
        found = bool(boundary.found[0])
        with torch.no_grad():
            boundary_probabilities = model(boundary.point).softmax(dim=1)[0] if found else None
        if schedule is None:
            attributions = attribute_all(
                model,
                batch,
                targets,
                boundary,
                methods,
                settings,
                (lambda f, m: progress(0.5 + 0.5 * f, m)) if progress else None,
            )
        else:
            parts = _work(schedule, model, batch, targets, settings, True, progress)
    except BaseException:
        if schedule is not None:
            schedule.search_done(None)  # the worker takes no more methods
        raise
    if schedule is not None:
        attributions = _merged(parts + job.result(), methods)
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
