"""Boundary search: points are across the boundary, in bounds, and as close as they should be."""

import math

import pytest
import torch
from conftest import LinearTwoClass

from boundary_core.search import PaperBudget, find, find_boundary
from boundary_core.search.bisection import TOLERANCE, bisect_to_boundary, origin_of
from boundary_core.search.ddn import STRONGEST, margin_and_gradient, target_gradient
from boundary_core.search.find import (
    FAST_TARGETS,
    FREE_RUNS,
    LOW_DIMENSION_STEPS,
    NORMAL_STEPS,
    RANKED_CLASSES,
)
from boundary_core.search.geometry import batch_norm_l2, logit_margin, project_l2, random_in_ball
from boundary_core.search.pgd import pgd_l2

SMALL_BUDGET = PaperBudget(
    ladder=(0.05, 0.1, 0.2),
    max_eps=2.0,
    pgd_steps=10,
    cw_steps=10,
    cw_binary_steps=2,
    apgd_steps=10,
)


class Recorder(torch.nn.Module):
    """Wraps a model and records its own calls: forward rows, and backward rows through a tensor
    hook on the output (one per row each time a gradient flows back through it)."""

    def __init__(self, model):
        super().__init__()
        self.model, self.forward_rows, self.backward_rows = model, 0, 0
        self.training = model.training

    def forward(self, x):
        logits = self.model(x)
        self.forward_rows += x.shape[0]
        if logits.requires_grad:
            logits.register_hook(self._backward)
        return logits

    def _backward(self, gradient):
        self.backward_rows += gradient.shape[0]


def linear_case(seed=0, batch=5):
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(3, 4, 4, generator=generator)
    x = 0.3 + 0.4 * torch.rand(batch, 3, 4, 4, generator=generator)  # well inside [0, 1]
    bias = -float((x.flatten(1) @ weight.flatten()).mean())
    return LinearTwoClass(weight, bias), x, weight


@pytest.mark.parametrize("preset", ["fast", "paper"])
def test_linear_model_distance_is_exact(preset):
    model, x, weight = linear_case()
    result = find_boundary(model, x, preset=preset)  # default budgets: a linear model is cheap
    exact = (x.flatten(1) @ weight.flatten() + model.bias).abs() / weight.norm()
    assert result.found.all()
    assert torch.allclose(result.distance, exact, rtol=0.01)
    # The point lies across the boundary: the model's label really changed.
    assert (model(result.point).argmax(1) != model(x).argmax(1)).all()
    assert (result.label == 1 - result.original_label).all()


def test_points_are_adversarial_and_in_bounds(tiny_cnn, images):
    for preset in ("fast", "paper"):
        result = find_boundary(tiny_cnn, images, preset=preset, budget=SMALL_BUDGET)
        found = result.found
        assert found.any()
        assert (tiny_cnn(result.point[found]).argmax(1) != result.original_label[found]).all()
        assert result.point[found].min() >= 0 and result.point[found].max() <= 1
        measured = batch_norm_l2(result.point[found] - images[found])
        assert torch.allclose(measured, result.distance[found])
        assert (
            torch.isnan(result.point[~found]).all() and torch.isinf(result.distance[~found]).all()
        )


def test_bisection_lands_just_across(tiny_cnn, images):
    result = find_boundary(tiny_cnn, images)
    found = result.found
    # Stepping back toward x by 0.5% of the distance returns to the original class (the segment
    # search stops within 0.1% of the distance, at a margin of 1e-4 of the clean one past it).
    inside = images + (result.point - images) * 0.995
    assert (tiny_cnn(inside[found]).argmax(1) == result.original_label[found]).all()


def test_batched_equals_unbatched(tiny_cnn, images):
    """The same point up to the segment search's tolerance (0.1% of the distance): margins round
    differently at another batch size, which moves where false position stops within it."""
    batched = find_boundary(tiny_cnn, images)
    for i in range(len(images)):
        single = find_boundary(tiny_cnn, images[i : i + 1])
        assert single.found[0] == batched.found[i]
        if single.found[0]:
            assert single.label[0] == batched.label[i]
            gap = batch_norm_l2(single.point - batched.point[i : i + 1])[0]
            assert gap <= 2 * TOLERANCE * batched.distance[i]


