"""``find_boundary``: one entry point for every boundary-search preset."""

from collections.abc import Callable
from dataclasses import replace

import torch
from torch import Tensor, nn

from boundary_core.checks import require_int
from boundary_core.search.bisection import Origin, bisect_to_boundary, closest, origin_of
from boundary_core.search.counting import Counted, rows
from boundary_core.search.ddn import ddn_l2
from boundary_core.search.ensemble import PaperBudget, paper_search
from boundary_core.search.geometry import Bounds, normalize_l2, per_sample
from boundary_core.search.ranking import rank_classes
from boundary_core.search.refine import project_to_normal
from boundary_core.search.result import BoundaryResult, empty_result

PRESETS = ("fast", "paper")
Progress = Callable[[float, str], None]


MAX_SEARCH_STEPS = 10_000  # per attack; 10× the strongest reference attack we run
MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed's range
FAST_STEPS = 40  # DDN steps per target class (bench search: the per-image ratios by steps)
LARGE_INPUT = 64 * 64 * 3  # above this many features (a 224² ResNet-50: 0.34 s a gradient) ...
LARGE_INPUT_STEPS = 20  # ... 20 steps per target, so the search costs what the old DDN-50 did
FAST_TARGETS = 3  # classes the fast preset aims at, nearest first by the first-order ranking
RANKED_CLASSES = 9  # classes ranked (highest logits first): one backward pass each
NORMAL_STEPS = 2  # normal projections of the winning point (refine.py): one gradient each
LOW_DIMENSION = 64  # inputs with at most this many features get random restarts by default
LOW_DIMENSION_RESTARTS = 8
LOW_DIMENSION_STEPS = 50  # gradients cost nothing in 2-D; 20 left 2 of 200 toy queries > 1.02×


def fast_gradients(features: int, steps: int | None = None) -> int:
    """Gradients the fast preset spends on one image of ``features`` numbers, without random
    restarts (images): the class ranking, ``FAST_TARGETS`` DDN runs and the normal projections
    (131 on a 64×64 shape, 71 on a 224² photo; counted by the hooks in ``counting.py``)."""
    if steps is None:
        steps = FAST_STEPS if features <= LARGE_INPUT else LARGE_INPUT_STEPS
    return RANKED_CLASSES + FAST_TARGETS * steps + NORMAL_STEPS


def default_restarts(x: Tensor) -> int:
    """Random DDN restarts per target for the fast preset: 8 in low dimension, none for images.

    In 2-D the closest boundary often lies away from the gradient direction (the toy benchmark:
    up to 1.86× the exact distance from a single start), and a few random directions cover the
    circle. In image space random directions carry no information about the boundary, so the
    budget goes to the gradient-led runs instead.
    """
    return LOW_DIMENSION_RESTARTS if x[0].numel() <= LOW_DIMENSION else 0


def default_steps(x: Tensor) -> int:
    """DDN steps per run for the fast preset: ``LOW_DIMENSION_STEPS`` in 2-D, ``FAST_STEPS`` up
    to 64×64 RGB, ``LARGE_INPUT_STEPS`` beyond. On shapes-robust (40 images) 20 steps per target
    left a 95th percentile of 1.14× the reference and 40 steps 1.05×; at 224² a step costs 0.34 s.
    """
    features = x[0].numel()
    if features <= LOW_DIMENSION:
        return LOW_DIMENSION_STEPS
    return FAST_STEPS if features <= LARGE_INPUT else LARGE_INPUT_STEPS


def _starts(origin: Origin, radius: Tensor, runs: int, seed: int) -> Tensor:
    """``(B·T·runs, ...)`` starting perturbations: zero for the first run of each (sample,
    target), random directions at the first-order radius for the others."""
    x = origin.x
    shape = (radius.shape[0], *x.shape[1:])
    generator = torch.Generator(device=x.device).manual_seed(seed)
    directions = normalize_l2(
        torch.randn(shape, generator=generator, device=x.device, dtype=x.dtype)
    )
    start = directions * per_sample(radius, directions)
    start[0::runs] = 0
    return start


