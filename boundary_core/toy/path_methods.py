"""The toy's view of IDGI and Guided IG (issue 19): IDGI's weights along the exact straight path
and Guided IG's path through the plane.

On the toy net a straight path crosses finitely many linear regions (``toy.paths``), so IDGI
needs no quadrature: in the limit of many steps, piece r of the path (gradient g_r, a share s_r of
the path) changes the logit by Δf_r = g_r · (x − b) s_r and hands that change to the two
coordinates in proportion g_r² / ‖g_r‖² (Yang et al. 2023). Guided IG's path comes from
``attributions.guided_path``, the same code the image methods run.
"""

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from boundary_core.attributions.defaults import GUIDED_FRACTION, GUIDED_MAX_DIST, GUIDED_STEPS
from boundary_core.attributions.guided_ig import guided_path
from boundary_core.attributions.idgi import idgi_step
from boundary_core.toy.paths import PathPieces


@dataclass(frozen=True)
class IdgiPieces:
    """IDGI of logit ``label`` along a straight path, piece by piece.

    ``weights (M, 2)``: g_r² / ‖g_r‖² on each piece (rows sum to 1; zero where g_r = 0);
    ``logit_steps (M,)``: the logit change Δf_r over each piece.
    """

    pieces: PathPieces
    label: int
    weights: np.ndarray
    logit_steps: np.ndarray

    @property
    def attribution(self) -> np.ndarray:
        """IDGI ``(2,)`` = Σ_r weights_r · Δf_r; sums to f(end) − f(start) up to rounding."""
        return self.weights.T @ self.logit_steps

    def __repr__(self) -> str:
        return f"IdgiPieces({len(self.logit_steps)} pieces, label {self.label})"


def exact_idgi(pieces: PathPieces, label: int) -> IdgiPieces:
    """IDGI's limit (infinitely many steps) on the straight path ``pieces`` for logit ``label``."""
    gradients = pieces.gradients[:, label, :]  # (M, 2)
    squared = gradients**2
    norms = squared.sum(1, keepdims=True)  # (M, 1)
    weights = np.divide(squared, norms, out=np.zeros_like(squared), where=norms > 0)
    logit_steps = (gradients @ (pieces.end - pieces.start)) * pieces.fractions
    return IdgiPieces(pieces, label, weights, logit_steps)


@dataclass(frozen=True)
class ToyGuidedPath:
    """Guided IG's path from ``points[0]`` (the baseline) to ``points[-1]`` (the query, up to
    rounding), ``(steps + 1, 2)``, with its Guided IG map and its IDGI map, each ``(2,)``."""

    points: np.ndarray
    guided_ig: np.ndarray
    guided_ig_idgi: np.ndarray

    def __repr__(self) -> str:
        return f"ToyGuidedPath({len(self.points) - 1} steps)"


def toy_guided_path(
    model: nn.Module,
    query,
    label: int,
    baseline,
    *,
    steps: int = GUIDED_STEPS,
    fraction: float = GUIDED_FRACTION,
    max_dist: float = GUIDED_MAX_DIST,
) -> ToyGuidedPath:
    """Guided IG of logit ``label`` at the 2-D ``query`` from ``baseline`` (float64 toy net)."""
    x = torch.as_tensor(np.asarray(query, dtype=np.float64).reshape(1, 2))
    start = torch.as_tensor(np.asarray(baseline, dtype=np.float64).reshape(1, 2))
    target = torch.tensor([label])
    path = list(
        guided_path(model, x, target, start, steps=steps, fraction=fraction, max_dist=max_dist)
    )
    points = torch.cat([point for point, _, _ in path])  # (steps + 1, 2)
    logits = torch.cat([logit for _, logit, _ in path]).double()  # (steps + 1,)
    gradients = torch.cat([gradient for _, _, gradient in path[:-1]])  # (steps, 2)
    guided = ((points[1:] - points[:-1]) * gradients).sum(0)
    reweighted = idgi_step(gradients, logits[1:] - logits[:-1]).sum(0)
    return ToyGuidedPath(points.numpy(), guided.numpy(), reweighted.numpy())