def test_paper_preset_accepts_non_contiguous_images(tiny_cnn, images):
    """An (H, W, C) array permuted to (C, H, W), as image loaders give it, is not contiguous."""
    permuted = images.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2)
    assert not permuted.is_contiguous()
    result = find_boundary(tiny_cnn, permuted, preset="paper", seed=3, budget=SMALL_BUDGET)
    reference = find_boundary(tiny_cnn, images, preset="paper", seed=3, budget=SMALL_BUDGET)
    assert torch.equal(result.found, reference.found)
    assert torch.allclose(result.distance[result.found], reference.distance[reference.found])


def test_paper_preset_is_deterministic(tiny_cnn, images):
    first = find_boundary(tiny_cnn, images, preset="paper", seed=3, budget=SMALL_BUDGET)
    second = find_boundary(tiny_cnn, images, preset="paper", seed=3, budget=SMALL_BUDGET)
    assert torch.equal(first.point.nan_to_num(), second.point.nan_to_num())
    assert first.method == second.method


def test_unattackable_model_reports_not_found(images):
    constant = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(192, 3))
    with torch.no_grad():
        constant[1].weight.zero_()
        constant[1].bias.copy_(torch.tensor([1.0, 0.0, 0.0]))
    result = find_boundary(constant, images)
    assert not result.found.any()
    assert torch.isnan(result.point).all() and (result.label == -1).all()
    assert result.method == ("none",) * len(images)


def test_unknown_preset_is_a_clear_error(tiny_cnn, images):
    with pytest.raises(ValueError, match="unknown search preset"):
        find_boundary(tiny_cnn, images, preset="magic")


def test_gradient_evals_accounting(tiny_cnn, images):
    result = find_boundary(tiny_cnn, images, steps=7)
    others = tiny_cnn(images).shape[1] - 1
    ranked, targets = min(RANKED_CLASSES, others), min(FAST_TARGETS, others)
    free = FREE_RUNS if others > FAST_TARGETS else 0
    expected = ranked + (targets + free) * 7 + NORMAL_STEPS  # ranking + DDN runs + projections
    assert (result.gradient_evals == expected).all()


def test_pgd_respects_ball_and_bounds(tiny_cnn, images):
    labels = tiny_cnn(images).argmax(1)
    generator = torch.Generator().manual_seed(0)
    adversarial = pgd_l2(
        tiny_cnn, images, labels, eps=0.3, steps=5, step_size=0.1, generator=generator
    )
    assert (batch_norm_l2(adversarial - images) <= 0.3 + 1e-5).all()
    assert adversarial.min() >= 0 and adversarial.max() <= 1


def test_l2_geometry():
    delta = torch.tensor([[3.0, 4.0], [0.3, 0.4]])
    projected = project_l2(delta, 1.0)
    assert torch.allclose(projected, torch.tensor([[0.6, 0.8], [0.3, 0.4]]))
    samples = random_in_ball(torch.zeros(2000, 2), 2.0, torch.Generator().manual_seed(0))
    norms = batch_norm_l2(samples)
    assert norms.max() <= 2.0
    # Uniform in a disc of radius 2: P(‖δ‖ ≤ 1) = 1/4.
    assert math.isclose(float((norms <= 1).float().mean()), 0.25, abs_tol=0.03)


def test_logit_margin_by_hand_and_its_gradient():
    logits = torch.tensor([[3.0, 1.0, 2.5], [0.0, 4.0, -1.0], [2.0, 2.0, 0.0]])
    labels = torch.tensor([0, 0, 1])
    # own − best other: 3 − 2.5, 0 − 4, 2 − 2 (a tie is on the boundary)
    torch.testing.assert_close(logit_margin(logits, labels), torch.tensor([0.5, -4.0, 0.0]))
    weight = torch.tensor([[1.0, 0.0], [0.0, 2.0], [-1.0, -1.0]])  # f(x) = x Wᵀ, gradient rows W_k
    model = torch.nn.Linear(2, 3, bias=False)
    with torch.no_grad():
        model.weight.copy_(weight)
    x = torch.tensor([[2.0, 0.5], [0.1, 3.0]])
    margin, gradient = margin_and_gradient(model, x, torch.tensor([0, 0]))
    torch.testing.assert_close(margin, torch.tensor([1.0, -5.9]))  # 2 − 1, 0.1 − 6 (k = 1 wins)
    torch.testing.assert_close(gradient, torch.stack([weight[0] - weight[1]] * 2))


