"""Decoupled Direction and Norm (Rony et al., CVPR 2019): a minimal-ℓ2 attack.

Hand-written (foolbox has ``DDNAttack``) so that it runs on unbounded inputs (the 2-D toy nets),
starts its radius from a first-order estimate of the distance instead of a fixed ε = 1, can aim at
one class (the gradient of the pairwise logit margin ``f_t − f_c``, as in FMN's targeted loss) or at
whichever other class is strongest where it stands (``STRONGEST``: FMN's untargeted margin), shrinks
its radius at least to the norm of the best point found once across (FMN's rule), and records a
point only when it is ``τ`` past the boundary (``bisection.py``). Checked against the exact
distance on linear models in the tests.
"""

import math

import torch
from torch import Tensor, nn

from boundary_core.search.geometry import (
    Bounds,
    batch_norm_l2,
    clamp_bounds,
    logit_margin,
    normalize_l2,
    other_logits,
    per_sample,
)
from boundary_core.search.pgd import loss_gradient

STRONGEST = -1  # a target meaning: the strongest other class at the current point


def margin_and_gradient(model: nn.Module, x: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
    """Logit margin ``f_c − max_{k≠c} f_k`` ``(B,)`` and its input gradient ``(B, ...)``."""
    x = x.detach().requires_grad_(True)
    margin = logit_margin(model(x), labels)
    (gradient,) = torch.autograd.grad(margin.sum(), x)
    return margin.detach(), gradient


def first_order_radius(model: nn.Module, x: Tensor, labels: Tensor) -> Tensor:
    """DeepFool-style distance estimate ``margin / ‖∇margin‖`` per sample (one gradient each)."""
    return linearised_distance(*margin_and_gradient(model, x, labels))


def linearised_distance(margin: Tensor, gradient: Tensor) -> Tensor:
    """``margin / ‖gradient‖`` per sample: the distance to the boundary of the linearised margin
    (0 where the margin is already negative)."""
    return margin.clamp_min(0) / batch_norm_l2(gradient).clamp_min(1e-12)


def target_gradient(
    model: nn.Module,
    x: Tensor,
    labels: Tensor,
    targets: Tensor | None,
    avoid: Tensor | None = None,
):
    """Ascent direction for leaving ``labels``: ∇ cross-entropy (untargeted), or
    ∇(f_target − f_label) towards ``targets (B,)``, where a ``STRONGEST`` row aims at the other
    class with the highest logit at ``x`` (skipping the classes of ``avoid (B, A)``); with the
    logits at ``x``."""
    if targets is None:
        return loss_gradient(model, x, labels)
    x = x.detach().requires_grad_(True)
    logits = model(x)
    rows = torch.arange(x.shape[0], device=x.device)
    others = other_logits(logits.detach(), labels)
    if avoid is not None:
        others = others.scatter(1, avoid, float("-inf"))
    strongest = others.argmax(dim=1)
    targets = torch.where(targets == STRONGEST, strongest, targets)
    gap = logits[rows, targets] - logits[rows, labels]
    (gradient,) = torch.autograd.grad(gap.sum(), x)
    return gradient, logits.detach()


def ddn_l2(
    model: nn.Module,
    x: Tensor,
    labels: Tensor,
    *,
    steps: int,
    tau: Tensor | float = 0.0,
    targets: Tensor | None = None,
    init_radius: Tensor | None = None,
    init_delta: Tensor | None = None,
    avoid: Tensor | None = None,
    gamma: float = 0.05,
    bounds: Bounds = (0.0, 1.0),
) -> Tensor:
    """Smallest misclassified point found by DDN, per sample.

    Args:
        x: ``(B, ...)`` inputs; labels: ``(B,)`` labels to move away from.
        tau: ``(B,)`` margin past the boundary a point needs to be recorded.
        targets: ``(B,)`` classes to aim at, ``STRONGEST`` for the strongest other class at each
            step (default: untargeted cross-entropy).
        init_radius: ``(B,)`` starting radius ε₀ (default: the first-order estimate, which costs
            one extra gradient per sample).
        init_delta: ``(B, ...)`` starting perturbation (default zero; restarts pass random ones).
        avoid: ``(B, A)`` classes a ``STRONGEST`` row never aims at (other runs search them).
        gamma: multiplicative radius change per step (DDN's γ); across the boundary the radius
            also drops to the norm of the best point found, if that is smaller.
    Returns:
        ``(B, ...)`` best adversarial point per sample, NaN rows where none was found.
    """
    radius = first_order_radius(model, x, labels) if init_radius is None else init_radius.clone()
    radius = radius.clamp_min(1e-6)
    best = torch.full_like(x, float("nan"))
    best_norm = torch.full_like(radius, float("inf"))
    delta = torch.zeros_like(x) if init_delta is None else init_delta.clone()
    for step in range(steps):
        step_size = 0.01 + 0.99 * (1 + math.cos(math.pi * step / steps)) / 2  # cosine annealing
        x_adv = clamp_bounds(x + delta, bounds)
        gradient, logits = target_gradient(model, x_adv, labels, targets, avoid)
        is_adv = logit_margin(logits, labels) <= -tau
        norms = batch_norm_l2(x_adv - x)
        improved = is_adv & (norms < best_norm)
        best = torch.where(per_sample(improved, x), x_adv.detach(), best)
        best_norm = torch.where(improved, norms, best_norm)
        shrunk = torch.minimum(radius * (1 - gamma), best_norm)
        radius = torch.where(is_adv, shrunk, radius * (1 + gamma))
        # Step relative to the current radius (scale-free, so it also suits unbounded toy inputs).
        delta = (x_adv - x) + per_sample(step_size * radius, x) * normalize_l2(gradient)
        delta = normalize_l2(delta) * per_sample(radius, x)
        delta = clamp_bounds(x + delta, bounds) - x
    return best
