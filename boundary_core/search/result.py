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
        gradient_evals: ``(B,)`` backward passes through the model spent on each sample, counted
            where they happen (a hook on the model's output, ``search/counting.py``); a row of a
            batch replicated k times counts once per row.
        forward_evals: ``(B,)`` forward passes through the model spent on each sample (those with
            a backward included), counted the same way.
    """

    point: Tensor
    found: Tensor
    distance: Tensor
    label: Tensor
    original_label: Tensor
    method: tuple[str, ...]
    gradient_evals: Tensor
    forward_evals: Tensor | None = None  # None in results rebuilt from records made before it

    def __len__(self) -> int:
        return self.found.shape[0]

    def __repr__(self) -> str:
        found = int(self.found.sum())
        dist = self.distance[self.found]
        median = f"{dist.median().item():.4g}" if found else "n/a"
        return (
            f"BoundaryResult(n={len(self)}, found={found}/{len(self)}, median_l2={median}, "
            f"gradient_evals_mean={self.gradient_evals.float().mean().item():.1f}, "
            f"forward_evals_mean={_mean(self.forward_evals)})"
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
            "forward_evals": None if self.forward_evals is None else int(self.forward_evals[i]),
        }


def _mean(counts: Tensor | None) -> str:
    return "n/a" if counts is None else f"{counts.float().mean().item():.1f}"


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
        forward_evals=torch.zeros(batch, dtype=torch.long, device=x.device),
    )
