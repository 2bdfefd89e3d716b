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
    import boundary_core.explain as explain

    seen = []
    original = explain.attribute_all

    def recording(model, x, *args, **kwargs):
        seen.append((model, x))
        return original(model, x, *args, **kwargs)

    monkeypatch.setattr(explain, "attribute_all", recording)
    model = load_model("shapes-standard")
    x = _gallery_image("06_distractor_arrow")
    names = get_spec("shapes-standard").class_names
    explain_image(model, x, names, methods=("sm", "bsm"), parallel=True, search_steps=5)
    (worker_model, worker_x), (main_model, main_x) = seen  # the worker's call is submitted first
    assert worker_model is not main_model and worker_x is not main_x
    assert worker_x.data_ptr() != main_x.data_ptr()  # not a view: flags and storage are its own
    torch.testing.assert_close(worker_x, main_x)


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
