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
from boundary_core.toy.smoothing import (
    SmoothedModel,
    mean_alignment,
    sampled_grid,
    sm_bsm_curve,
    smoothed_query,
)


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


@pytest.fixture(scope="module")
def moons_net():
    return train_mlp(make_data("moons"), (8, 8), config=ToyTrainConfig(epochs=150))


def test_smoothed_sm_is_the_gradient_of_the_gaussian_smoothing(moons_net):
    """SM of the smoothed net = ∇ E f(x + ε): checked against finite differences of the same
    sampled net, and against Stein's identity ∇f_σ(x) = E[f(x + ε) ε] / σ² with fresh noise."""
    sigma, query = 0.3, (0.4, 0.1)
    numbers = smoothed_query(moons_net, query, sigma, samples=256)
    smoothed = SmoothedModel(moons_net, sigma, samples=256, seed=0)
    x = torch.tensor([query], dtype=torch.float64)
    h = 1e-6
    steps = h * torch.eye(2, dtype=torch.float64)
    with torch.no_grad():
        central = [
            (smoothed(x + d)[0, numbers.label] - smoothed(x - d)[0, numbers.label]) / (2 * h)
            for d in steps
        ]
    np.testing.assert_allclose(numbers.sm, torch.stack(central).numpy(), atol=1e-6)
    generator = torch.Generator().manual_seed(7)
    noise = sigma * torch.randn(200_000, 2, generator=generator, dtype=torch.float64)
    with torch.no_grad():
        values = moons_net(x + noise)[:, numbers.label]  # (N,)
    centred = (values - values.mean())[:, None] * noise / sigma**2  # (N, 2); mean = Stein
    stein = centred.mean(dim=0).numpy()
    error = centred.std(dim=0).numpy() / math.sqrt(len(noise))
    # both estimate ∇f_σ(x): 256 common samples (SmoothGrad) vs 200k fresh ones (Stein)
    assert np.all(np.abs(numbers.sm - stein) < 5 * error + 0.1 * np.linalg.norm(stein))


def test_smoothed_boundary_point_is_the_closest_flip_on_a_dense_grid(moons_net):
    sigma, query = 0.2, np.array([0.4, 0.1])
    numbers = smoothed_query(moons_net, query, sigma, samples=64)
    smoothed = SmoothedModel(moons_net, sigma, samples=64, seed=0)
    assert numbers.point is not None
    with torch.no_grad():
        flipped = smoothed(torch.as_tensor(numbers.point[None])).argmax(1).item()
    assert flipped != numbers.label  # across the smoothed net's own boundary
    assert numbers.distance == pytest.approx(np.linalg.norm(numbers.point - query))
    # oracle: the nearest grid point of another class (grid step 0.01 around x)
    step = 0.01
    axis = np.arange(-1.2, 1.2 + step, step)
    grid = query + np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)  # (G, 2)
    with torch.no_grad():
        labels = smoothed(torch.as_tensor(grid)).argmax(1).numpy()
    nearest = np.linalg.norm(grid[labels != numbers.label] - query, axis=1).min()
    assert nearest - step <= numbers.distance <= nearest + 1e-3
    np.testing.assert_allclose(
        numbers.bsm,
        saliency(smoothed, torch.as_tensor(numbers.point[None]), torch.tensor([0]) + numbers.label)[
            0
        ].numpy(),
    )


def test_tiny_sigma_gives_the_plain_nets_numbers(moons_net):
    from boundary_core.toy import exact_geometry, explain_query

    data = make_data("moons")
    plain = explain_query(moons_net, exact_geometry(moons_net, data.box), (0.4, 0.1))
    numbers = smoothed_query(moons_net, (0.4, 0.1), 1e-7, samples=16)
    assert numbers.label == plain.label
    np.testing.assert_allclose(numbers.sm, plain.sm, rtol=1e-5)
    assert numbers.distance == pytest.approx(plain.boundary.distance, abs=1e-3)
    assert numbers.sm_bsm_cosine == pytest.approx(plain.sm_bsm_cosine, abs=1e-2)
    with pytest.raises(ValueError, match="sigma > 0"):
        smoothed_query(moons_net, (0.4, 0.1), 0.0)


def test_boundary_lines_sit_on_the_zero_margin():
    model = train_mlp(make_data("three_blobs"), (8,), config=ToyTrainConfig(epochs=60))
    box = make_data("three_blobs").box
    grid = sampled_grid(model, box, 0.2, resolution=60, samples=32)
    lines = grid.boundary_lines()
    assert lines and all(line.shape[1] == 2 for line in lines)
    points = np.concatenate(lines)
    smoothed = SmoothedModel(model, 0.2, samples=32, seed=0)
    with torch.no_grad():
        logits = smoothed(torch.as_tensor(points)).numpy()
    top2 = np.sort(logits, axis=1)[:, -2:]
    spread = np.ptp(grid.margins)
    # on a boundary line the two best classes tie (up to linear interpolation on the grid)
    assert np.median(top2[:, 1] - top2[:, 0]) < 0.01 * spread
    inside = (points[:, 0] >= box[0]) & (points[:, 0] <= box[1])
    assert inside.all() and ((points[:, 1] >= box[2]) & (points[:, 1] <= box[3])).all()
