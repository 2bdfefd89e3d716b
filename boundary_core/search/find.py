"""``find_boundary``: one entry point for every boundary-search preset."""

from collections.abc import Callable
from dataclasses import replace

import torch
from torch import Tensor, nn

from boundary_core.checks import require_int
from boundary_core.search.bisection import Origin, bisect_to_boundary, closest, origin_of
from boundary_core.search.counting import Counted, rows
from boundary_core.search.ddn import STRONGEST, ddn_l2
from boundary_core.search.ensemble import PaperBudget, paper_search
from boundary_core.search.geometry import Bounds, normalize_l2, per_sample
from boundary_core.search.ranking import rank_classes
from boundary_core.search.refine import project_to_normal
from boundary_core.search.result import BoundaryResult, empty_result

PRESETS = ("fast", "paper")
Progress = Callable[[float, str], None]


MAX_SEARCH_STEPS = 10_000  # per attack; 10× the strongest reference attack we run
MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed's range
FAST_STEPS = 33  # DDN steps per run (bench search; 4 runs × 33 fit CIFAR-10's 1/5 of the paper's)
LARGE_INPUT = 64 * 64 * 3  # above this many features (a 224² ResNet-50: 0.27 s a gradient) ...
LARGE_INPUT_STEPS = 15  # ... 15 steps per run: 71 gradients, what 3 runs × 20 cost before
FAST_TARGETS = 3  # classes the fast preset aims at, nearest first by the first-order ranking
FREE_RUNS = 1  # runs aimed at the strongest other class wherever they stand (FMN's untargeted loss)
FREE_RADIUS = 0.5  # ... starting at this fraction of the nearest first-order radius
# Where the distance found is below SECOND_RUN_BELOW × the nearest first-order radius, the linear
# model behind the ranking was wrong for this image (the ranking with it): one more free run, kept
# off the targeted classes, from SECOND_RUN_RADIUS × the distance found (docs/search.md).
SECOND_RUN_BELOW = 0.6
SECOND_RUN_RADIUS = 0.5
RANKED_CLASSES = 9  # classes ranked (highest logits first): one backward pass each
NORMAL_STEPS = 2  # normal projections of the winning point (refine.py): one gradient each
LOW_DIMENSION = 64  # inputs with at most this many features get random restarts by default
LOW_DIMENSION_RESTARTS = 8
LOW_DIMENSION_STEPS = 50  # gradients cost nothing in 2-D; 20 left 2 of 200 toy queries > 1.02×


def fast_gradients(features: int, steps: int | None = None) -> int:
    """Most gradients the fast preset spends on one image of ``features`` numbers of a model with
    at least ``RANKED_CLASSES + 1`` classes, without random restarts (images): the class ranking,
    ``FAST_TARGETS + FREE_RUNS`` DDN runs, the normal projections and the second run (176 on a
    64×64 shape, 86 on a 224² photo; 143 and 71 where no second run is needed; counted by the
    hooks in ``counting.py``)."""
    if steps is None:
        steps = FAST_STEPS if features <= LARGE_INPUT else LARGE_INPUT_STEPS
    return RANKED_CLASSES + (FAST_TARGETS + FREE_RUNS + 1) * steps + NORMAL_STEPS


