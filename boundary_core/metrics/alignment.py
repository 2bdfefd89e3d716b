"""Alignment with boundary variants (Sec. 5.1, Table 1): SM–BSM, IG–BIG, IG–AGI distances.

Maps are compared as whole vectors (every channel and pixel, no channel reduction). Lower is
better: a small distance means the attribution already points along the boundary normal.

Scaling, made explicit by ``scale``:
- ``"none"`` (default): raw ℓ2 distance ``‖a − b‖``. Table 1 almost certainly used this: it
  reports values up to 59.96, impossible for unit vectors (at most 2). Raw distances also shrink
  when gradients are merely smaller, and robust models have smaller input gradients, so part of
  Table 1's gap is magnitude, not direction.
- ``"unit"``: ``‖a/‖a‖ − b/‖b‖‖``, direction only; it equals ``sqrt(2 · cosine_distance)``.

Report ``cosine_distance`` (``1 − cos``) next to the raw ℓ2 to separate direction from size.
"""

import numpy as np

from boundary_core.metrics.localization import higher_is_better
from boundary_core.metrics.maps import as_array

MAP_SCALINGS = ("none", "unit")


def _pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    """Two ``(B, ...)`` maps flattened to ``(B, D)``."""
    a, b = as_array(a), as_array(b)
    if a.shape != b.shape or a.ndim < 2:
        raise ValueError(f"expected two (B, ...) maps of one shape, got {a.shape} and {b.shape}")
    return a.reshape(a.shape[0], -1), b.reshape(b.shape[0], -1)  # (B, D)


def _unit(rows: np.ndarray) -> np.ndarray:
    """Each row over its ℓ2 norm; zero rows become NaN (no direction)."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)  # (B, 1)
    safe = np.where(norms > 0, norms, 1.0)
    return np.where(norms > 0, rows / safe, np.nan)


@higher_is_better(False)
def l2_distance_batch(a, b, *, scale: str = "none") -> np.ndarray:
    """Per-sample ℓ2 distance ``(B, ...), (B, ...) -> (B,)``; NaN where ``unit`` meets a zero map.

    Args:
        a, b: attribution maps of one shape, e.g. SM and BSM ``(B, C, H, W)``.
        scale: ``"none"`` (raw, as Table 1) or ``"unit"`` (each map over its ℓ2 norm first).
    """
    if scale not in MAP_SCALINGS:
        raise ValueError(f"scale must be one of {MAP_SCALINGS}, got {scale!r}")
    a, b = _pair(a, b)
    if scale == "unit":
        a, b = _unit(a), _unit(b)
    return np.linalg.norm(a - b, axis=1)


@higher_is_better(False)
def cosine_distance_batch(a, b) -> np.ndarray:
    """Per-sample ``1 − cos(a, b)`` in [0, 2], ``(B, ...), (B, ...) -> (B,)``; NaN for zero maps."""
    a, b = _pair(a, b)
    cosine = (_unit(a) * _unit(b)).sum(axis=1)
    return 1.0 - np.clip(cosine, -1.0, 1.0)


@higher_is_better(False)
def l2_distance(a, b, *, scale: str = "none") -> float:
    """ℓ2 distance between two single maps of one shape (any shape); see ``l2_distance_batch``."""
    return float(l2_distance_batch(as_array(a)[None], as_array(b)[None], scale=scale)[0])


@higher_is_better(False)
def cosine_distance(a, b) -> float:
    """``1 − cos`` between two single maps of one shape; see ``cosine_distance_batch``."""
    return float(cosine_distance_batch(as_array(a)[None], as_array(b)[None])[0])
