"""Attributions: completeness, boundary identities on a linear model, DeepLIFT refusals, AGI."""

import threading

import pytest
import torch
import torch.nn.functional as F
from conftest import LinearTwoClass
from torch import nn

from boundary_core import attributions as attr
from boundary_core.search import find_boundary


def test_saliency_is_the_signed_logit_gradient(tiny_cnn, images):
    target = tiny_cnn(images).argmax(1)
    x = images.clone().requires_grad_(True)
    (expected,) = torch.autograd.grad(tiny_cnn(x).gather(1, target[:, None]).sum(), x)
    assert torch.allclose(attr.saliency(tiny_cnn, images, target), expected)
    assert (attr.saliency(tiny_cnn, images, target) < 0).any()  # signed, not |grad|


@pytest.mark.parametrize("kind", ["black", "white", "blur", "noise", "color"])
def test_ig_completeness(tiny_cnn, images, kind):
    target = tiny_cnn(images).argmax(1)
    baseline = attr.make_baseline(kind, images)
    maps, delta = attr.integrated_gradients(tiny_cnn, images, target, baseline, steps=400)
    gap = tiny_cnn(images).gather(1, target[:, None]) - tiny_cnn(baseline).gather(
        1, target[:, None]
    )
    assert torch.allclose(maps.flatten(1).sum(1), gap.squeeze(1), atol=2e-2)
    assert delta.abs().max() < 2e-2  # Captum's delta measures the same gap


def test_big_completeness_from_a_real_boundary_point(tiny_cnn, images):
    boundary = find_boundary(tiny_cnn, images)
    found = boundary.found
    target = boundary.original_label[found]
    x, point = images[found], boundary.point[found]
    maps, delta = attr.big(tiny_cnn, x, point, target, steps=400)
    gap = tiny_cnn(x).gather(1, target[:, None]) - tiny_cnn(point).gather(1, target[:, None])
    assert torch.allclose(maps.flatten(1).sum(1), gap.squeeze(1), atol=2e-2)
    assert delta.abs().max() < 2e-2


def test_linear_model_bsm_and_big():
    generator = torch.Generator().manual_seed(0)
    weight = torch.randn(3, 4, 4, generator=generator)
    x = 0.4 + 0.2 * torch.rand(3, 3, 4, 4, generator=generator)
    model = LinearTwoClass(weight, -float((x.flatten(1) @ weight.flatten()).mean())).eval()
    boundary = find_boundary(model, x)
    target = torch.zeros(3, dtype=torch.long)  # class 0's logit is w·x + b, gradient w
    assert torch.allclose(attr.bsm(model, boundary.point, target), weight.expand_as(x))
    big, delta = attr.big(model, x, boundary.point, target)  # paper settings: 20 trapezoid points
    assert torch.allclose(big, (x - boundary.point) * weight, atol=1e-6)
    assert delta.abs().max() < 1e-5  # exact on a linear model (Captum alone is 5% short here)


def test_ig_trapezoid_matches_a_hand_quadrature(tiny_cnn, images):
    """IG with n trapezoid points equals (x − b) ⊙ Σ_i w_i ∇f(b + t_i(x − b)), t_i = i/(n−1),
    w = 1/(n−1) with halved ends (an independent oracle for the Captum correction)."""
    target = tiny_cnn(images).argmax(1)
    baseline = torch.zeros_like(images)
    steps = 7
    total = torch.zeros_like(images)
    for i in range(steps):
        weight = (0.5 if i in (0, steps - 1) else 1.0) / (steps - 1)
        total += weight * attr.saliency(tiny_cnn, baseline + i / (steps - 1) * images, target)
    maps, _ = attr.integrated_gradients(tiny_cnn, images, target, baseline, steps=steps)
    assert torch.allclose(maps, images * total, atol=1e-6)


