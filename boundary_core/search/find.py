"""``find_boundary``: one entry point for every boundary-search preset."""

from collections.abc import Callable

import torch
from torch import Tensor, nn

from boundary_core.checks import require_int
from boundary_core.search.bisection import bisect_to_boundary, closest, predict
from boundary_core.search.ddn import ddn_l2, linearised_distance, margin_and_gradient
from boundary_core.search.ensemble import PaperBudget, paper_search
from boundary_core.search.geometry import Bounds, clamp_bounds, normalize_l2, per_sample
from boundary_core.search.result import BoundaryResult, empty_result

PRESETS = ("fast", "paper")
Progress = Callable[[float, str], None]


MAX_SEARCH_STEPS = 10_000  # per attack; 10× the strongest reference attack we run
MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed's range
FAST_STEPS = 50  # DDN steps; the search benchmark shows 25/50/100 reach the same median
LOW_DIMENSION = 64  # inputs with at most this many features get random restarts by default
LOW_DIMENSION_RESTARTS = 8
FIRST_ORDER_OVERSHOOTS = (1.25, 2.0, 4.0)  # multiples of the first-order radius tried, in order


def default_restarts(x: Tensor) -> int:
    """Random DDN restarts for the fast preset: 8 in low dimension, none for images.

    In 2-D the closest boundary often lies away from the gradient direction (the toy benchmark:
    up to 1.86× the exact distance from a single start), and a few random directions cover the
    circle. In image space random directions carry no information about the boundary, so the
    budget goes to the single gradient-led run instead.
    """
    return LOW_DIMENSION_RESTARTS if x[0].numel() <= LOW_DIMENSION else 0


def _ddn_candidate(model, x, labels, *, bounds, steps, init_delta=None, radius=None) -> Tensor:
    """DDN then bisection on [x, x_adv]; NaN rows where DDN found nothing."""
    adversarial = ddn_l2(
        model, x, labels, steps=steps, bounds=bounds, init_radius=radius, init_delta=init_delta
    )
    return _bisect_found_rows(model, x, adversarial, labels)


def _bisect_found_rows(model, x, adversarial, labels) -> Tensor:
    """Bisection on [x, adversarial] for the finite rows of ``adversarial``; NaN rows stay NaN."""
    found = torch.isfinite(adversarial.flatten(1)).all(dim=1)
    start = torch.where(per_sample(found, x), adversarial, x)
    refined = bisect_to_boundary(model, x, start, labels)
    refined[~found] = float("nan")
    return refined


@torch.no_grad()
def _first_order_candidate(model, x, labels, margin_gradient, radius, *, bounds) -> Tensor:
    """One linearised (DeepFool-style) step along ``−∇margin``, then bisection.

    The step goes to the smallest multiple in ``FIRST_ORDER_OVERSHOOTS`` of the first-order radius
    that crosses the boundary; NaN rows where none does. It costs forward passes only (the gradient
    is the one the radius estimate already took). DDN follows the cross-entropy gradient instead,
    which at a near-tie can point away from the nearest boundary: on the ε = 2.8 robust shapes
    model (08_distractor_circle: hexagon 0.332, circle 0.331, square 0.247) the two directions
    have cosine −0.22, DDN-50 found no boundary point at all, and this step crosses at 1.25× the
    radius (0.022; bisected, 0.018).
    """
    direction = -normalize_l2(margin_gradient)
    candidate = torch.full_like(x, float("nan"))
    found = torch.zeros(x.shape[0], dtype=torch.bool, device=x.device)
    for overshoot in FIRST_ORDER_OVERSHOOTS:
        point = clamp_bounds(x + per_sample(overshoot * radius, x) * direction, bounds)
        crossed = (predict(model, point) != labels) & ~found
        candidate = torch.where(per_sample(crossed, x), point, candidate)
        found |= crossed
    return _bisect_found_rows(model, x, candidate, labels)


def fast_search(
    model,
    x,
    labels,
    best,
    *,
    bounds: Bounds,
    steps: int = FAST_STEPS,
    restarts: int = 0,
    seed: int = 0,
) -> BoundaryResult:
    """DDN from x (``steps`` gradients, +1 for the first-order radius) and one first-order step,
    plus ``restarts`` DDN runs from random directions at that radius (run as one batch), each
    followed by bisection; the closest point that is really across the boundary wins."""
    margin, margin_gradient = margin_and_gradient(model, x, labels)
    radius = linearised_distance(margin, margin_gradient).clamp_min(1e-6)
    candidate = _ddn_candidate(model, x, labels, bounds=bounds, steps=steps, radius=radius)
    best = closest(model, x, best, candidate, "ddn", steps + 1)
    step = _first_order_candidate(model, x, labels, margin_gradient, radius, bounds=bounds)
    best = closest(model, x, best, step, "first-order", 0)
    if restarts == 0:
        return best
    generator = torch.Generator(device=x.device).manual_seed(seed)
    repeated = x.repeat_interleave(restarts, dim=0)  # (B·R, ...)
    directions = normalize_l2(
        torch.randn(repeated.shape, generator=generator, device=x.device, dtype=x.dtype)
    )
    start = directions * per_sample(radius.repeat_interleave(restarts), repeated)
    candidates = _ddn_candidate(
        model,
        repeated,
        labels.repeat_interleave(restarts),
        bounds=bounds,
        steps=steps,
        init_delta=start,
        radius=radius.repeat_interleave(restarts),
    ).view(x.shape[0], restarts, *x.shape[1:])  # (B·R, ...) -> (B, R, ...)
    for index in range(restarts):
        best = closest(model, x, best, candidates[:, index], "ddn-restart", steps)
    return best


def check_search_arguments(*, steps: int | None, restarts: int | None, seed: int) -> None:
    """One ``ValueError`` for a budget no search can honour: steps in [1, ``MAX_SEARCH_STEPS``]
    (never silently replaced), restarts in [0, ``MAX_SEARCH_STEPS``], a seed torch accepts."""
    if steps is not None:
        require_int("search steps", steps, 1, MAX_SEARCH_STEPS)
    if restarts is not None:
        require_int("search restarts", restarts, 0, MAX_SEARCH_STEPS)
    require_int("seed", seed, 0, MAX_SEED)


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
    restarts: int | None = None,
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
        restarts: extra random-direction DDN runs for ``fast`` (default: ``default_restarts``).
        progress: optional ``callback(fraction, message)`` for long searches.
    Returns:
        ``BoundaryResult``; every ``found`` point is re-checked to be misclassified.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown search preset {preset!r}; choose one of {', '.join(PRESETS)}")
    if not torch.is_floating_point(x) or x.dim() < 2:
        raise ValueError(f"x must be a float tensor (B, ...), got {tuple(x.shape)} {x.dtype}")
    check_search_arguments(steps=steps, restarts=restarts, seed=seed)
    progress = progress or (lambda fraction, message: None)
    x = x.detach().contiguous()  # pyautoattack's AutoPGD .view()s its inputs
    labels = predict(model, x)
    best = empty_result(x, labels)
    if preset == "fast":
        progress(0.0, "DDN minimal-norm search")
        restarts = default_restarts(x) if restarts is None else restarts
        result = fast_search(
            model,
            x,
            labels,
            best,
            bounds=bounds,
            steps=FAST_STEPS if steps is None else steps,
            restarts=restarts,
            seed=seed,
        )
    else:
        result = paper_search(
            model,
            x,
            labels,
            best,
            bounds=bounds,
            seed=seed,
            budget=budget or paper_budget(steps),
            progress=progress,
        )
    progress(1.0, "done")
    return result
