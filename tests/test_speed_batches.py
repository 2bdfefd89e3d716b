"""Images per pass (``Settings.batch_size``): a CPU runs path points, noisy copies and AGI's paths
in small batches (cheaper per image there), and the maps do not depend on the batch size."""

import dataclasses

import pytest
import torch

from boundary_core.attributions import defaults
from boundary_core.maps import attribute_all
from boundary_core.methods import Settings
from boundary_core.search import find_boundary

METHODS = ("ig_black", "ig_white", "sg", "big", "agi")
SETTINGS = Settings(ig_steps=7, sg_samples=5, agi_classes=3, agi_steps=3)


def _forward_batches(model, call) -> list[int]:
    sizes = []
    hook = model.register_forward_pre_hook(lambda module, inputs: sizes.append(len(inputs[0])))
    try:
        call()
    finally:
        hook.remove()
    return sizes


@pytest.fixture
def case(tiny_cnn):
    x = torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(2))
    target = tiny_cnn(x).argmax(1)
    boundary = find_boundary(tiny_cnn, x, preset="fast", seed=0)
    assert bool(boundary.found.all())
    return tiny_cnn, x, target, boundary


def test_a_cpu_passes_at_most_its_default_batch(case, monkeypatch):
    model, x, target, boundary = case
    # a pixel budget of two 8×8 images per pass on this CPU
    monkeypatch.setattr(defaults, "CPU_PIXELS_PER_PASS", 2 * 8 * 8)
    assert SETTINGS.images_per_pass(x) == 2
    assert Settings(batch_size=5).images_per_pass(x) == 5
    sizes = _forward_batches(
        model, lambda: attribute_all(model, x, target, boundary, METHODS, SETTINGS)
    )
    # before: IG's 7 path points in one pass, 5 noisy copies in one pass, AGI's 3 paths at once
    assert max(sizes) == 2


def test_the_default_follows_the_image_size_and_the_device():
    """Two 224² images per pass on a CPU (cheapest per image there), many small ones (a pass
    has a fixed cost), 25 at 224² on a GPU; never fewer than one."""
    settings = Settings()
    assert settings.images_per_pass(torch.zeros(1, 3, 224, 224)) == 2
    assert settings.images_per_pass(torch.zeros(1, 3, 32, 32)) == 98
    assert settings.images_per_pass(torch.zeros(1, 3, 1024, 1024)) == 1
    assert settings.images_per_pass(torch.zeros(1, 3, 224, 224, device="meta")) == 25


@pytest.mark.parametrize("batch_size", [1, 3, 64])
def test_the_maps_do_not_depend_on_the_batch_size(case, batch_size):
    model, x, target, boundary = case
    default = attribute_all(model, x, target, boundary, METHODS, SETTINGS)
    settings = dataclasses.replace(SETTINGS, batch_size=batch_size)
    other = attribute_all(model, x, target, boundary, METHODS, settings)
    assert set(other.maps) == set(METHODS)
    for name in METHODS:
        torch.testing.assert_close(other.maps[name], default.maps[name], rtol=1e-5, atol=1e-6)
