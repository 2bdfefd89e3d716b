"""Guided Integrated Gradients (Kapishnikov et al., CVPR 2021), optionally with IDGI.

Guided IG walks from the baseline to the input along an adaptive path: at every step it moves
the ``fraction`` of features with the smallest |gradient| (those that change the logit least),
never further than ``max_dist`` (relative ℓ1) from the straight line, until the step's share of
the ℓ1 distance is covered. The map sums ``∇f(x_i) ⊙ (x_{i+1} − x_i)`` over the moves, with the
gradient taken once at the start of each of the ``steps`` steps.

Written by hand, batched in torch: Captum has no Guided IG, and the reference implementation
(PAIR's ``saliency`` package, ``saliency/core/guided_ig.py``, Apache-2.0) is numpy, one image at a
time. This follows it operation for operation, the path in float64 as there (the model sees the
points in its own dtype); ``tests/test_path_methods.py`` checks the two agree. One deviation: a
sample with nothing left to move ends its step instead of looping forever.

``idgi=True`` hands each step's logit change ``f(x_{i+1}) − f(x_i)`` to the features by the
squared gradient at ``x_i`` (``attributions.idgi``), using the same path and gradients.
"""

from collections.abc import Iterator

import torch
from torch import Tensor, nn

from boundary_core.attributions.defaults import GUIDED_FRACTION, GUIDED_MAX_DIST, GUIDED_STEPS
from boundary_core.attributions.idgi import completeness_delta, idgi_step, logit_and_gradient
from boundary_core.checks import require_finite, require_int

_EPSILON = 1e-9  # the reference's tolerance for "the step's ℓ1 target is reached"


def guided_ig(
    model: nn.Module,
    x: Tensor,
    target: Tensor,
    baseline: Tensor,
    *,
    steps: int = GUIDED_STEPS,
    fraction: float = GUIDED_FRACTION,
    max_dist: float = GUIDED_MAX_DIST,
    idgi: bool = False,
) -> tuple[Tensor, Tensor]:
    """Guided IG from ``baseline`` to ``x`` (with ``baseline = x′``: guided BIG).

    Args:
        x, baseline: ``(B, C, H, W)`` in pixel space; target: ``(B,)``.
        steps: gradient evaluations along the path (the reference's ``x_steps``).
        fraction: share of the features, by smallest |gradient|, moved in one round of a step.
        max_dist: relative ℓ1 distance in [0, 1] the path may leave the straight line
            (0 gives IG on the straight line with left Riemann sums; 1 is unbounded).
        idgi: reweight the path's steps by IDGI instead of summing gradient × move.
    Returns the map ``(B, C, H, W)`` and the completeness delta Σ map − (f(x) − f(baseline)).
    """
    path = guided_path(
        model, x, target, baseline, steps=steps, fraction=fraction, max_dist=max_dist
    )
    point, logit, gradient = next(path)
    attribution = torch.zeros_like(point)
    for next_point, next_logit, next_gradient in path:
        if idgi:
            attribution += idgi_step(gradient, (next_logit - logit).double())
        else:
            attribution += (next_point - point) * gradient
        point, logit, gradient = next_point, next_logit, next_gradient
    attribution = attribution.view_as(x).to(x.dtype)
    return attribution, completeness_delta(model, x, baseline, target, attribution)


def guided_path(
    model: nn.Module,
    x: Tensor,
    target: Tensor,
    baseline: Tensor,
    *,
    steps: int = GUIDED_STEPS,
    fraction: float = GUIDED_FRACTION,
    max_dist: float = GUIDED_MAX_DIST,
) -> Iterator[tuple[Tensor, Tensor, Tensor | None]]:
    """The points of Guided IG's path, one step at a time (arguments as ``guided_ig``).

    Yields ``steps + 1`` triples ``(point (B, D) float64, f_target(point) (B,), gradient (B, D)
    float64)``, ``D = C·H·W``: the baseline first, the gradient of each point but the last; the
    last is the path's end, x up to rounding, with ``f_target(x)`` itself and gradient ``None``.
    """
    require_int("Guided IG steps", steps)
    require_finite("Guided IG fraction", fraction, 0.0)
    require_finite("Guided IG max_dist", max_dist, 0.0)
    if fraction > 1 or max_dist > 1:
        raise ValueError(
            f"Guided IG fraction and max_dist must be <= 1, got {fraction}, {max_dist}"
        )
    if baseline.shape != x.shape:
        raise ValueError(f"baseline shape {tuple(baseline.shape)} differs from x {tuple(x.shape)}")
    start = baseline.detach().double().flatten(1)  # (B, D): the path lives in float64
    end = x.detach().double().flatten(1)
    point = start.clone()
    total = (end - start).abs().sum(1)  # (B,) ℓ1 length of the straight path
    for step in range(steps):
        logit, gradient = logit_and_gradient(model, _as_input(point, x), target)
        gradient = gradient.double().flatten(1)  # (B, C, H, W) -> (B, D)
        yield point, logit, gradient
        point = _guided_step(point, start, end, gradient, total, step, steps, fraction, max_dist)
    with torch.no_grad():  # the path ends at x: its logit, exactly, closes the IDGI sum
        yield point, model(x).gather(1, target[:, None]).squeeze(1), None


def _as_input(point: Tensor, like: Tensor) -> Tensor:
    """A float64 path point ``(B, D)`` as the model's input ``(B, C, H, W)`` in ``like``'s dtype."""
    return point.view_as(like).to(like.dtype)


def _guided_step(point, start, end, gradient, total, step, steps, fraction, max_dist) -> Tensor:
    """Step ``step`` of the reference's ``guided_ig_impl`` for every sample at once: returns the
    new point ``(B, D)``. Moves features with the smallest |gradient| towards ``x`` (and pulls up
    any that fell more than ``max_dist`` behind) until the ℓ1 distance left is
    ``total (1 − (step + 1)/steps)``."""
    alpha = (step + 1.0) / steps
    alpha_min, alpha_max = max(alpha - max_dist, 0.0), min(alpha + max_dist, 1.0)
    difference = end - start
    low = start + difference * alpha_min  # (B, D)
    high = start + difference * alpha_max
    l1_target = total * (1 - (step + 1) / steps)  # (B,)
    point = point.clone()
    active = torch.ones(len(point), dtype=torch.bool, device=point.device)
    while active.any():
        along = torch.where(difference != 0, (point - start) / difference, alpha_max)
        behind = (along < alpha_min) & active[:, None]
        point = torch.where(behind, low, point)
        l1_current = (point - end).abs().sum(1)  # (B,)
        reached = (l1_current - l1_target).abs() <= _EPSILON * torch.maximum(
            torch.full_like(l1_current, 1.0), torch.maximum(l1_current.abs(), l1_target.abs())
        )  # math.isclose(rel_tol = abs_tol = 1e-9)
        active &= ~reached
        candidates = torch.where(point == high, torch.inf, gradient.abs())
        k = int(fraction * (candidates.shape[1] - 1)) + 1  # np.quantile(..., "lower")
        threshold = candidates.kthvalue(k, dim=1).values  # (B,)
        chosen = (candidates <= threshold[:, None]) & candidates.isfinite() & active[:, None]
        l1_chosen = ((point - high).abs() * chosen).sum(1)  # (B,)
        gamma = torch.where(l1_chosen > 0, (l1_current - l1_target) / l1_chosen, torch.inf)
        full = gamma > 1
        partial = point + (high - point) * gamma[:, None]
        point = torch.where(chosen, torch.where(full[:, None], high, partial), point)
        active &= full & (l1_chosen > 0)  # nothing left to move: end the step (see module doc)
    return point
