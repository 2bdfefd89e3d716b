"""Untargeted ℓ2 PGD (Madry et al. 2018) in pixel space, and the paper's growing-ε ladder.

Written by hand rather than via foolbox's ``L2PGD`` because the paper's code drove foolbox with
``rel_stepsize = 2ε/steps`` (an absolute step of 2ε²/steps, too small to cross small balls) and
because the ladder needs per-sample early exit and gradient accounting.
"""

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from boundary_core.search.geometry import (
    Bounds,
    clamp_bounds,
    normalize_l2,
    project_l2,
    random_in_ball,
)


def loss_gradient(model: nn.Module, x: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
    """Gradient of the summed cross-entropy w.r.t. ``x``, and the logits at ``x``."""
    x = x.detach().requires_grad_(True)
    logits = model(x)
    loss = F.cross_entropy(logits, labels, reduction="sum")
    (gradient,) = torch.autograd.grad(loss, x)
    return gradient, logits.detach()


def pgd_step_size(eps: float, steps: int) -> float:
    """The usual absolute step 2.5·ε/steps (Madry et al.): enough to cross the ball and come back
    within the budget. Every PGD of the package (the paper ladder, adversarial training, the toy's
    training) uses this one rule."""
    return 2.5 * eps / steps


def pgd_l2(
    model: nn.Module,
    x: Tensor,
    labels: Tensor,
    *,
    eps: float,
    steps: int,
    step_size: float | None = None,
    bounds: Bounds = (0.0, 1.0),
    random_start: bool = True,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Maximise cross-entropy inside the ℓ2 ball ``‖δ‖ ≤ eps`` (absolute ``step_size``, default
    ``pgd_step_size(eps, steps)``).

    Args:
        x: ``(B, ...)`` clean inputs; labels: ``(B,)`` classes to move away from.
    Returns:
        ``x_adv (B, ...)`` with ``‖x_adv − x‖₂ ≤ eps`` per sample and inside ``bounds``.
    """
    step_size = pgd_step_size(eps, steps) if step_size is None else step_size
    delta = random_in_ball(x, eps, generator) if random_start else torch.zeros_like(x)
    x_adv = clamp_bounds(x + delta, bounds)
    for _ in range(steps):
        gradient, _ = loss_gradient(model, x_adv, labels)
        x_adv = x_adv + step_size * normalize_l2(gradient)
        x_adv = clamp_bounds(x + project_l2(x_adv - x, eps), bounds).detach()
    return x_adv
