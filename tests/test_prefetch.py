"""Maps of the next likely classes computed in the background (``ui/prefetch.py``): they wait
while a page computes or a search runs, a later view replaces the queue, and on the Explain page
a change of target to the next class computes nothing and shows the same maps as without."""

import time
from dataclasses import replace

import numpy as np
import pytest

import ui.compute as compute
from boundary_core.data.gallery import shapes_picture
from tests.test_pages_explain import Spy, shapes_app
from ui import prefetch, search_jobs


@pytest.fixture
def ahead(monkeypatch):
    monkeypatch.setenv("BAE_AHEAD", "1")
    prefetch.forget()
    yield
    prefetch.wait_idle(60)
    prefetch.forget()


def task(name: str, ran: list) -> prefetch.Task:
    return prefetch.Task(("test", name), lambda: ran.append(name) or {"map": name})


def test_nothing_is_computed_ahead_while_a_page_computes_and_a_new_view_replaces_the_queue(ahead):
    ran = []
    with prefetch.computing():
        prefetch.ahead([task("a", ran), task("b", ran)])
        time.sleep(0.5)
        assert ran == [] and prefetch.queued() == 2  # held while the page computes
        prefetch.ahead([task("c", ran)])  # the next view: its classes replace the queue
    prefetch.wait_idle(10)
    assert ran == ["c"]
    assert prefetch.take(("test", "c")) == {"map": "c"}
    assert prefetch.take(("test", "c")) is None  # taken once, then it lives in the page's cache


def test_nothing_is_computed_ahead_while_a_search_runs(ahead, monkeypatch):
    ran, searching = [], [True]
    monkeypatch.setattr(search_jobs, "any_running", lambda: searching[0])
    prefetch.ahead([task("a", ran)])
    time.sleep(3 * prefetch.POLL_SECONDS)
    assert ran == []
    searching[0] = False
    prefetch.wait_idle(10)
    assert ran == ["a"]


def test_at_most_kept_maps_wait_and_a_failed_one_is_left_to_the_page(ahead):
    ran = []
    tasks = [task(str(i), ran) for i in range(prefetch.KEPT + 3)]
    failing = prefetch.Task(("test", "bad"), lambda: 1 / 0)
    prefetch.ahead([failing, *tasks])
    prefetch.wait_idle(30)
    assert len(ran) == prefetch.KEPT + 3
    assert prefetch.take(("test", "0")) is None  # the oldest went first
    assert prefetch.take(("test", str(prefetch.KEPT + 2))) is not None
    assert prefetch.take(("test", "bad")) is None


def test_the_next_class_is_ready_when_the_user_picks_it(ahead, monkeypatch):
    compute.clear_caches()
    spy = Spy(monkeypatch)
    app = shapes_app(shape="02_dark_on_light_triangle")
    assert not app.exception, app.exception
    first = spy.methods()
    assert prefetch.wait_idle(120) < 120
    top5 = app.dataframe[0].value
    app.selectbox(key="target").select(top5["class"].iloc[1]).run()
    assert not app.exception, app.exception
    assert spy.methods() == first and spy.searches == 1  # no map computed: all were ready
    assert any(c.startswith("BIG") for c in [i.proto.imgs[0].caption for i in app.get("image")])

    # The maps it showed are the ones the page computes itself (same x′, same settings).
    names = compute.get_spec("shapes-robust").class_names
    picture = shapes_picture("02_dark_on_light_triangle")
    target = names.index(top5["class"].iloc[1])
    request = compute.Request("shapes-robust", picture.image, "fast", None, tuple(first))
    request = replace(request, target=target)
    shown = compute.run(request)["maps"]
    assert spy.methods() == first  # still from the cache
    monkeypatch.setenv("BAE_AHEAD", "0")
    compute.cached_map.clear()
    computed = compute.run(request)["maps"]
    assert spy.methods()[len(first) :] and set(shown) == set(computed) == set(first)
    for method in first:  # AGI is summed in another order on two threads: float rounding
        exact = method != "agi" or not compute.parallel_by_default()
        scale = float(np.abs(computed[method]).max())
        assert np.array_equal(shown[method], computed[method]) or (
            not exact and np.allclose(shown[method], computed[method], rtol=0, atol=1e-5 * scale)
        ), method


def test_maps_that_cost_too_much_are_not_computed_ahead(ahead, monkeypatch):
    compute.clear_caches()
    monkeypatch.setattr(prefetch, "MAX_SECONDS_AHEAD", 0.0)
    app = shapes_app(shape="02_dark_on_light_triangle")
    assert not app.exception, app.exception
    assert prefetch.queued() == 0 and prefetch.wait_idle(1) < 1


def test_the_other_budget_is_ready_when_the_user_picks_it(ahead, monkeypatch):
    compute.clear_caches()
    spy = Spy(monkeypatch)
    app = shapes_app(shape="02_dark_on_light_triangle", methods=["sg", "agi", "bsm"])
    assert not app.exception and app.sidebar.selectbox(key="budget").value == "paper"
    first = spy.methods()
    assert prefetch.wait_idle(120) < 120
    app.sidebar.selectbox(key="budget").select("light").run()
    assert not app.exception, app.exception
    assert spy.methods() == first  # SmoothGrad and AGI under the light budget were ready
