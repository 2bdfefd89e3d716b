"""Everything the toy page shows for one query: SM, the exact boundary point, BSM, IG, BIG.

SM and BSM are the region gradients of the query's class logit (at ``x`` and at the exact closest
boundary point ``x'``); IG and BIG are exact region-length-weighted sums along straight paths.
"""

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from boundary_core.metrics import cosine_distance, l2_distance
from boundary_core.search import BoundaryResult, find_boundary
from boundary_core.toy.boundary import (
    BoundarySegments,
    ClosestBoundaryPoint,
    closest_boundary_point,
    decision_boundary,
)
from boundary_core.toy.model import layer_weights, local_affine, logits_numpy
from boundary_core.toy.paths import PathPieces, integrated_gradient, path_pieces
from boundary_core.toy.polygons import ToyBox
from boundary_core.toy.regions import RegionMap, enumerate_regions
from boundary_core.toy.threads import single_threaded


@dataclass(frozen=True)
class ToyGeometry:
    """The exact linear regions and decision boundary of a net inside a box."""

    regions: RegionMap
    boundary: BoundarySegments

    @property
    def box(self) -> ToyBox:
        return self.regions.box

    def __repr__(self) -> str:
        return f"ToyGeometry({len(self.regions)} regions, {len(self.boundary)} boundary segments)"


def exact_geometry(model: nn.Module, box: ToyBox) -> ToyGeometry:
    """Enumerate the regions of ``model`` inside ``box`` and its decision boundary there."""
    regions = enumerate_regions(layer_weights(model), box)
    return ToyGeometry(regions, decision_boundary(regions))


@dataclass(frozen=True)
class ToyExplanation:
    """Attributions of the predicted logit ``f_c`` at one query, all ``(2,)`` vectors.

    ``boundary``, ``bsm``, ``big`` and ``big_path`` are None when no boundary bordering the
    query's class lies inside the box.
    """

    query: np.ndarray
    label: int
    logits: np.ndarray  # (K,)
    sm: np.ndarray
    boundary: ClosestBoundaryPoint | None
    bsm: np.ndarray | None
    baseline: np.ndarray
    ig: np.ndarray
    big: np.ndarray | None
    ig_path: PathPieces
    big_path: PathPieces | None

    @property
    def sm_bsm_distance(self) -> float:
        """‖SM − BSM‖ (paper Table 1, ``metrics.l2_distance``); NaN without a boundary point."""
        return float("nan") if self.bsm is None else l2_distance(self.sm, self.bsm)

    @property
    def sm_bsm_cosine(self) -> float:
        """cos(SM, BSM) = 1 − ``metrics.cosine_distance``; NaN without a boundary point or with a
        zero vector."""
        return float("nan") if self.bsm is None else 1.0 - cosine_distance(self.sm, self.bsm)

    def __repr__(self) -> str:
        distance = "none" if self.boundary is None else f"{self.boundary.distance:.4g}"
        return f"ToyExplanation(query={self.query.tolist()}, label={self.label}, d={distance})"


def explain_query(
    model: nn.Module, geometry: ToyGeometry, query, *, baseline=(0.0, 0.0)
) -> ToyExplanation:
    """SM, exact x', BSM = ∇f_c(x'), IG(x; baseline) and BIG = IG(x; x') for one 2-D query."""
    weights = layer_weights(model)
    query = np.asarray(query, dtype=np.float64).reshape(2)
    baseline = np.asarray(baseline, dtype=np.float64).reshape(2)
    gradients, _, _ = local_affine(weights, query[None])
    logits = logits_numpy(weights, query[None])[0]
    label = int(np.argmax(logits))
    closest = closest_boundary_point(geometry.boundary, geometry.box, query, label)
    ig_path = path_pieces(weights, baseline, query)
    bsm = big = big_path = None
    if closest is not None:
        # x' lies on a tie inside one region: the region's gradient is ∇f_c there (both sides).
        bsm = geometry.regions.regions[closest.region].weight[label].copy()
        big_path = path_pieces(weights, closest.point, query)
        big = integrated_gradient(big_path, label)
    return ToyExplanation(
        query=query,
        label=label,
        logits=logits,
        sm=gradients[0, label],
        boundary=closest,
        bsm=bsm,
        baseline=baseline,
        ig=integrated_gradient(ig_path, label),
        big=big,
        ig_path=ig_path,
        big_path=big_path,
    )


class _AnyFloatInput(nn.Module):
    """Runs the float64 toy net on any float input and answers in the input's dtype.

    The paper preset's AutoPGD (pyautoattack) works in float32; the toy net is float64.
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x.double()).to(x.dtype)


@single_threaded
def search_boundary(
    model: nn.Module, queries, *, preset: str = "fast", box=None, seed: int = 0
) -> BoundaryResult:
    """The image pages' boundary search on toy queries ``(N, 2)``.

    ``fast`` runs unbounded; ``paper`` needs finite bounds, taken from ``box`` (one scalar range
    for both coordinates, as the search's bounds are scalar).
    """
    x = torch.as_tensor(np.asarray(queries, dtype=np.float64).reshape(-1, 2))
    bounds = None
    if preset == "paper":
        if box is None:
            raise ValueError("the paper preset needs a finite box")
        bounds = (float(min(box[0], box[2])), float(max(box[1], box[3])))
        model = _AnyFloatInput(model).eval()  # a fresh wrapper; the toy net has no dropout
    return find_boundary(model, x, preset=preset, bounds=bounds, seed=seed)
