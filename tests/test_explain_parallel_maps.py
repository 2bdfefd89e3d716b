"""``attribute_in_parallel``: the maps of a known x′ on two threads equal the serial maps, each
method is reported once, on the calling thread, as soon as it is complete (AGI after both of its
shares), and the maps that need x′ are refused with the serial reason when there is none."""

import threading

import torch
from test_explain_schedule import _gallery_image

from boundary_core.maps import attribute_all
from boundary_core.methods import Settings, panel_methods
from boundary_core.models import load_model
from boundary_core.schedule import attribute_in_parallel
from boundary_core.search import find_boundary


def _case():
    model = load_model("shapes-standard")
    x = _gallery_image("06_distractor_arrow")[None]
    boundary = find_boundary(model, x, preset="fast")
    return model, x, boundary


def test_parallel_maps_equal_serial_and_arrive_one_by_one():
    model, x, boundary = _case()
    methods = panel_methods(("black", "color"))
    settings = Settings(baseline_color=(0.2, 0.4, 0.6))
    target = torch.tensor([2])  # not the predicted class: a target change
    serial = attribute_all(model, x, target, boundary, methods, settings)
    seen, threads = [], set()

    def on_map(name, part):
        seen.append(name)
        threads.add(threading.get_ident())
        assert list(part.maps) == [name]

    parallel = attribute_in_parallel(model, x, target, boundary, methods, settings, on_map)
    assert sorted(seen) == sorted(methods) and len(seen) == len(methods)
    assert threads == {threading.get_ident()}  # drawn on the caller's thread only
    assert list(parallel.maps) == list(methods)
    for name, values in serial.maps.items():
        torch.testing.assert_close(parallel.maps[name], values, rtol=1e-5, atol=1e-6)
    assert set(parallel.deltas) == set(serial.deltas)
    for name, delta in serial.deltas.items():
        torch.testing.assert_close(parallel.deltas[name], delta, rtol=1e-4, atol=1e-6)


def test_without_x_prime_the_boundary_maps_are_refused_as_serially():
    model, x, boundary = _case()
    missing = type(boundary)(**{**vars(boundary), "found": torch.zeros_like(boundary.found)})
    methods = ("sm", "bsm", "big", "ig_black")
    serial = attribute_all(model, x, torch.tensor([0]), missing, methods)
    reported = {}
    parallel = attribute_in_parallel(
        model, x, torch.tensor([0]), missing, methods, on_map=lambda n, p: reported.update({n: p})
    )
    assert parallel.unavailable == serial.unavailable and set(serial.unavailable) == {"bsm", "big"}
    assert set(parallel.maps) == {"sm", "ig_black"} and set(reported) == set(methods)
    assert reported["bsm"].unavailable["bsm"] == serial.unavailable["bsm"]


def test_the_caller_takes_the_cheapest_maps_and_the_worker_the_longest():
    from boundary_core import schedule

    settings = Settings()
    methods = panel_methods(("black",))
    plan = schedule.Schedule(methods, settings, main_cheapest_first=True)
    plan.searched.set()
    cost = {m: schedule.expected_passes(m, settings) for m in methods}
    first_main, first_worker = plan.next(True), plan.next(False)
    assert cost[first_main[0]] == min(cost.values())
    assert cost[first_worker[0]] / (2 if first_worker[1] else 1) == max(
        c / (2 if m == "agi" else 1) for m, c in cost.items()
    )
