"""Localization metrics with a ground-truth box: Loc, EG, PP, Con (appendix B.1) and GT-Loc (B.6).

Notation of the paper: ``X`` all pixels, ``Z`` pixels with positive attribution, ``U`` pixels in
the box. Every function takes one attribution ``(C, H, W) | (H, W)`` (numpy or torch), reduces it
to ``(H, W)`` with ``reduction`` (default: sum over channels, see ``maps.reduce_channels``) and a
half-open ``(x0, y0, x1, y1)`` box (``boundary_core.boxes.Box``). Higher is better for all of them.

NaN rules, identical everywhere: the result is NaN when the box is empty or covers the whole image
(nothing to localise), when the map is all zero or not finite (no attribution), or when the
metric's own ratio is 0/0 (named in each docstring). Otherwise the value is a plain float.
"""

from collections.abc import Callable, Sequence

import numpy as np
from scipy import ndimage

from boundary_core.boxes import Box, mask_box
from boundary_core.metrics.maps import box_mask, reduce_channels

GT_LOC_PERCENTILES = np.arange(0, 100, 5)  # q = 0, 5, ..., 95 as in Fig. 13/14
GT_LOC_BLUR = 3.0  # Gaussian σ (pixels) of Fig. 14
GT_LOC_IOU = 0.5  # an image counts as localised when IoU > 0.5


def higher_is_better(flag: bool) -> Callable:
    """Declare a metric's direction (as Quantus does) as the attribute ``fn.higher_is_better``."""

    def declare(fn: Callable) -> Callable:
        fn.higher_is_better = flag
        return fn

    return declare


def _map_and_box(attribution, box: Box, reduction: str) -> tuple[np.ndarray, np.ndarray] | None:
    """``(g (H, W), inside (H, W) bool)``, or ``None`` when the NaN rules apply."""
    g = reduce_channels(attribution, reduction)
    inside = box_mask(box, g.shape)
    if not inside.any() or inside.all() or not np.all(np.isfinite(g)) or not np.any(g):
        return None
    return g, inside


@higher_is_better(True)
def localization(attribution, box: Box, *, reduction: str = "sum") -> float:
    """Loc (eq. 21): ``|Z ∩ U| / (|U| + |Z ∩ (X \\ U)|)``, the IoU of positives with the box.

    A map with no positive pixel (but some negative ones) scores 0, not NaN: the IoU of an empty
    region is well defined, and NaN would drop such maps from a mean.
    """
    prepared = _map_and_box(attribution, box, reduction)
    if prepared is None:
        return float("nan")
    g, inside = prepared
    positive = g > 0
    return float((positive & inside).sum() / (inside.sum() + (positive & ~inside).sum()))


@higher_is_better(True)
def energy_game(attribution, box: Box, *, reduction: str = "sum") -> float:
    """EG (eq. 22): positive attribution inside the box over all positive attribution.

    NaN when the map has no positive pixel (0/0).
    """
    prepared = _map_and_box(attribution, box, reduction)
    if prepared is None:
        return float("nan")
    g, inside = prepared
    positive = np.maximum(g, 0.0)
    total = positive.sum()
    return float(positive[inside].sum() / total) if total > 0 else float("nan")


@higher_is_better(True)
def positive_percentage(attribution, box: Box, *, reduction: str = "sum") -> float:
    """PP (eq. 23): positive attribution in the box over absolute attribution in the box.

    NaN when every pixel in the box is zero (0/0); 0 when the box holds only negatives.
    """
    prepared = _map_and_box(attribution, box, reduction)
    if prepared is None:
        return float("nan")
    g, inside = prepared
    in_box = g[inside]
    total = np.abs(in_box).sum()
    return float(np.maximum(in_box, 0.0).sum() / total) if total > 0 else float("nan")


