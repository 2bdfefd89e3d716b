"""``explain_image`` schedules its own work: the two-thread explanation equals the serial one, map
for map, and the method table's panel order and colour parsing are the ones every front uses."""

import numpy as np
import pytest
import torch

from boundary_core.attributions import color_from_hex, color_to_hex
from boundary_core.explain import explain_image
from boundary_core.methods import Settings, panel_methods
from boundary_core.models import get_spec, load_model
from boundary_core.paths import SHAPES_GALLERY_DIR


def _gallery_image(name: str) -> torch.Tensor:
    from boundary_core.data.images import load_image

    path = next(SHAPES_GALLERY_DIR.glob(f"{name}.*"))
    return load_image(path, 64)


@pytest.mark.parametrize("baselines", [("black", "white"), ("noise", "color")])
def test_parallel_explanation_equals_serial(baselines):
    model = load_model("shapes-standard")
    x = _gallery_image("06_distractor_arrow")
    methods = panel_methods(baselines)
    settings = Settings(baseline_color=(0.2, 0.4, 0.6))
    names = get_spec("shapes-standard").class_names
    runs = {
        parallel: explain_image(
            model, x, names, methods=methods, settings=settings, parallel=parallel
        )
        for parallel in (False, True)
    }
    serial, parallel = runs[False], runs[True]
    assert list(parallel.attributions.maps) == list(serial.attributions.maps) == list(methods)
    for name, values in serial.attributions.maps.items():
        torch.testing.assert_close(parallel.attributions.maps[name], values, rtol=1e-5, atol=1e-6)
    assert set(parallel.attributions.deltas) == set(serial.attributions.deltas)
    assert parallel.summary()["prediction"] == serial.summary()["prediction"]
    assert np.isclose(parallel.boundary.distance[0], serial.boundary.distance[0])


def test_panel_methods_order_and_unknown_baselines():
    assert panel_methods(("white", "blur")) == (
        "sm",
        "ig_white",
        "ig_blur",
        "sg",
        "gxi",
        "deeplift",
        "bsm",
        "big",
        "agi",
    )
    # the order of the chosen baselines does not matter: panels follow the table
    assert panel_methods(("blur", "white")) == panel_methods(("white", "blur"))
    with pytest.raises(ValueError, match="unknown IG baseline"):
        panel_methods(("purple",))


def test_colour_hex_round_trip_and_refusal():
    assert color_from_hex("#ff8000") == (1.0, 128 / 255, 0.0)
    assert color_to_hex((1.0, 128 / 255, 0.0)) == "#ff8000"
    with pytest.raises(ValueError, match="expected a colour like #808080"):
        color_from_hex("#12345g")


def test_the_worker_thread_gets_its_own_model_and_input(monkeypatch):
    import threading

    import boundary_core.schedule as two_threads

    seen = []
    original = two_threads.attribute_all

    def recording(model, x, target, boundary, methods, *args, **kwargs):
        seen.append((threading.current_thread() is threading.main_thread(), model, x, methods))
        return original(model, x, target, boundary, methods, *args, **kwargs)

    monkeypatch.setattr(two_threads, "attribute_all", recording)
    model = load_model("shapes-standard")
    x = _gallery_image("06_distractor_arrow")
    names = get_spec("shapes-standard").class_names
    explain_image(model, x, names, methods=("sm", "bsm"), parallel=True, search_steps=5)
    assert sorted(m for _, _, _, methods in seen for m in methods) == ["bsm", "sm"]
    worker = [(m, given) for main, m, given, methods in seen if not main]
    assert worker, "the worker thread computed nothing"
    main_x = x[None]
    for worker_model, worker_x in worker:
        assert worker_model is not model
        assert worker_x.data_ptr() != x.data_ptr()  # not a view: flags and storage are its own
        torch.testing.assert_close(worker_x, main_x)
    assert all(m is model for main, m, _, _ in seen if main)


