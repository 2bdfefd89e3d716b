"""Straight paths through the linear regions, exactly, and IG / BIG as region-weighted sums.

ExactLine (Sotoudeh & Thakur, 2019) in a few lines: a ReLU net restricted to a segment is
piecewise linear in the path parameter ``t``, so tracking each layer's values at the breakpoints
(and inserting the zero crossings of each pre-activation) gives every region the path crosses and
the length it spends there. IG then needs no quadrature (paper §4, "Geometric view of BIG"):
``IG(x; x_b) = (x − x_b) ⊙ Σ_r ∇f_c|_r · (length in r / total length)``.
"""

from dataclasses import dataclass

import numpy as np

from boundary_core.toy.model import Weights, local_affine

T_TOL = 1e-12  # breakpoints closer than this in t are merged


@dataclass(frozen=True)
class PathPieces:
    """The segment ``start -> end`` cut where it crosses from one linear region to the next.

    Attributes:
        start, end: ``(2,)``.
        t: ``(M + 1,)`` breakpoints in ``[0, 1]``, increasing, ``t[0] = 0``, ``t[-1] = 1``.
        patterns: ``(M, hidden_total)`` bool activation pattern on each piece.
        gradients: ``(M, K, 2)`` the logits' input gradients on each piece.
    """

    start: np.ndarray
    end: np.ndarray
    t: np.ndarray
    patterns: np.ndarray
    gradients: np.ndarray

    @property
    def fractions(self) -> np.ndarray:
        """``(M,)`` share of the path length spent in each piece (sums to 1)."""
        return np.diff(self.t)

    @property
    def lengths(self) -> np.ndarray:
        """``(M,)`` path length inside each piece, in input units."""
        return self.fractions * float(np.linalg.norm(self.end - self.start))

    def __len__(self) -> int:
        return len(self.fractions)

    def __repr__(self) -> str:
        return f"PathPieces({len(self)} pieces, length {self.lengths.sum():.4g})"


def path_pieces(weights: Weights, start, end) -> PathPieces:
    """Cut the segment ``start -> end`` at every activation change (exact, float64)."""
    start = np.asarray(start, dtype=np.float64)
    end = np.asarray(end, dtype=np.float64)
    t = np.array([0.0, 1.0])
    h = np.stack([start, end])  # (breakpoints, width): layer input at each breakpoint
    for weight, bias in weights[:-1]:
        z = h @ weight.T + bias  # affine in t between consecutive breakpoints
        left, right = z[:-1], z[1:]
        cross = left * right < 0  # (intervals, width)
        interval, _ = np.nonzero(cross)
        share = left[cross] / (left[cross] - right[cross])
        new_t = t[interval] + share * (t[interval + 1] - t[interval])
        t_all = np.concatenate([t, new_t])
        z_all = np.concatenate([z, left[interval] + share[:, None] * (right - left)[interval]])
        order = np.argsort(t_all, kind="stable")
        t_all, z_all = t_all[order], z_all[order]
        keep = np.concatenate([[True], np.diff(t_all) > T_TOL])
        keep[-1] = True
        t, h = t_all[keep], np.maximum(z_all[keep], 0.0)
        t[-1] = 1.0
    t = _merge_tail(t)
    middles = start + ((t[:-1] + t[1:]) / 2)[:, None] * (end - start)
    gradients, _, patterns = local_affine(weights, middles)
    return PathPieces(start, end, t, patterns, gradients)


def _merge_tail(t: np.ndarray) -> np.ndarray:
    """Drop a breakpoint within ``T_TOL`` of the end (the end itself must stay at 1)."""
    if len(t) > 2 and t[-1] - t[-2] <= T_TOL:
        t = np.delete(t, -2)
    return t


def integrated_gradient(pieces: PathPieces, label: int) -> np.ndarray:
    """Exact IG of logit ``label`` at ``pieces.end`` with baseline ``pieces.start``: ``(2,)``.

    Σ_r (∇f_label on piece r) × (fraction of the path in r), times ``end − start``; satisfies
    completeness ``Σ IG = f(end) − f(start)`` up to float rounding.
    """
    mean_gradient = pieces.fractions @ pieces.gradients[:, label, :]  # (2,)
    return (pieces.end - pieces.start) * mean_gradient