@higher_is_better(True)
def concentration(
    attribution, box: Box, *, reduction: str = "sum", min_distance: float | None = None
) -> float:
    """Con (eq. 24/25): ``Σ_{i∈U} ĝ_i / d(i, c)``, mass-weighted inverse distance to the centre.

    Choices the paper leaves open, stated here:
    - ``ĝ_i = |g_i| / Σ_{U} |g|`` (absolute values, as Sec. 5.2 describes Con); the centre of
      mass ``c`` of ``ĝ`` over the box (eq. 25) then always exists (scipy ``center_of_mass``).
    - Coordinates are rescaled to [0, 1] by dividing the column index by W and the row by H
      (the paper's "0 - 224 to 0 - 1").
    - A pixel at (or within ``min_distance`` of) the centre would divide by ~0: distances are
      floored at ``min_distance``, by default half a pixel, ``0.5 / max(H, W)``.

    NaN when the box holds no attribution (0/0).
    """
    prepared = _map_and_box(attribution, box, reduction)
    if prepared is None:
        return float("nan")
    g, inside = prepared
    weights = np.where(inside, np.abs(g), 0.0)
    total = weights.sum()
    if total == 0:
        return float("nan")
    weights = weights / total
    height, width = g.shape
    centre_row, centre_col = ndimage.center_of_mass(weights)
    rows, cols = np.indices(g.shape)  # (H, W) each
    distance = np.hypot((rows - centre_row) / height, (cols - centre_col) / width)
    floor = 0.5 / max(height, width) if min_distance is None else min_distance
    return float((weights[inside] / np.maximum(distance[inside], floor)).sum())


def _tight_box(mask: np.ndarray) -> np.ndarray:
    """The tight box around the ``True`` pixels of ``mask``, as a mask (empty for an empty one)."""
    return box_mask(mask_box(mask), mask.shape)


def _largest_component(mask: np.ndarray) -> np.ndarray:
    labels, count = ndimage.label(mask, structure=np.ones((3, 3)))  # 8-connected
    if count == 0:
        return mask
    sizes = np.bincount(labels.ravel())[1:]  # (count,)
    return _tight_box(labels == 1 + int(np.argmax(sizes)))


REGIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "box": _tight_box,  # box around all highlighted pixels (Fig. 13 caption)
    "component": _largest_component,  # box around the largest 8-connected blob (CAM practice)
    "mask": lambda mask: mask,  # the highlighted pixels themselves
}


@higher_is_better(True)
def gt_loc_iou(
    attribution,
    box: Box,
    *,
    percentiles: Sequence[float] = GT_LOC_PERCENTILES,
    blur: float = 0.0,
    region: str = "box",
    absolute: bool = False,
    reduction: str = "sum",
) -> np.ndarray:
    """IoU of the ground-truth box with the region an attribution highlights (appendix B.6).

    Per percentile q: ``t = percentile(|g|, q)``; a pixel is highlighted iff ``g > t`` (the
    signed score, as B.6 says; ``absolute=True`` compares ``|g| > t`` instead). ``region``
    turns the highlighted pixels into the predicted region: ``"box"`` (default) their bounding
    box, ``"component"`` the box of the largest 8-connected blob, ``"mask"`` the pixels.
    ``blur > 0`` first applies ``scipy.ndimage.gaussian_filter(g, blur)`` (σ in pixels).

    Returns:
        ``(Q,)`` IoU per percentile (0 where nothing is highlighted); all NaN under the NaN rules.
    """
    if region not in REGIONS:
        raise ValueError(f"region must be one of {sorted(REGIONS)}, got {region!r}")
    q = np.asarray(percentiles, dtype=np.float64)
    prepared = _map_and_box(attribution, box, reduction)
    if prepared is None:
        return np.full(q.shape, np.nan)
    g, inside = prepared
    if blur > 0:
        g = ndimage.gaussian_filter(g, sigma=blur)
    score = np.abs(g) if absolute else g
    ious = []
    for threshold in np.percentile(np.abs(g), q):
        predicted = REGIONS[region](score > threshold)
        union = (predicted | inside).sum()  # ≥ |U| > 0
        ious.append((predicted & inside).sum() / union)
    return np.asarray(ious, dtype=np.float64)


@higher_is_better(True)
def gt_loc(
    attribution,
    box: Box,
    *,
    percentiles: Sequence[float] = GT_LOC_PERCENTILES,
    blur: float = 0.0,
    iou_threshold: float = GT_LOC_IOU,
    region: str = "box",
    absolute: bool = False,
    reduction: str = "sum",
) -> np.ndarray:
    """GT-Loc hits of one image (appendix B.6): ``(Q,)`` 1.0 where IoU > 0.5, else 0.0 (NaN rules).

    The GT-Loc curve of Fig. 13 (``blur=0``) and Fig. 14 (``blur=GT_LOC_BLUR``) is
    ``np.nanmean`` of these rows over images. Arguments as in ``gt_loc_iou``.
    """
    iou = gt_loc_iou(
        attribution,
        box,
        percentiles=percentiles,
        blur=blur,
        region=region,
        absolute=absolute,
        reduction=reduction,
    )
    return np.where(np.isnan(iou), np.nan, (iou > iou_threshold).astype(np.float64))