class TwoWalls(torch.nn.Module):
    """Own logit min(10(1 − x₀), 0.7 − x₁) vs 0: walls at x₀ = 1 (steep) and x₁ = 0.7 (shallow).

    At x = (0.95, 0.5) the active piece is the shallow wall (0.2 < 0.5), so the gradient points at
    it (distance 0.2), while the steep wall is closer: distance 0.05 exactly.
    """

    def forward(self, x):
        own = torch.minimum(10.0 * (1.0 - x[:, 0]), 0.7 - x[:, 1])
        return torch.stack([own, torch.zeros_like(own)], dim=1)


def test_restarts_find_the_closer_boundary_the_gradient_misses():
    x = torch.tensor([[0.95, 0.5]], dtype=torch.float64)
    single = find_boundary(TwoWalls(), x, bounds=None, restarts=0)
    assert single.distance[0] > 0.15  # the gradient-led run lands on the far, shallow wall
    searched = find_boundary(TwoWalls(), x, bounds=None)  # 2-D input: restarts on by default
    assert torch.isclose(searched.distance[0], torch.tensor(0.05, dtype=torch.float64), rtol=0.01)
    assert searched.method == ("ddn-restart",)
    expected = 1 + (1 + 8) * LOW_DIMENSION_STEPS + NORMAL_STEPS  # rank + 9 runs + projections
    assert (searched.gradient_evals == expected).all()


