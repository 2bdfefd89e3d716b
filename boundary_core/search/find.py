"""``find_boundary``: one entry point for every boundary-search preset."""

from collections.abc import Callable

import torch
from torch import Tensor, nn

from boundary_core.search.bisection import bisect_to_boundary, closest, predict
from boundary_core.search.ddn import ddn_l2
from boundary_core.search.ensemble import PaperBudget, paper_search
from boundary_core.search.geometry import Bounds
from boundary_core.search.result import BoundaryResult, empty_result

PRESETS = ("fast", "paper")
Progress = Callable[[float, str], None]


FAST_STEPS = 50  # DDN steps; the search benchmark shows 25/50/100 reach the same median


def fast_search(
    model, x, labels, best, *, bounds: Bounds, steps: int = FAST_STEPS
) -> BoundaryResult:
    """DDN (``steps`` gradients, +1 for the first-order radius) then bisection on [x, x_adv]."""
    adversarial = ddn_l2(model, x, labels, steps=steps, bounds=bounds)
    found = torch.isfinite(adversarial.flatten(1)).all(dim=1)
    candidate = torch.where(found.view(-1, *[1] * (x.dim() - 1)), adversarial, x)
    candidate = bisect_to_boundary(model, x, candidate, labels)
    candidate[~found] = float("nan")
    return closest(model, x, best, candidate, "ddn", steps + 1)


def paper_budget(steps: int | None) -> PaperBudget:
    """Table 7's budget, or every attack cut to ``steps`` iterations."""
    if steps is None:
        return PaperBudget()
    return PaperBudget(pgd_steps=steps, cw_steps=steps, apgd_steps=steps)


def find_boundary(
    model: nn.Module,
    x: Tensor,
    *,
    preset: str = "fast",
    bounds: Bounds = (0.0, 1.0),
    seed: int = 0,
    steps: int | None = None,
    budget: PaperBudget | None = None,
    progress: Progress | None = None,
) -> BoundaryResult:
    """Closest point across the decision boundary of ``model`` for each sample (paper Def. 4.1).

    Args:
        model: maps ``x (B, ...)`` to logits ``(B, K)``; the label moved away from is its argmax.
        x: ``(B, ...)`` inputs (``[0, 1]`` pixels for images).
        preset: ``"fast"`` (DDN + bisection) or ``"paper"`` (PGD ladder + CW + AutoPGD + bisection).
        bounds: input box the points must stay in; ``None`` for unbounded inputs (fast only).
        seed: makes the search deterministic.
        steps: DDN iterations for ``fast`` (default ``FAST_STEPS``); for ``paper``, the steps of
            every attack (default: Table 7's 100) unless ``budget`` is given.
        budget: attack budgets for ``paper`` (default: Table 7 translated to pixel units).
        progress: optional ``callback(fraction, message)`` for long searches.
    Returns:
        ``BoundaryResult``; every ``found`` point is re-checked to be misclassified.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown search preset {preset!r}; choose one of {', '.join(PRESETS)}")
    if not torch.is_floating_point(x) or x.dim() < 2:
        raise ValueError(f"x must be a float tensor (B, ...), got {tuple(x.shape)} {x.dtype}")
    progress = progress or (lambda fraction, message: None)
    x = x.detach()
    labels = predict(model, x)
    best = empty_result(x, labels)
    if preset == "fast":
        progress(0.0, "DDN minimal-norm search")
        result = fast_search(model, x, labels, best, bounds=bounds, steps=steps or FAST_STEPS)
    else:
        result = paper_search(
            model, x, labels, best, bounds=bounds, seed=seed, budget=budget or paper_budget(steps),
            progress=progress,
        )  # fmt: skip
    progress(1.0, "done")
    return result
