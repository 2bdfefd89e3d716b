"""IDGI: Important Direction Gradient Integration (Yang, Wang & Bilgic, CVPR 2023, Alg. 1).

A path method sums ``∇f(x_i) ⊙ (x_{i+1} − x_i)`` over the points of its path; IDGI keeps only the
part of each step that moves along the gradient. For the points ``x_0 = baseline, ..., x_n = x``::

    IDGI(x) = Σ_{i<n} ∇f(x_i)² / ‖∇f(x_i)‖² · (f(x_{i+1}) − f(x_i))        (elementwise square)

so every step hands out exactly the logit change it made and Σ IDGI = f(x) − f(baseline) by
construction, whatever the number of steps. The gradient is the one at the step's START (the
authors' ``yangruo1226/IDGI/idgi.py`` skips the gradient at the input itself), and the map is not
multiplied by ``x − baseline``. A step whose gradient is exactly zero has no direction to hand its
logit change to: it contributes nothing (the authors' code divides by zero there), and the
completeness delta then shows the missing share.

Written by hand because Captum's ``IntegratedGradients`` returns only the summed map, never the
per-step gradients and logits IDGI reweights. The straight path here is the IG implementation's
own (``riemann_trapezoid``: ``steps`` points ``baseline + t(x − baseline)``, ``t = i/(steps−1)``),
so IDGI costs the same ``steps − 1`` gradients as IG (one forward pass more for ``f(x)``).
"""

import torch
from torch import Tensor, nn

from boundary_core.attributions.classic import check_path_arguments
from boundary_core.attributions.defaults import IG_METHOD, IG_STEPS


def straight_path(x: Tensor, baseline: Tensor, steps: int) -> Tensor:
    """The IG path's ``steps`` points ``(steps, B, C, H, W)``: ``baseline + t(x − baseline)``
    at ``t = linspace(0, 1, steps)`` (Captum's trapezoid points), with the ends set to
    ``baseline`` and ``x`` exactly."""
    t = torch.linspace(0, 1, steps, dtype=x.dtype, device=x.device)
    points = baseline + t.view(-1, *[1] * x.dim()) * (x - baseline)  # (steps, B, C, H, W)
    points[0], points[-1] = baseline, x
    return points


def logit_and_gradient(model: nn.Module, x: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """``f_target(x) (B,)`` and ``∇_x f_target(x) (B, C, H, W)`` from one forward-backward pass."""
    with torch.enable_grad():
        point = x.detach().requires_grad_(True)
        logit = model(point).gather(1, target[:, None]).squeeze(1)
        (gradient,) = torch.autograd.grad(logit.sum(), point)
    return logit.detach(), gradient


def idgi_step(gradient: Tensor, logit_step: Tensor) -> Tensor:
    """One step's IDGI share ``g² / ‖g‖² · Δf`` per sample; ``gradient (B, C, H, W)``,
    ``logit_step (B,)``. Zero where ``g = 0`` (no direction to attribute along)."""
    squared = gradient.square()
    norm = squared.flatten(1).sum(1)  # (B,)
    scale = torch.where(norm > 0, logit_step / norm.clamp_min(torch.finfo(norm.dtype).tiny), 0)
    return squared * scale.view(-1, *[1] * (gradient.dim() - 1))


def idgi(
    model: nn.Module,
    x: Tensor,
    target: Tensor,
    baseline: Tensor,
    *,
    steps: int = IG_STEPS,
) -> tuple[Tensor, Tensor]:
    """IDGI on IG's straight path from ``baseline`` to ``x`` (with ``baseline = x′``: BIG-IDGI).

    Args:
        x, baseline: ``(B, C, H, W)`` in pixel space.
        target: ``(B,)`` class whose logit is attributed.
        steps: path points, the same as IG's (``steps − 1`` gradients are used).
    Returns the map ``(B, C, H, W)`` and the completeness delta Σ map − (f(x) − f(baseline))
    ``(B,)``, the logits at both ends recomputed on their own.
    """
    check_path_arguments(x, baseline, steps, IG_METHOD)
    points = straight_path(x.detach(), baseline.detach(), steps)
    attribution = torch.zeros_like(x)
    logit, gradient = logit_and_gradient(model, points[0], target)
    for point in points[1:-1]:
        next_logit, next_gradient = logit_and_gradient(model, point, target)
        attribution += idgi_step(gradient, next_logit - logit)
        logit, gradient = next_logit, next_gradient
    with torch.no_grad():
        end = model(points[-1]).gather(1, target[:, None]).squeeze(1)
    attribution += idgi_step(gradient, end - logit)
    return attribution, completeness_delta(model, x, baseline, target, attribution)


def completeness_delta(
    model: nn.Module, x: Tensor, baseline: Tensor, target: Tensor, attribution: Tensor
) -> Tensor:
    """Σ attribution − (f_target(x) − f_target(baseline)) per sample ``(B,)``."""
    with torch.no_grad():
        gap = model(x).gather(1, target[:, None]) - model(baseline).gather(1, target[:, None])
    return attribution.flatten(1).sum(1) - gap.squeeze(1)
