"""``evaluate``: stream labelled images with boxes through search, attributions and metrics.

Bounded memory: each batch's maps are scored and dropped; only per-image floats are kept
(``scores``). Only correctly classified images are evaluated (paper §5, "correctly-classified
images"); the rest are counted as skipped. Every per-image number depends on the image, the model
and the seed only, not on the batch size: the methods that draw random numbers (SmoothGrad's noise,
AGI's false classes, the noise baseline) run image by image with a seed derived from the image's
index, and BSM/BIG run on the images whose boundary point was found (NaN elsewhere, never a
non-adversarial x′).
"""

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import torch
from torch import Tensor, nn

from boundary_core.evaluation.scores import batch_scores
from boundary_core.maps import Attributions, attribute_all
from boundary_core.methods import (
    BOUNDARY_METHODS,
    DEFAULT_METHODS,
    RANDOM_METHODS,  # seeded per image so batching cannot change them
    Settings,
    parse_methods,
)
from boundary_core.search import PRESETS, BoundaryResult, find_boundary


@dataclass(frozen=True)
class EvalBatch:
    """Labelled images with one ground-truth box each."""

    images: Tensor  # (B, C, H, W) in [0, 1]
    labels: Tensor  # (B,) int64
    boxes: Tensor  # (B, 4) int64, half-open (x0, y0, x1, y1)
    indices: Tensor  # (B,) int64, position in the dataset (seeds per-image randomness)
    skipped: dict[str, int] = field(default_factory=dict)  # images left out before, and why

    def __len__(self) -> int:
        return self.labels.shape[0]


@dataclass(frozen=True)
class Evaluation:
    """Per-image scores of every evaluated (correctly classified) image, and the run's facts.

    ``scores`` maps names (see ``evaluation.scores``, plus ``index`` and ``boundary.*``) to arrays
    with one row per evaluated image; ``summary`` turns them into the paper's tables.
    """

    methods: tuple[str, ...]
    scores: dict[str, np.ndarray]
    n_images: int  # images streamed, correct or not
    preset: str
    search_steps: int | None
    settings: Settings
    boundary_methods: dict[str, int]  # which attack won, counted over found points
    unavailable: dict[str, str]  # method -> reason it could not be computed
    seconds: dict[str, float]

    @property
    def n_evaluated(self) -> int:
        return int(self.scores["index"].shape[0])

    def __repr__(self) -> str:
        return (
            f"Evaluation(n_images={self.n_images}, n_evaluated={self.n_evaluated}, "
            f"methods={self.methods}, preset={self.preset!r})"
        )

    def summary(self) -> dict:
        from boundary_core.evaluation.summary import summarize

        return summarize(self)