def test_paper_preset_runs_on_float64_models():
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    model = model.double().eval()
    x = torch.rand(4, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    budget = PaperBudget(
        ladder=(0.5, 1.0), max_eps=8.0, pgd_steps=5, cw_steps=5, cw_binary_steps=1, apgd_steps=5
    )
    result = find_boundary(model, x, preset="paper", bounds=(-10.0, 10.0), budget=budget)
    assert result.point.dtype == torch.float64 and result.found.all()
    assert (model(result.point).argmax(1) != result.original_label).all()


class NearTie(torch.nn.Module):
    """Logits (0, x₀ − 0.01, −0.5 − 10·x₀): class 0 leads class 1 by 0.01 at the origin, with their
    boundary at x₀ = 0.01. Class 2 is likely enough (p ≈ 0.23) that the cross-entropy gradient
    points to −x₀, where class 2's boundary lies at x₀ = −0.05: five times farther."""

    def forward(self, x):
        zero = torch.zeros_like(x[:, 0])
        return torch.stack([zero, x[:, 0] - 0.01, -0.5 - 10.0 * x[:, 0]], dim=1)


def test_targeted_runs_find_the_near_tie_the_cross_entropy_gradient_leads_away_from():
    x = torch.zeros(1, 2, dtype=torch.float64)
    model = NearTie()
    p = model(x).softmax(1)[0]
    assert p[1] - 10 * p[2] < 0  # the premise: ∂CE/∂x₀ = p₁ − 10·p₂ < 0, so DDN heads to −x₀
    result = find_boundary(model, x, bounds=None, restarts=0)
    assert result.found.all() and result.label.tolist() == [1]
    # 0.01 plus τ = 1e-5·(1 + max|logit|) past the boundary (the floor: the clean margin is tiny)
    assert 0.01 < result.distance[0] < 0.01 + 1.5e-5 + 1e-5
    assert result.method == ("ddn",)


def test_two_targeted_steps_are_exact_on_a_linear_model():
    """Step one checks x, step two the first-order point (a radius ×1.05 past the boundary); the
    segment search then lands τ past the boundary, within 0.1% of the exact distance."""
    model, x, weight = linear_case()
    result = find_boundary(model, x, steps=2)
    exact = (x.flatten(1) @ weight.flatten() + model.bias).abs() / weight.norm()
    assert result.found.all() and set(result.method) == {"ddn"}
    assert torch.allclose(result.distance, exact, rtol=1e-3)
    assert (result.distance >= exact).all()  # across, never short of the boundary
    assert (model(result.point).argmax(1) != result.original_label).all()


def test_segment_search_lands_a_margin_past_within_tolerance_on_a_linear_model():
    """False position on a linear margin: the point has margin ≤ −τ and lies within the 0.1%
    bracket tolerance of the exact −τ point, after a handful of forward passes (bisection from a
    segment 5 units long would need ~20 to reach 0.1% of a distance of ~0.05)."""
    model, x, weight = linear_case()
    origin = origin_of(model, x)
    sign = torch.where(origin.labels == 0, -1.0, 1.0)[:, None, None, None]  # towards the other
    far = x + weight.expand_as(x) * sign / weight.norm() * 5.0  # 5 units along the normal
    recorder = Recorder(model)
    point = bisect_to_boundary(recorder, origin, far, bounds=None)
    assert (logit_margin(model(point), origin.labels) <= -origin.tau).all()
    exact = (origin.margin + origin.tau) / (2 * weight.norm())  # the margin is 2(w·x + b)
    distance = batch_norm_l2(point - x)
    assert (distance >= exact * (1 - 1e-6)).all() and (distance <= exact * (1 + 1e-3)).all()
    assert recorder.forward_rows <= 8 * len(x)


def test_paper_progress_says_sample_for_one_and_samples_for_more(tiny_cnn, images):
    """The progress text was "on 1 samples" (issue 18)."""
    messages = []
    find_boundary(
        tiny_cnn,
        images[:1],
        preset="paper",
        budget=SMALL_BUDGET,
        progress=lambda fraction, message: messages.append(message),
    )
    pgd = [m for m in messages if m.startswith("PGD")]
    assert pgd and all(m.endswith(" on 1 sample") for m in pgd)


class HiddenClass(torch.nn.Module):
    """Five classes in 2-D. Class 0 (logit 0) wins at the origin; classes 1–3 are linear with
    boundaries at distance 1 (logits −3 there); class 4's logit −1 + softplus(50·(x₀ − 0.1)) is the
    strongest other class at the origin but nearly flat there, so its first-order radius (≈ 2.96)
    ranks it last, while its boundary (x₀ = 0.1 + ln(e − 1)/50 ≈ 0.1108) is the nearest."""

    def forward(self, x):
        zero = torch.zeros_like(x[:, 0])
        linear = [3 * (-x[:, 0]) - 3, 3 * x[:, 1] - 3, 3 * (-x[:, 1]) - 3]
        hidden = -1 + torch.nn.functional.softplus(50 * (x[:, 0] - 0.1))
        return torch.stack([zero, *linear, hidden], dim=1)


def test_the_free_run_finds_the_boundary_the_first_order_ranking_puts_last(monkeypatch):
    monkeypatch.setattr(find, "SECOND_RUN_BELOW", 0.0)  # the free run alone (no second run)
    x = torch.zeros(1, 2, dtype=torch.float64)
    exact = 0.1 + math.log(math.e - 1) / 50
    result = find_boundary(HiddenClass(), x, bounds=None, restarts=0)
    assert result.found.all() and result.label.tolist() == [4]
    assert result.method == ("ddn-free",)
    assert exact <= result.distance[0] < exact * 1.01
    expected = 4 + (FAST_TARGETS + FREE_RUNS) * LOW_DIMENSION_STEPS + NORMAL_STEPS
    assert (result.gradient_evals == expected).all()


class CurvedAndHidden(torch.nn.Module):
    """Five classes in 2-D; class 0 (logit 0) wins at the origin. Classes 1–3 head along −x₀,
    +x₁ and −x₁ with logits ``c + a·u + b·u²`` (u the coordinate along their direction) whose
    boundaries are at distance 1 while their first-order radii say 2 (the curvature of a robust
    model); class 2 has the highest logit of all at the origin, so the free run follows it too.
    Class 4 is ``HiddenClass``'s: nearly flat at the origin (first-order radius ≈ 2.97, ranked last,
    never the strongest), with its boundary at x₀ ≈ 0.1108, the nearest."""

    def forward(self, x):
        def curved(u, c, a, b):
            return c + a * u + b * u * u

        first = curved(-x[:, 0], -3.0, 1.5, 1.5)
        second = curved(x[:, 1], -0.6, 0.3, 0.3)
        third = curved(-x[:, 1], -3.0, 1.5, 1.5)
        hidden = -1 + torch.nn.functional.softplus(50 * (x[:, 0] - 0.1))
        return torch.stack([torch.zeros_like(x[:, 0]), first, second, third, hidden], dim=1)


def test_the_second_run_finds_a_boundary_no_other_run_aims_at(monkeypatch):
    """The targeted runs and the free run all stop at distance 1, half the first-order radius, so
    the second run fires; kept off the three targeted classes, it finds class 4's boundary."""
    x = torch.zeros(1, 2, dtype=torch.float64)
    exact = 0.1 + math.log(math.e - 1) / 50
    result = find_boundary(CurvedAndHidden(), x, bounds=None, restarts=0)
    assert result.found.all() and result.label.tolist() == [4]
    assert result.method == ("ddn-second",)
    assert exact <= result.distance[0] < exact * 1.01
    runs = FAST_TARGETS + FREE_RUNS + 1  # the second run adds one run's steps
    assert (result.gradient_evals == 4 + runs * LOW_DIMENSION_STEPS + NORMAL_STEPS).all()
    monkeypatch.setattr(find, "SECOND_RUN_BELOW", 0.0)
    without = find_boundary(CurvedAndHidden(), x, bounds=None, restarts=0)
    assert without.label.tolist() != [4] and without.distance[0] > 0.99


def test_the_second_run_waits_for_a_distance_below_its_trigger(monkeypatch):
    """At the origin the distance found is 0.5 × the nearest first-order radius, at (−0.5, 0) it is
    0.8 × (class 1's boundary at x₀ = −1, radius 0.625): the second run fires on the first row
    only, and each row is charged what it ran (a recorder counts the model's backward rows); with
    the trigger at 0.4 it fires on neither."""
    x = torch.tensor([[0.0, 0.0], [-0.5, 0.0]], dtype=torch.float64)
    base = 4 + (FAST_TARGETS + FREE_RUNS) * LOW_DIMENSION_STEPS + NORMAL_STEPS
    recorder = Recorder(CurvedAndHidden())
    result = find_boundary(recorder, x, bounds=None, restarts=0)
    assert result.gradient_evals.tolist() == [base + LOW_DIMENSION_STEPS, base]
    assert int(result.gradient_evals.sum()) == recorder.backward_rows
    assert result.label.tolist() == [4, 1] and abs(float(result.distance[1]) - 0.5) < 0.005
    monkeypatch.setattr(find, "SECOND_RUN_BELOW", 0.4)
    result = find_boundary(CurvedAndHidden(), x, bounds=None, restarts=0)
    assert result.gradient_evals.tolist() == [base, base]
    assert result.label.tolist() != [4, 1]


def test_strongest_target_skips_the_classes_to_avoid():
    """A ``STRONGEST`` row with classes to avoid aims at the strongest class outside them."""
    weight = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [3.0, 3.0]])
    model = torch.nn.Linear(2, 4)
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(torch.tensor([5.0, 1.0, 0.0, 0.0]))
    x = torch.tensor([[2.0, 0.0]])  # logits 5, 3, 0, 6: label 3; strongest other 0, then 1
    labels = torch.tensor([3])
    targets = torch.tensor([STRONGEST])
    gradient, _ = target_gradient(model, x, labels, targets, avoid=torch.tensor([[0]]))
    assert torch.equal(gradient[0], weight[1] - weight[3])
    gradient, _ = target_gradient(model, x, labels, targets)
    assert torch.equal(gradient[0], weight[0] - weight[3])


def test_strongest_target_follows_the_strongest_other_class():
    """``STRONGEST`` rows take ∇(f_j − f_c) for the other class j with the highest logit at each
    point, fixed targets keep theirs (a linear model, where the gradient is a weight difference)."""
    weight = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    model = torch.nn.Linear(2, 3)
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(torch.tensor([5.0, 0.0, 0.0]))
    x = torch.tensor([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0]])  # strongest other: 1, 2; fixed: 2
    labels = torch.zeros(3, dtype=torch.long)
    targets = torch.tensor([STRONGEST, STRONGEST, 2])
    gradient, _ = target_gradient(model, x, labels, targets)
    assert torch.equal(gradient, torch.stack([weight[1], weight[2], weight[2]]))