def test_smoothgrad_is_reproducible_and_leaves_global_rng(tiny_cnn, images):
    target = tiny_cnn(images).argmax(1)
    state = torch.random.get_rng_state()
    first = attr.smoothgrad(tiny_cnn, images, target, samples=8, seed=5)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert torch.equal(first, attr.smoothgrad(tiny_cnn, images, target, samples=8, seed=5))
    assert not torch.equal(first, attr.smoothgrad(tiny_cnn, images, target, samples=8, seed=6))
    # With no noise SmoothGrad is the saliency map.
    noiseless = attr.smoothgrad(tiny_cnn, images, target, samples=3, stdev=0.0)
    assert torch.allclose(noiseless, attr.saliency(tiny_cnn, images, target), atol=1e-6)


def test_grad_x_input(tiny_cnn, images):
    target = tiny_cnn(images).argmax(1)
    expected = images * attr.saliency(tiny_cnn, images, target)
    assert torch.allclose(attr.grad_x_input(tiny_cnn, images, target), expected)


def test_deeplift_summation_to_delta(tiny_cnn, images):
    target = tiny_cnn(images).argmax(1)
    maps, delta = attr.deeplift(tiny_cnn, images, target)
    gap = tiny_cnn(images).gather(1, target[:, None]) - tiny_cnn(torch.zeros_like(images)).gather(
        1, target[:, None]
    )
    assert torch.allclose(maps.flatten(1).sum(1), gap.squeeze(1), atol=1e-4)
    assert delta.abs().max() < 1e-4


class FunctionalRelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(12, 8), nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


class ReusedRelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(12, 8), nn.Linear(8, 8), nn.Linear(8, 3)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.fc3(self.relu(self.fc2(self.relu(self.fc1(x.flatten(1))))))


class TorchRelu(FunctionalRelu):
    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x.flatten(1))))


class MethodRelu(FunctionalRelu):
    def forward(self, x):
        return self.fc2(self.fc1(x.flatten(1)).relu())


@pytest.mark.parametrize(
    ("model", "reason"),
    [
        (FunctionalRelu(), "functional relu"),
        (TorchRelu(), "functional relu"),
        (MethodRelu(), "functional relu"),
        (ReusedRelu(), "reused"),
    ],
)
def test_deeplift_refuses_models_it_would_get_wrong(model, reason):
    x = torch.rand(2, 3, 2, 2)
    with pytest.raises(ValueError, match=reason):
        attr.deeplift(model.eval(), x, torch.zeros(2, dtype=torch.long))


class CallsBackMidForward(nn.Module):
    """A ReLU net that calls ``during(self)`` in the middle of every forward pass."""

    def __init__(self, during):
        super().__init__()
        self.fc, self.relu, self.during = nn.Linear(12, 3), nn.ReLU(), during

    def forward(self, x):
        self.during(self)
        return self.relu(self.fc(x.flatten(1)))


def test_deeplift_leaves_other_threads_and_the_callers_model_alone():
    """The app shares cached models between sessions (threads). While DeepLIFT runs, another
    thread's forward pass must work and give its usual output (``torch.fx`` tracing would have
    patched ``nn.Module.__call__`` under it), and the caller's model must carry no hooks."""
    x, other = torch.rand(2, 3, 2, 2), ReusedRelu().eval()
    expected, outputs, hooked = other(x), [], []
    shared = {}

    def during(running: nn.Module):
        worker = threading.Thread(target=lambda: outputs.append(other(x)))
        worker.start()
        worker.join()
        relu = shared["model"].relu
        hooked.append(bool(relu._forward_hooks or relu._forward_pre_hooks))

    shared["model"] = CallsBackMidForward(during).eval()
    attr.deeplift(shared["model"], x, torch.zeros(2, dtype=torch.long))
    assert hooked and len(outputs) == len(hooked)  # every other-thread forward completed
    assert all(torch.equal(output, expected) for output in outputs)
    assert not any(hooked)


def test_deeplift_accepts_registered_cifar_model(cifar_model):
    assert attr.deeplift_refusal(cifar_model, torch.rand(1, 3, 32, 32)) is None


class SoftmaxLinear(nn.Module):
    def __init__(self, weight):
        super().__init__()
        self.weight = nn.Parameter(weight, requires_grad=False)  # (K, D)

    def forward(self, x):
        return x.flatten(1) @ self.weight.T


