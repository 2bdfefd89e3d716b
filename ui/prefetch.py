"""The maps of the next likely target classes, computed while the user looks at a view.

A new target class needs every map again (each is a gradient of that class's logit): for the
32×32 photo model about 170 gradient images, 2.9 s on two cores, where a redraw should take at
most 1 s (issue 18). So after the Explain page has drawn a view, ``ahead`` queues the same maps
for the ``CLASSES_AHEAD`` most probable classes other than the one shown (the rest of the top-5
table the page shows), then the few maps the other attribution budget would change
(``compute.queue_ahead`` chooses). One daemon thread computes them, one map at a time, on a
private copy of the model, and only while no page run is computing and no boundary search is
running anywhere in the process (``computing``, ``search_jobs.any_running``): it never competes
with a user's redraw except for the map it is finishing. A later view replaces whatever is
still queued. Finished maps wait here (at most ``KEPT`` of them) until a page run asks for them
(``take``) and stores them in its map cache. Views whose maps cost more than
``MAX_SECONDS_AHEAD`` of one core per class (a ResNet-50 on a CPU) are not precomputed.
``BAE_AHEAD=0`` turns it off (the test suite does, except the tests of this module).

Hand-written like ``search_jobs``: Streamlit has no background-job API, and this thread never
calls Streamlit.
"""

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ui import search_jobs

CLASSES_AHEAD = 4  # the rest of the page's top-5 table (by probability)
MAX_SECONDS_AHEAD = 20.0  # per class, one core: the view's maps as they were timed
KEPT = 64  # finished maps waiting to be taken (oldest dropped first)
POLL_SECONDS = 0.2  # how often a waiting precompute looks whether the searches have finished


def enabled() -> bool:
    return os.environ.get("BAE_AHEAD", "1") != "0"


@dataclass(frozen=True)
class Task:
    """One map to compute ahead: ``key`` is how a page run asks for it; ``compute()`` returns
    the map in the map cache's form (``compute.part_of``)."""

    key: tuple
    compute: Callable[[], dict]


_lock = threading.Condition()
_queue: list[Task] = []
_ready: "OrderedDict[tuple, dict]" = OrderedDict()
_state = {"computing": 0, "running": None, "thread": None}


@contextmanager
def computing() -> Iterator[None]:
    """Held by every page run while it computes: the precompute waits until none is."""
    with _lock:
        _state["computing"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["computing"] -= 1
            _lock.notify_all()


def ahead(tasks: list[Task]) -> None:
    """Queue ``tasks`` (in order) in place of whatever is still queued; skip maps already
    waiting or being computed."""
    if not enabled():
        return
    with _lock:
        running = _state["running"]
        _queue[:] = [
            t for t in tasks if t.key not in _ready and (running is None or t.key != running.key)
        ]
        if _state["thread"] is None:
            _state["thread"] = threading.Thread(target=_work, name="maps-ahead", daemon=True)
            _state["thread"].start()
        _lock.notify_all()


def take(key: tuple) -> dict | None:
    """The finished map for ``key`` (removed from here), or None."""
    with _lock:
        return _ready.pop(key, None)


def queued() -> int:
    """Maps queued and not yet started."""
    with _lock:
        return len(_queue)


def wait_idle(timeout: float) -> float:
    """Wait until nothing is queued or being computed (at most ``timeout`` s); the seconds
    waited (benchmarks and tests)."""
    start = time.monotonic()
    with _lock:
        _lock.wait_for(lambda: not _queue and _state["running"] is None, timeout)
    return time.monotonic() - start


def forget() -> None:
    """Drop everything queued and finished (tests and benchmarks start cold)."""
    with _lock:
        _queue.clear()
        _ready.clear()


def _free() -> bool:
    return bool(_queue) and not _state["computing"] and not search_jobs.any_running()


def _work() -> None:
    while True:
        with _lock:
            while not _free():  # sleeps until queued; then polls for the searches to end
                _lock.wait(POLL_SECONDS if _queue else None)
            task = _state["running"] = _queue.pop(0)
        try:
            part = task.compute()
        except Exception as error:  # a failed precompute: the page computes it when asked
            part = None
            logging.getLogger(__name__).warning("map ahead %s failed: %s", task.key[:4], error)
        with _lock:
            _state["running"] = None
            if part is not None:
                _ready[task.key] = part
                while len(_ready) > KEPT:
                    _ready.popitem(last=False)
            _lock.notify_all()
