"""AGI's speed-ups change no map: the batched, first-step-sharing ``agi`` equals a one-path-at-a-
time oracle written from the public repo's loop (pd90506/AGI ``pgd_step``), at every batch size,
and its first step costs one forward pass per sample, not one per false class."""

import pytest
import torch
from conftest import TinyCNN

from boundary_core import attributions as attr
from boundary_core.attributions.agi import sample_false_classes


def oracle(model, x, target, classes, steps, step_size, variant):
    """The repo's loop, one sample and one false class at a time, batch 1, two backward passes."""
    maps = torch.zeros_like(x)
    for b in range(len(x)):
        origin, explained = x[b : b + 1], int(target[b])
        for false_class in classes[b].tolist():
            current = origin.clone()
            for _ in range(steps):
                point = current.clone().requires_grad_(True)
                logits = model(point)
                if int(logits.argmax()) == false_class:
                    break
                probabilities = logits.softmax(dim=1)[0]
                (grad_false,) = torch.autograd.grad(
                    probabilities[false_class], point, retain_graph=True
                )
                (grad_own,) = torch.autograd.grad(probabilities[explained], point)
                start = origin if variant == "as_coded" else current
                stepped = (start + step_size * grad_false.sign()).clamp(0, 1)
                maps[b] += (-grad_own * (stepped - start))[0]
                current = stepped
    return maps


@pytest.mark.parametrize("variant", ["as_described", "as_coded"])
@pytest.mark.parametrize("batch_size", [None, 1, 4])
def test_agi_equals_the_one_path_at_a_time_oracle(variant, batch_size):
    model = TinyCNN(classes=6).eval()
    x = torch.rand(3, 3, 8, 8, generator=torch.Generator().manual_seed(4))
    target = torch.tensor([0, 2, 5])  # not always the prediction: a path may stop at once
    steps, step_size, k = 6, 0.08, 4
    maps = attr.agi(
        model,
        x,
        target,
        false_classes=k,
        steps=steps,
        step_size=step_size,
        variant=variant,
        batch_size=batch_size,
    )
    classes = sample_false_classes(target, 6, k, seed=0)
    expected = oracle(model, x, target, classes, steps, step_size, variant)
    assert expected.abs().sum() > 0
    torch.testing.assert_close(maps, expected, rtol=1e-5, atol=1e-7)


class ForwardImages(TinyCNN):
    """Counts the images passed forward, and backward passes through the outputs."""

    images, backwards = 0, 0

    def forward(self, x):
        ForwardImages.images += len(x)
        out = super().forward(x)
        if out.requires_grad:
            out.register_hook(lambda grad: setattr(ForwardImages, "backwards", self.backwards + 1))
        return out


def test_the_first_step_is_shared_by_the_false_classes():
    """All k paths start at x: one forward there and k + 1 backward passes (∇p of each false
    class and of the explained one), then one forward and two backward passes per path and step.
    The old loop forwarded x k times (plus one pass just to count the classes)."""
    model = ForwardImages(classes=6).eval()
    x = torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(4))
    # a step too small to reach any false class: every path runs all its steps
    k, steps = 5, 3
    attr.agi(model, x, model(x).argmax(1), false_classes=k, steps=steps, step_size=1e-6)
    ForwardImages.images, ForwardImages.backwards = 0, 0
    attr.agi(model, x, model(x).argmax(1), false_classes=k, steps=steps, step_size=1e-6)
    assert ForwardImages.images == 1 + 1 + k * (
        steps - 1
    )  # the argmax above, x once, then k per step
    assert ForwardImages.backwards == (k + 1) + 2 * (
        steps - 1
    )  # batch of k paths: two passes per step


def test_agi_refuses_a_bad_batch_size(tiny_cnn, images):
    with pytest.raises(ValueError, match="AGI batch size"):
        attr.agi(tiny_cnn, images, tiny_cnn(images).argmax(1), batch_size=0)


def test_shares_of_the_false_classes_add_up_to_the_whole_map():
    """AGI sums over its false classes, so ``explain_image`` can give each thread a share."""
    model = TinyCNN(classes=6).eval()
    x = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(5))
    target = model(x).argmax(1)
    whole = attr.agi(model, x, target, false_classes=5, steps=4, step_size=0.08)
    shares = [
        attr.agi(model, x, target, false_classes=5, steps=4, step_size=0.08, share=share)
        for share in (slice(0, None, 2), slice(1, None, 2))
    ]
    assert not torch.allclose(shares[0], whole)  # a share alone is not the map
    torch.testing.assert_close(shares[0] + shares[1], whole, rtol=1e-5, atol=1e-7)
    empty = attr.agi(model, x, target, false_classes=5, steps=4, share=slice(5, None))
    assert torch.equal(empty, torch.zeros_like(x))
