"""Attribution budgets (``SETTINGS_PRESETS``): every method whose map differs from the paper
budget's is in the preset's ``changes`` (the Explain page caches the others under the paper budget,
so a miss here would show a stale map), and a front starts large inputs on a CPU with the light
budget."""

import pytest
import torch

from boundary_core.maps import attribute_all
from boundary_core.methods import METHODS, SETTINGS_PRESETS, default_budget
from boundary_core.search import find_boundary


@pytest.mark.parametrize("preset", [name for name in SETTINGS_PRESETS if name != "paper"])
def test_every_method_whose_map_differs_is_in_changes(preset, tiny_cnn, images):
    x = images[:2]
    boundary = find_boundary(tiny_cnn, x, preset="fast")
    assert boundary.found.all()
    target = tiny_cnn(x).argmax(1)
    methods = tuple(METHODS)
    paper = attribute_all(
        tiny_cnn, x, target, boundary, methods, SETTINGS_PRESETS["paper"].settings
    )
    other = attribute_all(tiny_cnn, x, target, boundary, methods, SETTINGS_PRESETS[preset].settings)
    differ = {m for m in paper.maps if not torch.allclose(paper.maps[m], other.maps[m])}
    assert not paper.unavailable and not other.unavailable
    # AGI may stop before its step count on this tiny net, so a named method can coincide
    assert differ and differ <= set(SETTINGS_PRESETS[preset].changes)


def test_default_budget_is_light_only_for_large_inputs_on_a_cpu():
    assert default_budget((3, 224, 224), "cpu") == "light"
    assert default_budget((3, 223, 224), "cpu") == "paper"
    assert default_budget((3, 224, 224), "cuda") == "paper"
    assert default_budget((3, 64, 64), "cpu") == "paper"