def test_agi_as_described_is_a_path_integral_of_the_probability():
    """Σ AGI ≈ Σ_y [p_c(x) − p_c(x_end,y)] for small steps (first-order Riemann sum)."""
    generator = torch.Generator().manual_seed(0)
    model = SoftmaxLinear(torch.randn(3, 12, generator=generator)).eval()
    x = 0.3 + 0.4 * torch.rand(1, 3, 2, 2, generator=generator)
    target = model(x).argmax(1)
    steps, step = 400, 0.001
    maps = attr.agi(model, x, target, steps=steps, step_size=step, variant="as_described")
    expected = 0.0
    for false_class in range(3):
        if false_class == int(target):
            continue
        point = x.clone()
        for _ in range(steps):
            point.requires_grad_(True)
            p = model(point).softmax(1)[0]
            (grad,) = torch.autograd.grad(p[false_class], point)
            if int(p.argmax()) == false_class:
                break
            point = (point.detach() + step * grad.sign()).clamp(0, 1)
        p_start = model(x).softmax(1)[0, target]
        p_end = model(point.detach()).softmax(1)[0, target]
        expected += float(p_start - p_end)
    assert abs(float(maps.sum()) - expected) < 0.02 * abs(expected) + 1e-3


def test_agi_as_coded_one_step_by_hand():
    """One step as the public repo codes it: −∇p_c(x) ⊙ (clip(x + ε sign ∇p_y(x)) − x)."""
    generator = torch.Generator().manual_seed(1)
    model = SoftmaxLinear(torch.randn(2, 12, generator=generator)).eval()
    x = 0.5 + 0.1 * torch.rand(1, 3, 2, 2, generator=generator)
    target = model(x).argmax(1)
    false_class = 1 - int(target)
    point = x.clone().requires_grad_(True)
    probabilities = model(point).softmax(1)[0]
    (grad_false,) = torch.autograd.grad(probabilities[false_class], point, retain_graph=True)
    (grad_own,) = torch.autograd.grad(probabilities[int(target)], point)
    expected = -grad_own * ((x + 0.05 * grad_false.sign()).clamp(0, 1) - x)
    maps = attr.agi(model, x, target, steps=1, step_size=0.05, variant="as_coded")
    assert torch.allclose(maps, expected, atol=1e-7)


def test_agi_rejects_unknown_variant(tiny_cnn, images):
    with pytest.raises(ValueError, match="variant"):
        attr.agi(tiny_cnn, images, tiny_cnn(images).argmax(1), variant="guess")


def test_baselines():
    x = torch.rand(1, 3, 16, 16)
    assert attr.make_baseline("black", x).eq(0).all() and attr.make_baseline("white", x).eq(1).all()
    blurred = attr.make_baseline("blur", x)
    assert torch.allclose(blurred.mean(), x.mean(), atol=0.02) and blurred.std() < x.std()
    noise = attr.make_baseline("noise", x, seed=2)
    assert torch.equal(noise, attr.make_baseline("noise", x, seed=2)) and 0 <= noise.min()
    color = attr.make_baseline("color", x, color=(0.1, 0.2, 0.3))
    assert torch.allclose(color[0, :, 5, 5], torch.tensor([0.1, 0.2, 0.3]))
    with pytest.raises(ValueError):
        attr.make_baseline("sepia", x)


def test_agi_false_classes_do_not_depend_on_the_batch():
    from boundary_core.attributions.agi import sample_false_classes

    labels = torch.tensor([0, 3, 3, 7])
    together = sample_false_classes(labels, 10, 4, seed=1)
    alone = torch.cat([sample_false_classes(labels[i : i + 1], 10, 4, seed=1) for i in range(4)])
    assert torch.equal(together, alone)
    assert all(int(label) not in row.tolist() for label, row in zip(labels, together, strict=True))
    assert len(set(together[1].tolist())) == 4  # without replacement


def test_attribute_all_without_boundary_reports_bsm_big_unavailable(tiny_cnn, images):
    from boundary_core.maps import attribute_all

    result = attribute_all(tiny_cnn, images, tiny_cnn(images).argmax(1), None, ("sm", "bsm", "big"))
    assert set(result.maps) == {"sm"} and set(result.unavailable) == {"bsm", "big"}
