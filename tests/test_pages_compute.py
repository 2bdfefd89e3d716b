"""The pages' compute bridge: the two-thread explanation equals the serial one, map for map."""

import numpy as np
import pytest
import torch

import ui.compute as compute
from boundary_core.explain import Settings
from ui.sources import shapes_picture


@pytest.mark.parametrize("baselines", [("black", "white"), ("noise", "color")])
def test_parallel_explanation_equals_serial(monkeypatch, baselines):
    x = torch.from_numpy(shapes_picture("06_distractor_arrow").image)
    methods = compute.methods_for(baselines)
    settings = Settings(baseline_color=(0.2, 0.4, 0.6))
    runs = {}
    for parallel in (False, True):
        monkeypatch.setattr(compute, "PARALLEL", parallel)
        runs[parallel] = compute._explain(
            "shapes-standard", x, methods, "fast", None, settings, None
        )
    serial, parallel = runs[False], runs[True]
    assert list(parallel.attributions.maps) == list(serial.attributions.maps) == list(methods)
    for name, values in serial.attributions.maps.items():
        torch.testing.assert_close(parallel.attributions.maps[name], values, rtol=1e-5, atol=1e-6)
    assert set(parallel.attributions.deltas) == set(serial.attributions.deltas)
    assert parallel.summary()["prediction"] == serial.summary()["prediction"]
    assert np.isclose(parallel.boundary.distance[0], serial.boundary.distance[0])


def test_methods_for_orders_panels_and_rejects_unknown_baselines():
    assert compute.methods_for(("white", "blur")) == (
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
    with pytest.raises(ValueError, match="unknown IG baseline"):
        compute.methods_for(("purple",))
    assert compute.hex_to_rgb("#ff8000") == (1.0, 128 / 255, 0.0)