def test_the_two_threads_share_the_maps_longest_first(monkeypatch):
    """Each thread takes the longest task it may, in turn; once x′ is found the main thread takes
    maps too, and AGI (a sum over false classes) is split into two tasks. Before, the main thread
    computed only the maps that need x′ and DeepLIFT, and the worker did every other map alone:
    AGI then bounded the wall time."""
    import threading

    import boundary_core.schedule as two_threads

    taken = []
    original = two_threads.Schedule.next

    def recording(schedule, main):
        task = original(schedule, main)
        if task is not None:
            taken.append((threading.current_thread() is threading.main_thread(), task))
        return task

    monkeypatch.setattr(two_threads.Schedule, "next", recording)
    model = load_model("shapes-standard")
    x = _gallery_image("06_distractor_arrow")
    names = get_spec("shapes-standard").class_names
    settings = Settings(sg_samples=40, agi_classes=4, agi_steps=10, ig_steps=8)
    methods = ("sm", "sg", "ig_black", "ig_white", "agi", "bsm", "big")
    costs = {m: two_threads.expected_passes(m, settings) for m in methods}
    costs["agi"] /= 2  # per share
    assert costs["sg"] > costs["agi"] > costs["ig_black"] > costs["sm"]
    result = explain_image(
        model, x, names, methods=methods, settings=settings, parallel=True, search_steps=200
    )
    names_taken = sorted(name for _, (name, _) in taken)
    assert names_taken == sorted([*methods, "agi"])  # AGI twice: two shares of its classes
    shares = sorted((share.start, share.step) for _, (name, share) in taken if name == "agi")
    assert shares == [(0, 2), (1, 2)]
    by_worker = [name for main, (name, _) in taken if not main]
    by_main = [name for main, (name, _) in taken if main]
    assert by_worker[0] == "sg" and by_main, "the main thread computed no map"
    for order in (by_worker, by_main):
        free = [m for m in order if m not in ("bsm", "big")]
        assert free == sorted(free, key=lambda m: -costs[m])
    serial = explain_image(
        model, x, names, methods=("agi",), settings=settings, parallel=False, search_steps=1
    )
    torch.testing.assert_close(
        result.attributions.maps["agi"], serial.attributions.maps["agi"], rtol=1e-5, atol=1e-7
    )


def test_a_given_boundary_skips_the_search_and_gives_the_same_maps():
    """The app caches x′ apart from the maps: maps computed from a reused boundary equal those of
    a full run, and a boundary for another input shape is refused."""
    model = load_model("shapes-standard")
    x = _gallery_image("06_distractor_arrow")
    names = get_spec("shapes-standard").class_names
    methods = ("sm", "bsm", "big")
    full = explain_image(model, x, names, methods=methods, parallel=False)
    reused = explain_image(model, x, names, methods=methods, parallel=False, boundary=full.boundary)
    assert reused.search_seconds < full.search_seconds
    for name, values in full.attributions.maps.items():
        torch.testing.assert_close(reused.attributions.maps[name], values)
    with pytest.raises(ValueError, match="shape"):
        explain_image(model, x[:, :32, :32], names, methods=methods, boundary=full.boundary)


def test_a_failed_search_stops_the_worker_and_raises(monkeypatch):
    """The worker waits for x′ before the maps that need it; when the search fails it must stop
    (not wait for ever) and the error must reach the caller."""
    import threading

    import boundary_core.explain as explain
    import boundary_core.schedule as two_threads

    finished = threading.Event()
    original = two_threads.work

    def recording(schedule, model, x, targets, settings, main, progress=None):
        parts = original(schedule, model, x, targets, settings, main, progress)
        if not main:
            finished.set()
        return parts

    def failing_search(*args, **kwargs):
        raise RuntimeError("search broke")

    monkeypatch.setattr(two_threads, "work", recording)
    monkeypatch.setattr(explain, "find_boundary", failing_search)
    model = load_model("shapes-standard")
    x = _gallery_image("06_distractor_arrow")
    names = get_spec("shapes-standard").class_names
    with pytest.raises(RuntimeError, match="search broke"):
        explain_image(model, x, names, methods=("sm", "bsm", "big"), parallel=True)
    assert finished.wait(timeout=60), "the worker is still waiting for a boundary point"


def test_the_worker_gets_its_own_boundary_point(monkeypatch):
    """Captum flips ``requires_grad`` on the tensor it attributes: BSM and BIG, one on each
    thread, must not share x′'s tensor (as they must not share x's)."""
    import threading
    import time

    import boundary_core.schedule as two_threads

    seen = []
    original = two_threads.attribute_all

    def recording(model, x, target, boundary, methods, *args, **kwargs):
        main = threading.current_thread() is threading.main_thread()
        seen.append((main, methods[0], boundary))
        if main:
            time.sleep(0.5)  # the worker surely takes the second map meanwhile
        return original(model, x, target, boundary, methods, *args, **kwargs)

    monkeypatch.setattr(two_threads, "attribute_all", recording)
    model = load_model("shapes-standard")
    x = _gallery_image("06_distractor_arrow")
    names = get_spec("shapes-standard").class_names
    result = explain_image(model, x, names, methods=("bsm", "big"), parallel=True, search_steps=5)
    assert sorted(name for _, name, _ in seen) == ["big", "bsm"]
    assert {main for main, _, _ in seen} == {True, False}  # one map on each thread
    worker_point = next(boundary.point for main, _, boundary in seen if not main)
    assert worker_point.data_ptr() != result.boundary.point.data_ptr()
    torch.testing.assert_close(worker_point, result.boundary.point)
