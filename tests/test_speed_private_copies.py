"""Private model copies (issue 16): DeepLIFT copies and checks a model once, not on every call,
with the same maps and refusals; a copy is remade when the model's weights or mode change."""

import pytest
import torch
from conftest import TinyCNN
from test_attributions import ReusedRelu

from boundary_core import attributions as attr
from boundary_core.attributions import classic, private
from boundary_core.schedule import worker_model


class CountingCNN(TinyCNN):
    """``TinyCNN`` counting the forward passes of every copy of it (a class-wide counter)."""

    forwards = 0

    def forward(self, x):
        type(self).forwards += 1
        return super().forward(x)


@pytest.fixture
def copies(monkeypatch):
    """The number of deep copies ``attributions.private`` makes."""
    made = []
    original = private.copy.deepcopy
    monkeypatch.setattr(private.copy, "deepcopy", lambda model: made.append(1) or original(model))
    return made


def _forwards_of(call) -> tuple[int, object]:
    before = CountingCNN.forwards
    result = call()
    return CountingCNN.forwards - before, result


def test_deeplift_copies_and_checks_once_per_model_with_the_same_maps(copies, images):
    model = CountingCNN().eval()
    target = model(images).argmax(1)
    first_passes, (first, first_delta) = _forwards_of(lambda: attr.deeplift(model, images, target))
    again_passes, (again, again_delta) = _forwards_of(lambda: attr.deeplift(model, images, target))
    assert len(copies) == 1
    assert again_passes == first_passes - 1  # the check forward ran only the first time
    assert torch.equal(first, again) and torch.equal(first_delta, again_delta)
    # the same map as plain Captum on a fresh copy of the model
    fresh = captum_deeplift(TinyCNN().eval(), images, target)
    torch.testing.assert_close(first, fresh, rtol=0, atol=0)
    assert attr.deeplift_refusal(model, images) is None and len(copies) == 1


def captum_deeplift(model, x, target):
    from captum.attr import DeepLift

    return DeepLift(model).attribute(x, baselines=torch.zeros_like(x), target=target).detach()


def test_a_changed_model_is_copied_and_checked_again(copies, images):
    model = TinyCNN().eval()
    target = model(images).argmax(1)
    attr.deeplift(model, images, target)
    other = TinyCNN(seed=3).eval()
    model.load_state_dict(other.state_dict())  # in place: same parameter objects, new values
    after, _ = attr.deeplift(model, images, target)
    assert len(copies) == 2
    torch.testing.assert_close(after, captum_deeplift(other, images, target), rtol=0, atol=0)
    model.train()  # the mode is part of what a copy must match
    private.private_copy(model, "deeplift")
    assert len(copies) == 3 and private.private_copy(model, "deeplift").model.training


def test_a_refused_model_is_refused_every_time_but_checked_once(monkeypatch):
    checks = []
    original = classic._refusal_of_private_copy
    monkeypatch.setattr(
        classic, "_refusal_of_private_copy", lambda *a: checks.append(1) or original(*a)
    )
    model, x = ReusedRelu().eval(), torch.rand(2, 3, 2, 2)
    for _ in range(2):
        with pytest.raises(attr.DeepLiftRefused, match="reused"):
            attr.deeplift(model, x, torch.zeros(2, dtype=torch.long))
    assert len(checks) == 1


def test_the_worker_copy_follows_the_models_weights(images):
    """``explain_image``'s worker thread must never compute maps from old weights."""
    model = TinyCNN().eval()
    before = worker_model(model)
    assert worker_model(model) is before  # made once
    model.load_state_dict(TinyCNN(seed=3).state_dict())
    after = worker_model(model)
    assert after is not before and after is not model
    torch.testing.assert_close(after(images), model(images), rtol=0, atol=0)
