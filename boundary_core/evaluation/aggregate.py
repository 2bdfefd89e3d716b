"""Per-image score arrays -> the numbers of the paper's tables (means, spreads, curves, r).

Every function here is pure numpy on float arrays in which NaN means "not defined for this image"
(a metric's NaN rule, a boundary point that was not found, a method that was not run). NaN rows are
left out of each statistic and ``n`` says how many images remained, so a mean is never silently
taken over fewer images than the reader assumes.
"""

import numpy as np

from boundary_core.metrics import GT_LOC_PERCENTILES
from boundary_core.metrics.localization import GT_LOC_IOU


def stats(values) -> dict:
    """``{"mean", "std", "median", "q1", "q3", "p95", "max", "n"}`` over the finite entries of
    ``values (N,)`` (the tail, p95 and max, is what one image in twenty sees).

    ``std`` is the population standard deviation (``ddof=0``); every value is ``None`` (JSON
    ``null``) when no entry is finite, and ``n`` is 0.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        empty = ("mean", "std", "median", "q1", "q3", "p95", "max")
        return dict.fromkeys(empty) | {"n": 0}
    q1, median, q3, p95 = np.percentile(finite, [25, 50, 75, 95])
    return {
        "mean": float(finite.mean()),
        "std": float(finite.std()),
        "median": float(median),
        "q1": float(q1),
        "q3": float(q3),
        "p95": float(p95),
        "max": float(finite.max()),
        "n": int(finite.size),
    }


def gt_loc_curve(ious, percentiles=GT_LOC_PERCENTILES, iou_threshold: float = GT_LOC_IOU) -> dict:
    """The GT-Loc curve (Fig. 5/6, 13/14) from per-image IoUs ``(N, Q)``.

    Returns ``{"percentiles", "gt_loc", "mean_iou", "n", "best_percentile", "best"}``: per
    percentile q the fraction of images whose IoU exceeds ``iou_threshold`` and the mean IoU, over
    the ``n`` images whose IoU row is finite (rows are all-NaN or all-finite by construction).
    """
    ious = np.asarray(ious, dtype=np.float64)
    percentiles = [float(q) for q in percentiles]
    if ious.ndim != 2 or ious.shape[1] != len(percentiles):
        raise ValueError(f"expected IoUs (N, {len(percentiles)}), got shape {ious.shape}")
    rows = ious[np.isfinite(ious).all(axis=1)]  # (n, Q)
    if rows.shape[0] == 0:
        empty = [None] * len(percentiles)
        return {
            "percentiles": percentiles,
            "gt_loc": empty,
            "mean_iou": empty,
            "n": 0,
            "best_percentile": None,
            "best": None,
        }
    hits = (rows > iou_threshold).mean(axis=0)  # (Q,)
    best = int(np.argmax(hits))
    return {
        "percentiles": percentiles,
        "gt_loc": [float(h) for h in hits],
        "mean_iou": [float(v) for v in rows.mean(axis=0)],
        "n": int(rows.shape[0]),
        "best_percentile": percentiles[best],
        "best": float(hits[best]),
    }


def correlation(a, b) -> float | None:
    """Pearson r over the images where both ``a (N,)`` and ``b (N,)`` are finite.

    ``None`` with fewer than 3 such images or when either side is constant (r undefined).
    """
    a, b = np.asarray(a, dtype=np.float64).ravel(), np.asarray(b, dtype=np.float64).ravel()
    both = np.isfinite(a) & np.isfinite(b)
    if both.sum() < 3 or np.ptp(a[both]) == 0 or np.ptp(b[both]) == 0:
        return None
    return float(np.corrcoef(a[both], b[both])[0, 1])


def fraction(flags) -> float | None:
    """Mean of a boolean array ``(N,)``; ``None`` when it is empty."""
    flags = np.asarray(flags, dtype=bool).ravel()
    return float(flags.mean()) if flags.size else None