@dataclass
class _Tally:
    """What a run accumulates besides scores: seconds per stage, reasons, winning attacks."""

    seconds: dict[str, float] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    winners: Counter = field(default_factory=Counter)

    def spent(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds


def image_seed(seed: int, index: int) -> int:
    """The seed of image ``index``'s random draws (distinct for every (seed, index < 10⁶))."""
    return seed * 1_000_003 + index


def _select(result: BoundaryResult, keep: Tensor) -> BoundaryResult:
    """The rows ``keep (B,) bool`` of a boundary result."""
    return replace(
        result,
        point=result.point[keep],
        found=result.found[keep],
        distance=result.distance[keep],
        label=result.label[keep],
        original_label=result.original_label[keep],
        method=tuple(m for m, k in zip(result.method, keep.tolist(), strict=True) if k),
        gradient_evals=result.gradient_evals[keep],
        forward_evals=None if result.forward_evals is None else result.forward_evals[keep],
    )


def _scatter(values: dict[str, Tensor], rows: Tensor, size: int) -> dict[str, Tensor]:
    """Place each ``(R, ...)`` tensor at ``rows (R,)`` of a NaN tensor with ``size`` rows."""
    out = {}
    for name, tensor in values.items():
        full = torch.full(
            (size, *tensor.shape[1:]), float("nan"), dtype=tensor.dtype, device=tensor.device
        )
        full[rows] = tensor
        out[name] = full
    return out


def _per_image(model, x, target, indices, boundary, methods, settings) -> Attributions:
    """``methods`` image by image, each with its own seed (``image_seed``), concatenated."""
    rows = torch.eye(len(x), dtype=torch.bool, device=x.device)  # row r selects image r
    results = [
        attribute_all(
            model,
            x[row : row + 1],
            target[row : row + 1],
            _select(boundary, rows[row]),
            methods,
            replace(settings, seed=image_seed(settings.seed, index)),
        )
        for row, index in enumerate(indices.tolist())
    ]
    return Attributions.concatenate(results)


def _attribute(model, x, target, indices, boundary, methods, settings, tally: _Tally):
    """All maps ``(B, C, H, W)`` and deltas ``(B,)`` of one batch of correctly classified images;
    rows of NaN where a boundary method had no boundary point."""
    everyone = torch.arange(len(x), device=x.device)
    plain = tuple(m for m in methods if m not in BOUNDARY_METHODS and m not in RANDOM_METHODS)
    # ``boundary`` is passed even where unused: ``attribute_all`` reads it eagerly.
    parts = [(everyone, attribute_all(model, x, target, boundary, plain, settings))]
    random = tuple(m for m in methods if m in RANDOM_METHODS)
    if random:
        parts.append((everyone, _per_image(model, x, target, indices, boundary, random, settings)))
    on_boundary = tuple(m for m in methods if m in BOUNDARY_METHODS)
    found = boundary.found
    if on_boundary and found.any():
        rows = torch.nonzero(found).flatten()
        sub = _select(boundary, found)
        parts.append(
            (rows, attribute_all(model, x[rows], target[rows], sub, on_boundary, settings))
        )
    maps, deltas = {}, {}
    for rows, result in parts:
        maps |= _scatter(result.maps, rows, len(x))
        deltas |= _scatter(result.deltas, rows, len(x))
        for name, seconds in result.seconds.items():
            tally.spent(f"attribution.{name}", seconds)
        tally.unavailable |= result.unavailable
    return maps, deltas


def _boundary_scores(boundary: BoundaryResult) -> dict[str, np.ndarray]:
    found = boundary.found.cpu().numpy()
    distance = boundary.distance.cpu().double().numpy()
    return {
        "boundary.found": found.astype(np.float64),
        "boundary.distance": np.where(found, distance, np.nan),
        "boundary.gradient_evals": boundary.gradient_evals.cpu().double().numpy(),
    }


def _evaluate_batch(model, batch, methods, preset, steps, settings, tally: _Tally):
    """Per-image scores of the correctly classified images of ``batch`` (maps are dropped)."""
    device = next(model.parameters(), torch.empty(0)).device
    x, labels = batch.images.to(device), batch.labels.to(device)
    with torch.no_grad():
        correct = model(x).argmax(dim=1) == labels
    if not correct.any():
        return {}
    x, target = x[correct], labels[correct]
    start = time.perf_counter()
    boundary = find_boundary(model, x, preset=preset, seed=settings.seed, steps=steps)
    tally.spent("search", time.perf_counter() - start)
    found = boundary.found.tolist()
    tally.winners.update(m for m, ok in zip(boundary.method, found, strict=True) if ok)
    keep = correct.cpu()
    maps, deltas = _attribute(
        model, x, target, batch.indices[keep], boundary, methods, settings, tally
    )
    start = time.perf_counter()
    scores = batch_scores(maps, deltas, batch.boxes[keep].numpy())
    tally.spent("metrics", time.perf_counter() - start)
    scores |= _boundary_scores(boundary)
    scores["index"] = batch.indices[keep].double().numpy()
    return scores


def score_batch(
    model: nn.Module,
    batch: EvalBatch,
    *,
    methods: tuple[str, ...],
    preset: str,
    steps: int | None,
    settings: Settings,
) -> tuple[dict[str, np.ndarray], dict]:
    """One batch as ``evaluate`` scores it: per-image scores of its correctly classified images,
    and its facts (``counts.n_images``, winning attacks, unavailable methods, seconds), JSON-able,
    for a shard file (``evaluation.shards``)."""
    tally = _Tally()
    start = time.perf_counter()
    scores = (
        _evaluate_batch(model, batch, tuple(methods), preset, steps, settings, tally)
        if len(batch)
        else {}
    )
    tally.spent("total", time.perf_counter() - start)
    skipped = {f"n_skipped_{reason}": count for reason, count in batch.skipped.items()}
    facts = {
        "counts": {"n_images": len(batch)} | skipped,
        "winners": dict(tally.winners),
        "unavailable": dict(tally.unavailable),
        "seconds": dict(tally.seconds),
    }
    return scores, facts


def _concatenate(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Stack per-batch scores; a key missing from a batch (e.g. BSM where no point was found in
    it) becomes NaN rows there."""
    parts = [part for part in parts if part]
    shapes = {name: values.shape[1:] for part in parts for name, values in part.items()}
    out = {}
    for name, shape in shapes.items():
        out[name] = np.concatenate(
            [part.get(name, np.full((len(part["index"]), *shape), np.nan)) for part in parts]
        )
    return out or {"index": np.zeros(0)}


def evaluate(
    model: nn.Module,
    batches: Iterable[EvalBatch],
    *,
    methods: tuple[str, ...] = DEFAULT_METHODS,
    preset: str = "fast",
    steps: int | None = None,
    settings: Settings | None = None,
    progress: Callable[[int], None] | None = None,
) -> Evaluation:
    """Score every attribution method on the correctly classified images of ``batches``.

    Args:
        model: classifier in eval mode; ``x (B, C, H, W)`` in ``[0, 1]`` -> logits ``(B, K)``.
        batches: images with labels and ground-truth boxes (see ``shapes_test_batches``).
        methods: attribution methods (names of ``explain``); the target is the true label, which
            is also the prediction since only correct images are kept.
        preset: boundary-search preset (``"fast"`` or ``"paper"``); ``steps`` its budget.
        settings: attribution settings (default ``Settings()``, the paper's); ``settings.seed``
            seeds every random draw.
        progress: called with the number of images after each batch.
    Returns:
        ``Evaluation`` holding per-image floats only; ``.summary()`` gives the JSON tables.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown search preset {preset!r}; choose one of {', '.join(PRESETS)}")
    methods = parse_methods(methods)
    settings = Settings() if settings is None else settings
    tally, parts, n_images = _Tally(), [], 0
    start = time.perf_counter()
    for batch in batches:
        parts.append(_evaluate_batch(model, batch, tuple(methods), preset, steps, settings, tally))
        n_images += len(batch)
        if progress:
            progress(len(batch))
    tally.seconds["total"] = time.perf_counter() - start
    return Evaluation(
        methods=tuple(methods),
        scores=_concatenate(parts),
        n_images=n_images,
        preset=preset,
        search_steps=steps,
        settings=settings,
        boundary_methods=dict(tally.winners),
        unavailable=tally.unavailable,
        seconds=tally.seconds,
    )
