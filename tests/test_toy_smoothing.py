"""Theorem 3.3's Er activation against Monte Carlo, and the sampled smoothed net."""

import math

import numpy as np
import pytest
import torch

from boundary_core.attributions import saliency
from boundary_core.toy import ToyTrainConfig, make_data, train_mlp
from boundary_core.toy.er import (
    ErNet,
    er_activation,
    er_derivative,
    one_layer_curve,
    smoothed_relu_monte_carlo,
    theorem_bound,
)
from boundary_core.toy.smoothing import SmoothedModel, mean_alignment, sampled_grid, sm_bsm_curve


@pytest.mark.parametrize("s", [0.25, 1.0, 3.0])
def test_er_activation_equals_monte_carlo_smoothing(s):
    u = torch.linspace(-4, 4, 17, dtype=torch.float64)
    generator = torch.Generator().manual_seed(0)
    samples = 400_000
    sampled = smoothed_relu_monte_carlo(u, s, samples=samples, generator=generator)
    standard_error = s / math.sqrt(samples)  # the std of ReLU(u + sε) is at most s
    torch.testing.assert_close(er_activation(u, s), sampled, atol=5 * standard_error, rtol=0)


def test_er_derivative_is_the_autograd_gradient_and_er_tends_to_relu():
    u = torch.linspace(-3, 3, 13, dtype=torch.float64, requires_grad=True)
    (gradient,) = torch.autograd.grad(er_activation(u, 0.7).sum(), u)
    torch.testing.assert_close(er_derivative(u.detach(), 0.7), gradient)
    torch.testing.assert_close(
        er_activation(u.detach(), 1e-4), torch.relu(u.detach()), atol=1e-4, rtol=0
    )


def test_er_net_is_the_smoothed_one_layer_net():
    generator = torch.Generator().manual_seed(1)
    weight = torch.randn(3, 2, generator=generator, dtype=torch.float64)
    bias = torch.randn(3, generator=generator, dtype=torch.float64)
    x = torch.tensor([[0.3, -0.2], [1.0, 0.5]], dtype=torch.float64)
    sigma = 0.6
    noise = sigma * torch.randn(200_000, 2, generator=generator, dtype=torch.float64)
    sampled = torch.relu((x[:, None, :] + noise) @ weight.T + bias).mean(dim=1)
    torch.testing.assert_close(ErNet(weight, bias, sigma)(x), sampled, atol=1e-2, rtol=0)


def test_one_layer_gap_respects_the_theorem_bound_which_falls_with_sigma():
    generator = torch.Generator().manual_seed(0)
    weight = torch.randn(3, 2, generator=generator, dtype=torch.float64)
    bias = 0.3 * torch.randn(3, generator=generator, dtype=torch.float64)
    sigmas = [0.1, 0.3, 1.0, 3.0]
    curve = one_layer_curve(weight, bias, torch.tensor([0.3, 0.2]), sigmas)
    assert all(math.isfinite(m) for m in curve.measured)
    assert all(m <= b + 1e-9 for m, b in zip(curve.measured, curve.bound, strict=True))
    # λ(σ) for fixed ‖w‖, ‖x‖, r is decreasing in σ
    fixed = [theorem_bound(1.5, 0.4, 0.2, 1.5 * s) for s in sigmas]
    assert all(a > b for a, b in zip(fixed, fixed[1:], strict=False))


def test_smoothed_saliency_is_smoothgrad():
    model = train_mlp(make_data("moons"), (8, 8), config=ToyTrainConfig(epochs=100))
    smoothed = SmoothedModel(model, 0.3, samples=64, seed=0)
    x = torch.tensor([[0.2, 0.1]], dtype=torch.float64)
    label = torch.tensor([1])
    noisy = (x + smoothed.noise).detach().requires_grad_(True)
    (per_sample,) = torch.autograd.grad(model(noisy)[:, 1].sum(), noisy)
    torch.testing.assert_close(saliency(smoothed, x, label)[0], per_sample.mean(dim=0))


def test_sm_bsm_curve_finds_a_boundary_at_every_sigma():
    model = train_mlp(make_data("moons"), (8, 8))
    queries = make_data("moons").x[::40].numpy()
    curve = sm_bsm_curve(model, queries, [0.0, 0.3], samples=32)
    assert curve.found == (1.0, 1.0)
    assert np.isfinite(curve.distance).all() and all(-1 <= c <= 1 for c in curve.cosine)


def test_mean_alignment_by_hand_leaves_zero_maps_out_of_the_cosine():
    sm = torch.tensor([[3.0, 4.0], [1.0, 0.0], [0.0, 0.0]], dtype=torch.float64)
    bsm = torch.tensor([[3.0, 4.0], [0.0, 2.0], [1.0, 0.0]], dtype=torch.float64)
    distance, cosine = mean_alignment(sm, bsm)
    assert distance == pytest.approx((0.0 + math.sqrt(5) + 1.0) / 3)  # every pair counts
    assert cosine == pytest.approx((1.0 + 0.0) / 2)  # cos 1 and 0; the zero SM has no cosine
    assert math.isnan(mean_alignment(sm[2:], bsm[2:])[1])


def test_sampled_grid_margins_are_own_logit_minus_best_other():
    model = train_mlp(make_data("three_blobs"), (8,), config=ToyTrainConfig(epochs=20))
    grid = sampled_grid(model, (-1.0, 1.0, -0.5, 0.5), 0.0, resolution=5)
    points = np.stack(np.meshgrid(grid.xs, grid.ys), axis=-1).reshape(-1, 2)  # (25, 2)
    logits = model(torch.as_tensor(points)).detach().numpy()  # (25, 3)
    for c in range(3):
        best_other = np.delete(logits, c, axis=1).max(axis=1)
        np.testing.assert_allclose(grid.margins[c].ravel(), logits[:, c] - best_other)
