"""One batch of attribution maps -> per-image float scores (the maps themselves are dropped).

Scores are a flat ``dict[str, np.ndarray]`` with one row per image, so batches concatenate:

- ``"<method>.<metric>"`` ``(B,)`` for ``metric`` in ``LOCALIZATION`` (Loc, EG, PP, Con, App. B.1);
- ``"<method>.gt_iou"`` / ``"<method>.gt_iou_blur"`` ``(B, Q)``: IoU per GT-Loc percentile without
  and with the Gaussian blur σ = 3 of Fig. 14 (hits, IoU > 0.5, are taken when aggregating);
- ``"<method>.norm"`` ``(B,)``: ℓ2 norm of the whole map; ``"<method>.delta"`` ``(B,)``: absolute
  completeness delta (IG-type methods only);
- ``"<pair>_l2"`` / ``"<pair>_cosine"`` ``(B,)`` for ``pair`` in ``ALIGNMENT_PAIRS`` (Table 1).

A map row that is NaN (method not run for that image, e.g. BSM where no boundary point was found)
yields NaN scores through the metrics' own NaN rules.
"""

import numpy as np
from torch import Tensor

from boundary_core.methods import ALIGNMENT_PAIRS
from boundary_core.metrics import (
    GT_LOC_BLUR,
    LOCALIZATION_METRICS,
    METRICS,
    cosine_distance_batch,
    gt_loc_iou,
    l2_distance_batch,
)
from boundary_core.metrics.maps import as_array, reduce_channels

LOCALIZATION = {name: METRICS[name].fn for name in LOCALIZATION_METRICS}


def localization_scores(maps: np.ndarray, boxes: np.ndarray) -> dict[str, np.ndarray]:
    """Loc, EG, PP, Con and GT-Loc IoUs (plain and blurred) of ``maps (B, C, H, W)``.

    Channels are summed once (``reduce_channels``'s default) and every metric then sees the
    ``(H, W)`` map; ``boxes (B, 4)`` are half-open ``(x0, y0, x1, y1)``.
    """
    scores: dict[str, list] = {name: [] for name in (*LOCALIZATION, "gt_iou", "gt_iou_blur")}
    for attribution, box in zip(maps, boxes, strict=True):
        plane = reduce_channels(attribution)  # (C, H, W) -> (H, W)
        for name, metric in LOCALIZATION.items():
            scores[name].append(metric(plane, box))
        scores["gt_iou"].append(gt_loc_iou(plane, box))
        scores["gt_iou_blur"].append(gt_loc_iou(plane, box, blur=GT_LOC_BLUR))
    return {name: np.asarray(values, dtype=np.float64) for name, values in scores.items()}


def batch_scores(
    maps: dict[str, Tensor], deltas: dict[str, Tensor], boxes: np.ndarray
) -> dict[str, np.ndarray]:
    """Every per-image score of one batch; ``maps`` ``(B, C, H, W)`` per method, NaN rows allowed.

    Args:
        maps: signed attribution maps per method (rows of NaN where a method was not run).
        deltas: completeness deltas ``(B,)`` for the methods that have one.
        boxes: ``(B, 4)`` ground-truth boxes.
    """
    arrays = {method: as_array(values) for method, values in maps.items()}
    scores: dict[str, np.ndarray] = {}
    for method, values in arrays.items():
        for name, column in localization_scores(values, boxes).items():
            scores[f"{method}.{name}"] = column
        scores[f"{method}.norm"] = np.linalg.norm(values.reshape(len(values), -1), axis=1)
        if method in deltas:
            scores[f"{method}.delta"] = np.abs(as_array(deltas[method]))
    for pair in ALIGNMENT_PAIRS.values():
        if pair.first in arrays and pair.second in arrays:
            first, second = arrays[pair.first], arrays[pair.second]
            scores[f"{pair.name}_l2"] = l2_distance_batch(first, second)
            scores[f"{pair.name}_cosine"] = cosine_distance_batch(first, second)
    return scores
