"""What a boundary search returns: the point and the evidence that it is one."""

from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class BoundaryResult:
    """Per-sample outcome of a boundary search over a batch of ``B`` inputs.

    Attributes:
        point: ``(B, ...)`` closest point found across the boundary; rows where nothing was found
            are NaN, so they can never be mistaken for a boundary point.
        found: ``(B,)`` bool, re-checked with the model: ``argmax f(point) != original_label``.
        distance: ``(B,)`` ℓ2 distance ``‖point − x‖`` in input (pixel) units;
            ``inf`` where not found.
        label: ``(B,)`` the model's label at ``point`` (``-1`` where not found).
        original_label: ``(B,)`` the label the search moved away from.
        method: per sample, the name of the attack whose point won (``"none"`` where not found).
        gradient_evals: ``(B,)`` input-gradient evaluations spent on each sample (forward-only
            passes such as bisection are not counted).
    """

    point: Tensor
    found: Tensor
    distance: Tensor
    label: Tensor
    original_label: Tensor
    method: tuple[str, ...]
    gradient_evals: Tensor

    def __len__(self) -> int:
        return self.found.shape[0]

    def __repr__(self) -> str:
        found = int(self.found.sum())
        dist = self.distance[self.found]
        median = f"{dist.median().item():.4g}" if found else "n/a"
        return (
            f"BoundaryResult(n={len(self)}, found={found}/{len(self)}, median_l2={median}, "
            f"gradient_evals_mean={self.gradient_evals.float().mean().item():.1f})"
        )

    def row(self, i: int) -> dict:
        """JSON-friendly summary of sample ``i``."""
        return {
            "found": bool(self.found[i]),
            "distance_l2": float(self.distance[i]) if self.found[i] else None,
            "index": int(self.label[i]) if self.found[i] else None,
            "original_index": int(self.original_label[i]),
            "method": self.method[i],
            "gradient_evals": int(self.gradient_evals[i]),
        }


def empty_result(x: Tensor, original_label: Tensor) -> BoundaryResult:
    """A result with nothing found yet (the neutral element of ``closest``)."""
    batch = x.shape[0]
    return BoundaryResult(
        point=torch.full_like(x, float("nan")),
        found=torch.zeros(batch, dtype=torch.bool, device=x.device),
        distance=torch.full((batch,), float("inf"), device=x.device),
        label=torch.full((batch,), -1, dtype=torch.long, device=x.device),
        original_label=original_label,
        method=("none",) * batch,
        gradient_evals=torch.zeros(batch, dtype=torch.long, device=x.device),
    )