def fast_signature() -> str:
    """The fast preset's settings in one short string (names cached benchmark results)."""
    return (
        f"r{RANKED_CLASSES}t{FAST_TARGETS}f{FREE_RUNS}x{FREE_RADIUS:g}"
        f"s{FAST_STEPS}l{LARGE_INPUT_STEPS}n{NORMAL_STEPS}"
        f"b{SECOND_RUN_BELOW:g}r{SECOND_RUN_RADIUS:g}"
    )


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
    to 64×64 RGB, ``LARGE_INPUT_STEPS`` beyond (docs/search.md has the runs behind each number;
    at 224² a ResNet-50 gradient costs 0.27 s on one core).
    """
    features = x[0].numel()
    if features <= LOW_DIMENSION:
        return LOW_DIMENSION_STEPS
    return FAST_STEPS if features <= LARGE_INPUT else LARGE_INPUT_STEPS


def _aims(classes: Tensor, radii: Tensor, chosen: int) -> tuple[Tensor, Tensor]:
    """Per image ``(B, T)`` classes and starting radii of the DDN runs: the ``chosen`` nearest
    ranked classes, then ``FREE_RUNS`` runs at ``STRONGEST`` from ``FREE_RADIUS`` × the nearest
    radius where more classes exist than are aimed at (else every class already has its run)."""
    aims, starts = classes[:, :chosen], radii[:, :chosen]
    if classes.shape[1] > chosen and FREE_RUNS:
        free = torch.full_like(classes[:, :FREE_RUNS], STRONGEST)
        aims = torch.cat([aims, free], dim=1)
        starts = torch.cat([starts, FREE_RADIUS * radii[:, :1].expand(-1, FREE_RUNS)], dim=1)
    return aims, starts


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
    """Targeted DDN towards the ``targets`` classes whose linearised boundary is nearest, and
    ``FREE_RUNS`` runs towards whichever class is strongest along the way.

    Ranks ``RANKED_CLASSES`` classes (``ranking.py``), then runs ``1 + restarts`` DDN runs of
    ``steps`` steps towards each chosen class, each from the class's first-order radius, and (where
    the model has more classes than are aimed at) the free runs, which follow FMN's untargeted
    margin from ``FREE_RADIUS`` × the nearest radius: on a robust model the first-order radii
    overestimate the distance 2–3× and the nearest boundary is often with a class ranked lower
    (docs/search.md). All samples × runs go in one batch; every result is tightened by the segment
    search, the closest point τ past the boundary wins, and ``NORMAL_STEPS`` normal projections
    refine it; then ``second_run`` for the images whose ranking proved wrong. Costs
    ``min(RANKED_CLASSES, K−1) + T·(1 + restarts)·steps + NORMAL_STEPS`` gradients per sample
    (T = ``min(targets, K−1)``, plus ``FREE_RUNS`` if K − 1 > targets), and ``steps`` more where
    the second run fires.
    """
    x = origin.x
    classes, radii = rank_classes(model, x, origin.labels, RANKED_CLASSES)
    chosen = min(targets, classes.shape[1])
    aims, starts = _aims(classes, radii, chosen)
    columns = aims.shape[1]
    runs = 1 + restarts
    owner = torch.arange(x.shape[0], device=x.device).repeat_interleave(columns * runs)
    target = aims.repeat_interleave(runs, dim=1).flatten()  # (B·T·runs,)
    radius = starts.clamp_min(1e-6).repeat_interleave(runs, dim=1).flatten()
    start = _starts(origin, radius, runs, seed)
    tightened = _ddn_rows(
        model,
        origin,
        owner,
        bounds,
        steps=steps,
        targets=target,
        init_radius=radius,
        init_delta=start,
    )
    per_image = tightened.view(x.shape[0], columns * runs, *x.shape[1:])  # (B, T·runs, ...)
    distance = (per_image - x[:, None]).flatten(2).norm(dim=2)  # (B, T·runs), NaN: not found
    nearest = distance.nan_to_num(float("inf")).argmin(dim=1)
    point = per_image[torch.arange(x.shape[0], device=x.device), nearest]
    methods = [_method(int(n), runs, chosen) for n in nearest]
    best = closest(model, origin, best, point, methods)
    best = project_to_normal(model, origin, best, bounds=bounds, iterations=NORMAL_STEPS)
    if classes.shape[1] <= chosen or not FREE_RUNS:  # every class had its own run
        return best
    return second_run(model, origin, best, classes[:, :chosen], radii[:, 0], bounds, steps)


def second_run(
    model: nn.Module,
    origin: Origin,
    best: BoundaryResult,
    searched: Tensor,
    radius: Tensor,
    bounds: Bounds,
    steps: int,
) -> BoundaryResult:
    """One more free run for the images whose found distance is below ``SECOND_RUN_BELOW`` × the
    nearest first-order ``radius (B,)``: it aims at whichever class is strongest where it stands,
    except the ``searched (B, T)`` classes the targeted runs covered, from ``SECOND_RUN_RADIUS`` ×
    the distance found. On the robust shapes model the first-order radii overestimate the distance
    2–3× and the nearest boundary is then often with a class ranked below the targeted ones; on
    CIFAR-10's crops the rule fires on 9% of images, which keeps the mean cost inside 1/5 of the
    paper preset's (docs/search.md)."""
    again = (best.found & (best.distance < SECOND_RUN_BELOW * radius)).nonzero().squeeze(1)
    if again.numel() == 0:
        return best
    tightened = _ddn_rows(
        model,
        origin,
        again,
        bounds,
        steps=steps,
        targets=torch.full_like(again, STRONGEST),
        init_radius=SECOND_RUN_RADIUS * best.distance[again],
        avoid=searched[again],
    )
    candidate = torch.full_like(origin.x, float("nan"))
    candidate[again] = tightened
    return closest(model, origin, best, candidate, "ddn-second")


def _ddn_rows(model, origin: Origin, index: Tensor, bounds: Bounds, **ddn) -> Tensor:
    """DDN (``ddn_l2`` with the ``ddn`` arguments) from the samples ``index (R,)`` of ``origin``,
    each row charged to its sample, every result tightened by the segment search: ``(R, ...)``."""
    subset = origin.rows(index)
    with rows(model, index):
        adversarial = ddn_l2(model, subset.x, subset.labels, tau=subset.tau, bounds=bounds, **ddn)
        return bisect_to_boundary(model, subset, adversarial, bounds=bounds)


def _method(column_run: int, runs: int, chosen: int) -> str:
    """Name of the run that won: ``ddn`` (targeted), ``ddn-free`` (``STRONGEST``), ``-restart``
    when it started from a random direction."""
    name = "ddn" if column_run // runs < chosen else "ddn-free"
    return name if column_run % runs == 0 else f"{name}-restart"


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
        preset: ``"fast"`` (DDN towards the classes a first-order ranking puts nearest, one
            run towards whichever class is strongest along the way, and a second such run where
            the ranking proved wrong)
            or ``"paper"`` (PGD ladder + CW + AutoPGD); both end with the segment search.
        bounds: input box the points must stay in; ``None`` for unbounded inputs (fast only).
        seed: makes the search deterministic.
        steps: DDN iterations per run for ``fast`` (default ``default_steps``); for
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
