"""Maps on two threads: this one and a worker with a private copy of the model (torch releases
the GIL, one torch thread each), the longest maps first so both finish together. ``explain_image``
runs the worker beside the boundary search; ``attribute_in_parallel`` runs both threads once x′ is
known (a cached search). AGI, a sum over false classes, is split in two shares. The maps are the
same as one thread's."""

import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from torch import Tensor, nn

from boundary_core import attributions as attr
from boundary_core.attributions.private import private_copy
from boundary_core.device import default_device
from boundary_core.maps import Attributions, attribute_all
from boundary_core.methods import (
    DEFAULT_SETTINGS,
    METHODS,
    Settings,
    agi_arguments,
    parse_methods,
)
from boundary_core.search import BoundaryResult


def parallel_by_default() -> bool:
    """Whether ``explain_image`` runs the boundary-free methods beside the search: on a CPU with
    two or more cores, unless ``BAE_PARALLEL=0``. On a GPU one stream does both."""
    cpu = default_device().type == "cpu"
    return cpu and (os.cpu_count() or 1) >= 2 and os.environ.get("BAE_PARALLEL", "1") != "0"


# Two cores, one torch thread each: a worker thread computes maps on a private copy of the model
# while the main thread searches x′ (torch releases the GIL), then both take the remaining maps,
# longest first, so they finish together. Maps are identical to a serial run.
WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="attribute")


def worker_model(model: nn.Module) -> nn.Module:
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


class Schedule:
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


def work(
    schedule: Schedule, model, x, targets, settings, main: bool, progress=None, on_task=None
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


def merge_parts(parts: list, methods: tuple[str, ...]) -> Attributions:
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
    refused = attribute_all(model, x, targets, boundary, blocked, settings)  # reasons only
    for name in blocked:
        if on_map is not None:
            on_map(name, Attributions({}, {}, {name: refused.unavailable[name]}))
    kept = tuple(m for m in methods if m not in blocked)
    schedule = Schedule(kept, settings, main_cheapest_first=True)
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
            on_map(task[0], merge_parts([p for p in parts if p[0][0] == task[0]], (task[0],)))

    def drain(*_) -> None:
        while not finished.empty():
            settle(*finished.get())

    mine = x.detach().clone()  # see explain_image: one tensor per thread
    job = WORKERS.submit(
        work,
        schedule,
        worker_model(model),
        mine,
        targets,
        settings,
        False,
        None,
        lambda task, result: finished.put((task, result)),
    )
    try:
        work(
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
    return refused.union(merge_parts(parts, methods), methods)
