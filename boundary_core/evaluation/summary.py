"""``Evaluation`` -> the JSON document of ``python -m boundary_core evaluate``.

Keys (the contract; add, never rename):
- ``metrics.<method>``: ``loc``, ``eg``, ``pp``, ``con`` as ``stats`` dicts (mean, std, median,
  quartiles, n; paper Table 3 and the boxplots of App. B.4), ``gt_loc_curve`` and
  ``gt_loc_curve_blur`` (σ = 3) as ``gt_loc_curve`` dicts (Fig. 5/6, 13/14), plus ``norm_l2`` and,
  for IG-type methods, ``completeness_delta_abs``.
- ``alignment``: ``sm_bsm_l2``, ``ig_big_l2``, ``ig_agi_l2`` (raw ℓ2, Table 1) and
  ``sm_bsm_cosine``, ``ig_big_cosine``, ``ig_agi_cosine`` (1 − cos), each a ``stats`` dict or
  ``null`` when a method of the pair was not run; ``scaling`` says how they were computed.
- ``correlation``: Table 2, Pearson r between −‖X − Y‖ and X's localization score.
- ``boundary``: ``success``, ``distance_median``, ``distance_mean``, ``gradient_evals_mean``, ...
  (Table 5).

The ``evaluate`` command (``evaluation.distributed``) adds ``shards`` (the folder of per-batch
per-image scores and the batch count), ``machine.processes`` (torchrun's world size) and, for
ImageNet, ``n_skipped_<reason>`` (images left out before evaluation: ``box_cropped_away``,
``no_annotation``); its ``seconds`` are summed over batches, whichever rank ran them.
"""

import os

import numpy as np
import torch

from boundary_core.evaluation.aggregate import correlation, fraction, gt_loc_curve, stats
from boundary_core.methods import ALIGNMENT_PAIRS
from boundary_core.metrics import (
    ALIGNMENT_KINDS,
    GT_LOC_BLUR,
    GT_LOC_PERCENTILES,
    LOCALIZATION_METRICS,
)

SCALING = (
    "Maps are the signed attributions of the true-class logit in [0, 1] pixel units, compared as "
    "whole (C, H, W) vectors. *_l2 is the raw distance ||X - Y||_2 with no normalisation (as the "
    "paper's Table 1; it also shrinks when gradients are merely smaller); *_cosine is 1 - cos(X, "
    "Y) in [0, 2], direction only. IG is IG with the black baseline."
)


def _column(scores: dict, name: str, width: int | None = None) -> np.ndarray:
    """Scores ``name``, or NaN rows when no image has it (a method that never ran)."""
    rows = len(scores["index"])
    default = np.full((rows,) if width is None else (rows, width), np.nan)
    return scores.get(name, default)


def method_summary(scores: dict, method: str) -> dict:
    """Table 3's scores and the GT-Loc curves of one method."""
    q = len(GT_LOC_PERCENTILES)
    out = {name: stats(_column(scores, f"{method}.{name}")) for name in LOCALIZATION_METRICS}
    out["gt_loc_curve"] = gt_loc_curve(_column(scores, f"{method}.gt_iou", q))
    out["gt_loc_curve_blur"] = gt_loc_curve(_column(scores, f"{method}.gt_iou_blur", q))
    out["gt_loc_curve_blur"]["blur_sigma"] = GT_LOC_BLUR
    out["norm_l2"] = stats(_column(scores, f"{method}.norm"))
    if f"{method}.delta" in scores:
        out["completeness_delta_abs"] = stats(scores[f"{method}.delta"])
    return out


def alignment_summary(scores: dict, methods: tuple[str, ...]) -> dict:
    """Table 1: raw ℓ2 and cosine distances of SM–BSM, IG–BIG, IG–AGI (``None`` for a pair
    whose methods were not both asked for; ``n = 0`` when they never both produced a map)."""
    out = {}
    for pair in ALIGNMENT_PAIRS.values():
        for kind in ALIGNMENT_KINDS:
            name = f"{pair.name}_{kind}"
            asked = {pair.first, pair.second} <= set(methods)
            out[name] = stats(_column(scores, name)) if asked else None
    out["scaling"] = SCALING
    return out


def correlation_summary(scores: dict, kind: str = "l2") -> dict:
    """Table 2: r(−d(X, Y), metric of X) per pair and Loc/EG/PP/Con; ``None`` where undefined."""
    out = {}
    for pair in ALIGNMENT_PAIRS.values():
        distance = -_column(scores, f"{pair.name}_{kind}")
        out[pair.name] = {
            metric: correlation(distance, _column(scores, f"{pair.first}.{metric}"))
            for metric in LOCALIZATION_METRICS
        }
    return out


def boundary_summary(scores: dict, winners: dict[str, int]) -> dict:
    """Table 5: how often the search crossed, how far, at what gradient cost."""
    distance = _column(scores, "boundary.distance")
    spread = stats(distance)
    found = _column(scores, "boundary.found") > 0
    return {
        "success": fraction(found),
        "n_searched": int(found.size),
        "n_found": int(found.sum()),
        "distance_median": spread["median"],
        "distance_mean": spread["mean"],
        "distance": spread,
        "gradient_evals_mean": stats(_column(scores, "boundary.gradient_evals"))["mean"],
        "winning_attack": dict(sorted(winners.items())),
    }


def machine_summary() -> dict:
    """Threads and the 1-minute load average at the end of the run (contention shows here)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "load_average_1min": load,
        "torch": torch.__version__,
    }


def summarize(evaluation) -> dict:
    """The JSON document of an ``Evaluation`` (see the module docstring for the keys)."""
    scores = evaluation.scores
    settings = evaluation.settings
    return {
        "n_images": evaluation.n_images,
        "n_evaluated": evaluation.n_evaluated,
        "n_skipped_misclassified": evaluation.n_images - evaluation.n_evaluated,
        "methods": list(evaluation.methods),
        "search": {"preset": evaluation.preset, "steps": evaluation.search_steps},
        "settings": {name: getattr(settings, name) for name in settings.__dataclass_fields__},
        "metrics": {method: method_summary(scores, method) for method in evaluation.methods},
        "alignment": alignment_summary(scores, evaluation.methods),
        "correlation": correlation_summary(scores, "l2"),
        "correlation_cosine": correlation_summary(scores, "cosine"),
        "boundary": boundary_summary(scores, evaluation.boundary_methods),
        "unavailable": dict(evaluation.unavailable),
        "seconds": {name: round(value, 3) for name, value in sorted(evaluation.seconds.items())},
        "machine": machine_summary(),
    }
