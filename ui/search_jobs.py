"""Boundary searches running beside a Streamlit script, so maps can be drawn while x′ is searched.

A search runs in a thread of its own (on the worker copy of the model that ``explain_image`` uses
for the same purpose) and is shared by every script run that asks for the same key: a widget
change during a long search reruns the page, and the rerun attaches to the running search instead
of starting it again. ``cancel`` stops it at its next progress report (the paper preset reports
between attacks). Hand-written: Streamlit has no background-job API, and a thread started here
never calls Streamlit (only the page's own thread draws).
"""

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from boundary_core.schedule import worker_model
from boundary_core.search import BoundaryResult, find_boundary

_JOBS: dict[tuple, "SearchJob"] = {}
_LOCK = threading.Lock()
_LAST_SECONDS: dict[tuple, float] = {}  # (model, preset, steps) -> duration of the last search


class SearchCancelled(Exception):
    """Raised inside the search thread when the user pressed Cancel."""


@dataclass
class SearchJob:
    key: tuple
    started: float = field(default_factory=time.monotonic)
    fraction: float = 0.0
    message: str = "starting"
    record: dict | None = None
    error: BaseException | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)

    def report(self, fraction: float, message: str) -> None:
        """The search's progress callback: records where it is, stops it if cancelled."""
        # one image: the core's "PGD ε=… on 1 sample" (written for batches) says nothing here
        self.fraction = min(max(fraction, 0.0), 1.0)
        self.message = message.removesuffix(" on 1 sample")
        if self.stop.is_set():
            raise SearchCancelled

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def seconds_left(self) -> float | None:
        """Remaining seconds: from the last search of this model and preset, else from the
        fraction done (None until there is something to go on)."""
        last = _LAST_SECONDS.get(self.key[:1] + self.key[2:4])
        if last is not None:
            return max(last - self.elapsed, 0.0)
        if self.fraction >= 0.05:
            return self.elapsed * (1 - self.fraction) / self.fraction
        return None

    def cancel(self) -> None:
        self.stop.set()


def search_record(result: BoundaryResult, seconds: float, probabilities) -> dict:
    """A batch-of-one ``BoundaryResult`` as numpy arrays and plain values (pickle-able), with the
    softmax at x′ (None if nothing was found) and the search's wall-clock seconds."""
    return {
        "point": result.point.detach().cpu().numpy(),
        "found": result.found.cpu().numpy(),
        "distance": result.distance.cpu().numpy(),
        "label": result.label.cpu().numpy(),
        "original_label": result.original_label.cpu().numpy(),
        "method": tuple(result.method),
        "gradient_evals": result.gradient_evals.cpu().numpy(),
        "forward_evals": None
        if result.forward_evals is None
        else result.forward_evals.cpu().numpy(),
        "seconds": seconds,
        "probabilities": probabilities,
    }


def boundary_of(record: dict, device: torch.device) -> BoundaryResult:
    """The ``BoundaryResult`` a search record was made from."""
    tensors = {
        name: torch.from_numpy(np.asarray(record[name])).to(device)
        for name in ("point", "found", "distance", "label", "original_label", "gradient_evals")
    }
    forwards = record.get("forward_evals")  # absent in records cached before it was counted
    if forwards is not None:
        tensors["forward_evals"] = torch.from_numpy(np.asarray(forwards)).to(device)
    return BoundaryResult(method=tuple(record["method"]), **tensors)


def _search(job: SearchJob, model, image: np.ndarray, preset: str, steps, seed: int) -> None:
    try:
        device = next(model.parameters()).device
        x = torch.from_numpy(image)[None].to(device)  # this thread's own input tensor
        start = time.perf_counter()
        result = find_boundary(model, x, preset=preset, seed=seed, steps=steps, progress=job.report)
        seconds = time.perf_counter() - start
        probabilities = None
        if bool(result.found[0]):
            with torch.no_grad():
                probabilities = model(result.point).softmax(dim=1)[0].cpu().numpy()
        job.record = search_record(result, seconds, probabilities)
        _LAST_SECONDS[job.key[:1] + job.key[2:4]] = seconds
    except BaseException as error:  # noqa: BLE001 - handed to the page thread, which raises it
        job.error = error
    finally:
        job.finished.set()


def start(key: tuple, model, image: np.ndarray, preset: str, steps, seed: int) -> SearchJob:
    """The running (or finished, not yet collected) search for ``key``, started if there is none.

    ``key`` is ``(model name, image hash, preset, steps, seed)``."""
    with _LOCK:
        job = _JOBS.get(key)
        if job is None or job.stop.is_set():
            job = _JOBS[key] = SearchJob(key)
            thread = threading.Thread(
                target=_search,
                args=(job, worker_model(model), image, preset, steps, seed),
                name="boundary-search",
                daemon=True,
            )
            thread.start()
        return job


def running(key: tuple) -> SearchJob | None:
    with _LOCK:
        return _JOBS.get(key)


def any_running() -> bool:
    """Whether a search is still running for any page (the maps ahead wait for it)."""
    with _LOCK:
        return any(not job.finished.is_set() for job in _JOBS.values())


def forget(job: SearchJob) -> None:
    """Drop a finished or cancelled job (its record now lives in the page's cache)."""
    with _LOCK:
        if _JOBS.get(job.key) is job:
            del _JOBS[job.key]
