"""Checking candidates and tightening them: the steps every preset ends with."""

import torch
from torch import Tensor, nn

from boundary_core.search.geometry import batch_norm_l2, per_sample
from boundary_core.search.result import BoundaryResult


@torch.no_grad()
def predict(model: nn.Module, x: Tensor) -> Tensor:
    """``argmax`` labels ``(B,)`` of ``model`` at ``x``."""
    return model(x).argmax(dim=1)


@torch.no_grad()
def bisect_to_boundary(
    model: nn.Module, x: Tensor, adversarial: Tensor, original_label: Tensor, *, steps: int = 20
) -> Tensor:
    """Move each adversarial point along ``[x, adversarial]`` to just across the boundary.

    Keeps the invariant that the upper end is misclassified, so the result is adversarial whenever
    the input was; rows that were not adversarial are returned unchanged. After ``steps`` halvings
    the point lies within ``2^-steps · ‖adversarial − x‖`` of a boundary crossing on the segment.
    Forward passes only.
    """
    low = torch.zeros(x.shape[0], device=x.device, dtype=x.dtype)
    high = torch.ones_like(low)
    direction = adversarial - x
    valid = predict(model, adversarial) != original_label
    for _ in range(steps):
        middle = (low + high) / 2
        crossed = predict(model, x + per_sample(middle, x) * direction) != original_label
        high = torch.where(crossed, middle, high)
        low = torch.where(crossed, low, middle)
    refined = x + per_sample(high, x) * direction
    return torch.where(per_sample(valid, x), refined, adversarial)


@torch.no_grad()
def closest(
    model: nn.Module,
    x: Tensor,
    best: BoundaryResult,
    candidate: Tensor,
    method: str,
    gradient_evals: Tensor | int,
) -> BoundaryResult:
    """Fold ``candidate`` into ``best``: keep, per sample, the closer point that is really
    adversarial (re-checked with the model here, whatever the attack claimed)."""
    labels = predict(model, candidate)
    distance = batch_norm_l2(candidate - x)
    is_better = (labels != best.original_label) & (distance < best.distance)
    is_better &= torch.isfinite(candidate.flatten(1)).all(dim=1)
    return BoundaryResult(
        point=torch.where(per_sample(is_better, x), candidate, best.point),
        found=best.found | is_better,
        distance=torch.where(is_better, distance, best.distance),
        label=torch.where(is_better, labels, best.label),
        original_label=best.original_label,
        method=tuple(
            method if better else old
            for better, old in zip(is_better.tolist(), best.method, strict=True)
        ),
        gradient_evals=best.gradient_evals + gradient_evals,
    )
