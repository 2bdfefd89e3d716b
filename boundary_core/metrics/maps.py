"""Attribution maps as numpy arrays: conversion, channel reduction and boxes (appendix B.1).

Conventions shared by every metric in this package:

- An attribution is ``(C, H, W)`` or ``(H, W)``; a torch tensor is detached and copied to numpy.
- A ground-truth box is ``(x0, y0, x1, y1)`` in integer pixel coordinates, half-open like a numpy
  slice: it covers columns ``x0 <= x < x1`` and rows ``y0 <= y < y1`` (``x`` is the column).
  Coordinates outside the image are clipped to it.
"""

from collections.abc import Callable, Sequence

import numpy as np


def as_array(values) -> np.ndarray:
    """A float64 numpy copy of ``values`` (numpy array, torch tensor or nested sequence)."""
    if hasattr(values, "detach"):  # torch.Tensor, without importing torch here
        values = values.detach().cpu().double().numpy()  # double: numpy has no bfloat16
    return np.array(values, dtype=np.float64)


REDUCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sum": lambda a: a.sum(axis=0),  # signed; keeps IG's completeness per pixel
    "mean": lambda a: a.mean(axis=0),  # signed; what TruLens heatmaps use
    "abs_sum": lambda a: np.abs(a).sum(axis=0),  # magnitude only (PP becomes 1)
}


def reduce_channels(attribution, reduction: str = "sum") -> np.ndarray:
    """One score per pixel: ``(C, H, W) | (H, W) -> (H, W)``.

    Args:
        attribution: ``(C, H, W)`` or ``(H, W)`` map; ``(H, W)`` is treated as one channel.
        reduction: ``"sum"`` (default), ``"mean"`` or ``"abs_sum"`` over channels. Loc, EG, PP,
            Con and GT-Loc are invariant to positive rescaling, so ``sum`` and ``mean`` agree.
    """
    values = as_array(attribution)
    if values.ndim == 2:
        values = values[None]  # (1, H, W)
    if values.ndim != 3:
        raise ValueError(f"attribution must be (C, H, W) or (H, W), got shape {values.shape}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {sorted(REDUCTIONS)}, got {reduction!r}")
    return REDUCTIONS[reduction](values)


def box_mask(box: Sequence[int], shape: tuple[int, int]) -> np.ndarray:
    """Boolean ``(H, W)`` mask of a half-open ``(x0, y0, x1, y1)`` box, clipped to the image."""
    coords = np.asarray(box, dtype=np.float64).ravel()
    if coords.shape != (4,) or not np.all(np.isfinite(coords)) or np.any(coords % 1 != 0):
        raise ValueError(f"box must be four integer pixel coordinates (x0, y0, x1, y1), got {box}")
    height, width = shape
    x0, x1 = np.clip(coords[[0, 2]].astype(int), 0, width)
    y0, y1 = np.clip(coords[[1, 3]].astype(int), 0, height)
    mask = np.zeros(shape, dtype=bool)
    mask[y0:y1, x0:x1] = True  # empty when x1 <= x0 or y1 <= y0
    return mask


def bounding_box_mask(mask: np.ndarray) -> np.ndarray:
    """The tight axis-aligned box around the ``True`` pixels of ``mask``, as a mask."""
    out = np.zeros_like(mask, dtype=bool)
    if mask.any():
        rows = np.flatnonzero(mask.any(axis=1))
        cols = np.flatnonzero(mask.any(axis=0))
        out[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] = True
    return out