def fast_search(
    model,
    origin: Origin,
    best: BoundaryResult,
    *,
    bounds: Bounds,
    steps: int = FAST_STEPS,
    restarts: int = 0,
    seed: int = 0,
    targets: int = FAST_TARGETS,
) -> BoundaryResult:
    """Targeted DDN towards the ``targets`` classes whose linearised boundary is nearest.

    Ranks ``RANKED_CLASSES`` classes (``ranking.py``), then runs ``1 + restarts`` DDN runs of
    ``steps`` steps towards each chosen class, all samples × targets × runs in one batch, each from
    the class's first-order radius; every result is tightened by the segment search, and the
    closest point τ past the boundary wins, and ``NORMAL_STEPS`` normal projections refine it.
    Costs ``min(RANKED_CLASSES, K−1) + T·(1 + restarts)·steps + NORMAL_STEPS`` gradients per
    sample (T = ``min(targets, K−1)``).
    """
    x = origin.x
    classes, radii = rank_classes(model, x, origin.labels, RANKED_CLASSES)
    chosen = min(targets, classes.shape[1])
    runs = 1 + restarts
    owner = torch.arange(x.shape[0], device=x.device).repeat_interleave(chosen * runs)
    target = classes[:, :chosen].repeat_interleave(runs, dim=1).flatten()  # (B·T·runs,)
    radius = radii[:, :chosen].clamp_min(1e-6).repeat_interleave(runs, dim=1).flatten()
    start = _starts(origin, radius, runs, seed)
    rows_origin = origin.rows(owner)
    with rows(model, owner):
        adversarial = ddn_l2(
            model,
            rows_origin.x,
            rows_origin.labels,
            steps=steps,
            tau=rows_origin.tau,
            targets=target,
            init_radius=radius,
            init_delta=start,
            bounds=bounds,
        )
        tightened = bisect_to_boundary(model, rows_origin, adversarial, bounds=bounds)
    per_image = tightened.view(x.shape[0], chosen * runs, *x.shape[1:])  # (B, T·runs, ...)
    distance = (per_image - x[:, None]).flatten(2).norm(dim=2)  # (B, T·runs), NaN: not found
    nearest = distance.nan_to_num(float("inf")).argmin(dim=1)
    point = per_image[torch.arange(x.shape[0], device=x.device), nearest]
    methods = ["ddn" if int(n) % runs == 0 else "ddn-restart" for n in nearest]
    best = closest(model, origin, best, point, methods)
    return project_to_normal(model, origin, best, bounds=bounds, iterations=NORMAL_STEPS)


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
        preset: ``"fast"`` (targeted DDN towards the classes a first-order ranking puts nearest)
            or ``"paper"`` (PGD ladder + CW + AutoPGD); both end with the segment search.
        bounds: input box the points must stay in; ``None`` for unbounded inputs (fast only).
        seed: makes the search deterministic.
        steps: DDN iterations per target class for ``fast`` (default ``default_steps``); for
            ``paper``, the steps of
            every attack (default: Table 7's 100) unless ``budget`` is given.
        budget: attack budgets for ``paper`` (default: Table 7 translated to pixel units).
        restarts: extra random-direction DDN runs per target for ``fast`` (default:
            ``default_restarts``).
        progress: optional ``callback(fraction, message)`` for long searches.
    Returns:
        ``BoundaryResult``; every ``found`` point has a logit margin ≤ −τ (``bisection.py``), so it
        stays misclassified when evaluated at another batch size; ``gradient_evals`` and
        ``forward_evals`` are the passes the model really ran, per sample.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown search preset {preset!r}; choose one of {', '.join(PRESETS)}")
    if not torch.is_floating_point(x) or x.dim() < 2:
        raise ValueError(f"x must be a float tensor (B, ...), got {tuple(x.shape)} {x.dtype}")
    check_search_arguments(steps=steps, restarts=restarts, seed=seed)
    progress = progress or (lambda fraction, message: None)
    x = x.detach().contiguous()  # pyautoattack's AutoPGD .view()s its inputs
    counted = Counted(model, x.shape[0], x.device)
    origin = origin_of(counted, x)
    best = empty_result(x, origin.labels)
    if preset == "fast":
        progress(0.0, "targeted DDN minimal-norm search")
        restarts = default_restarts(x) if restarts is None else restarts
        result = fast_search(
            counted,
            origin,
            best,
            bounds=bounds,
            steps=default_steps(x) if steps is None else steps,
            restarts=restarts,
            seed=seed,
        )
    else:
        result = paper_search(
            counted,
            origin,
            best,
            bounds=bounds,
            seed=seed,
            budget=budget or paper_budget(steps),
            progress=progress,
        )
    progress(1.0, "done")
    return replace(result, gradient_evals=counted.gradients, forward_evals=counted.forwards)
