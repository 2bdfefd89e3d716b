"""Checking candidates and tightening them: the steps every preset ends with.

A point counts as across the boundary only when its logit margin ``f_c − max_{k≠c} f_k`` is at
most ``−τ``, with ``τ = MARGIN_PAST · clean margin`` (floored at ``MARGIN_FLOOR · (1 + max|f|)``).
Points bisected to a margin of exactly 0⁻ flipped back when re-evaluated alone (convolutions round
differently at another batch size, by ~1e-6); a margin of 1e-4 of the clean one survives that and
costs about 1e-4 of the distance (the margin is close to linear along the segment there).

The segment search aims at a margin of −τ; the re-check of every candidate (``closest``) accepts
−τ/2, so a point the search left at −τ is not rejected by a rounding difference of the re-check's
batch (it was: a linear model's margin moved by 2e-7 between two batch compositions).

The segment search is a safeguarded false position (Illinois) on ``margin + τ`` along
``[x, adversarial]``: the margin is piecewise linear for ReLU nets, so it converges in a few
forward passes where plain bisection needs ``log2(1/tolerance)`` of them.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from boundary_core.search.counting import rows
from boundary_core.search.geometry import (
    Bounds,
    batch_norm_l2,
    clamp_bounds,
    logit_margin,
    per_sample,
)
from boundary_core.search.result import BoundaryResult

MARGIN_PAST = 1e-4  # required margin past the boundary, as a fraction of the clean margin
MARGIN_FLOOR = 1e-5  # ... and at least this × (1 + max |logit|): float32 rounding at a near-tie
TOLERANCE = 1e-3  # segment search stops when the bracket is this fraction of the distance
MAX_SEGMENT_STEPS = 40
EXTENSIONS = (1.02, 1.1)  # a candidate not yet τ past is pushed this much further along [x, x_adv]


@dataclass(frozen=True)
class Origin:
    """The inputs a search starts from: ``x (B, ...)``, their labels, clean margins and ``τ``."""

    x: Tensor
    labels: Tensor
    margin: Tensor
    tau: Tensor
    logits: Tensor

    @property
    def classes(self) -> int:
        return self.logits.shape[1]

    def rows(self, index: Tensor) -> "Origin":
        return Origin(
            self.x[index],
            self.labels[index],
            self.margin[index],
            self.tau[index],
            self.logits[index],
        )


@torch.no_grad()
def origin_of(model: nn.Module, x: Tensor) -> Origin:
    """Labels, clean margins and the required margin past the boundary (one forward pass)."""
    logits = model(x)
    labels = logits.argmax(dim=1)
    margin = logit_margin(logits, labels)
    floor = MARGIN_FLOOR * (1 + logits.abs().amax(dim=1))
    return Origin(x, labels, margin, torch.maximum(MARGIN_PAST * margin, floor), logits)


@torch.no_grad()
def predict(model: nn.Module, x: Tensor) -> Tensor:
    """``argmax`` labels ``(B,)`` of ``model`` at ``x``."""
    return model(x).argmax(dim=1)


@torch.no_grad()
def past_margin(model: nn.Module, points: Tensor, origin: Origin) -> Tensor:
    """``margin(points) + τ`` per row: ≤ 0 exactly where a point counts as across."""
    return logit_margin(model(points), origin.labels) + origin.tau


def _past_margin_rows(model: nn.Module, points: Tensor, origin: Origin, index: Tensor) -> Tensor:
    """``past_margin`` for the rows ``index`` of ``origin`` (counted as those rows' passes)."""
    with rows(model, index):
        return past_margin(model, points, origin.rows(index))


@torch.no_grad()
def bisect_to_boundary(
    model: nn.Module,
    origin: Origin,
    adversarial: Tensor,
    *,
    bounds: Bounds = (0.0, 1.0),
    tolerance: float = TOLERANCE,
) -> Tensor:
    """Move each candidate along ``[x, adversarial]`` to ``τ`` past the first crossing found.

    Keeps the invariant that the upper end is ``τ`` past the boundary, so the result is across
    whenever the candidate was (a candidate short of ``τ`` is first pushed ``EXTENSIONS`` further,
    clamped to ``bounds``). Stops when the bracket is ``tolerance`` of the distance. Rows with no
    valid upper end (or NaN rows) come back NaN. Forward passes only, on the rows still searching.
    """
    x = origin.x
    finite = torch.isfinite(adversarial.flatten(1)).all(dim=1)
    direction = torch.where(per_sample(finite, x), adversarial - x, torch.zeros_like(x))
    value_high = past_margin(model, x + direction, origin)
    for scale in EXTENSIONS:
        short = finite & (value_high > 0)
        if not short.any():
            break
        index = short.nonzero().squeeze(1)
        pushed = clamp_bounds(x[index] + scale * direction[index], bounds)
        direction[index] = pushed - x[index]
        value_high[index] = _past_margin_rows(model, pushed, origin, index)
    valid = finite & (value_high <= 0)
    high = torch.ones(x.shape[0], dtype=x.dtype, device=x.device)
    low = torch.zeros_like(high)
    value_low = origin.margin + origin.tau
    _false_position(model, origin, direction, valid, (low, high, value_low, value_high), tolerance)
    refined = x + per_sample(high, x) * direction
    return torch.where(per_sample(valid, x), refined, torch.full_like(x, float("nan")))


def _false_position(model, origin, direction, valid, bracket, tolerance) -> None:
    """Illinois false position on ``margin + τ`` over ``t ∈ [low, high]``, in place."""
    low, high, value_low, value_high = bracket
    last = torch.zeros_like(high)  # +1: the last step moved high, −1: it moved low
    for _ in range(MAX_SEGMENT_STEPS):
        active = valid & (high - low > tolerance * high)
        if not active.any():
            return
        index = active.nonzero().squeeze(1)
        lo, hi, v_lo, v_hi = low[index], high[index], value_low[index], value_high[index]
        width = hi - lo
        guess = hi - v_hi * width / (v_hi - v_lo).clamp_max(-1e-30)
        t = guess.nan_to_num(0.5).clamp(lo + 0.01 * width, hi - 0.01 * width)
        points = origin.x[index] + per_sample(t, direction[index]) * direction[index]
        value = _past_margin_rows(model, points, origin, index)
        crossed = value <= 0
        repeat_high = crossed & (last[index] > 0)
        repeat_low = ~crossed & (last[index] < 0)
        high[index] = torch.where(crossed, t, hi)
        value_high[index] = torch.where(crossed, value, v_hi)
        low[index] = torch.where(crossed, lo, t)
        value_low[index] = torch.where(crossed, v_lo / torch.where(repeat_high, 2.0, 1.0), value)
        value_high[index] = torch.where(repeat_low, value_high[index] / 2, value_high[index])
        last[index] = torch.where(crossed, 1.0, -1.0).to(last.dtype)


@torch.no_grad()
def closest(
    model: nn.Module,
    origin: Origin,
    best: BoundaryResult,
    candidate: Tensor,
    method: str | Sequence[str],
) -> BoundaryResult:
    """Fold ``candidate`` into ``best``: keep, per sample, the closer point that is really ``τ``
    past the boundary (re-checked with the model here, whatever the attack claimed). ``method``
    names the attack, for all samples or per sample."""
    methods = (method,) * len(best) if isinstance(method, str) else tuple(method)
    x = origin.x
    logits = model(candidate)
    labels = logits.argmax(dim=1)
    across = logit_margin(logits, origin.labels) <= -origin.tau / 2  # searched to −τ; rounding
    distance = batch_norm_l2(candidate - x)
    is_better = across & (labels != origin.labels) & (distance < best.distance)
    is_better &= torch.isfinite(candidate.flatten(1)).all(dim=1)
    return BoundaryResult(
        point=torch.where(per_sample(is_better, x), candidate, best.point),
        found=best.found | is_better,
        distance=torch.where(is_better, distance, best.distance),
        label=torch.where(is_better, labels, best.label),
        original_label=best.original_label,
        method=tuple(
            new if better else old
            for better, new, old in zip(is_better.tolist(), methods, best.method, strict=True)
        ),
        gradient_evals=best.gradient_evals,
        forward_evals=best.forward_evals,
    )
