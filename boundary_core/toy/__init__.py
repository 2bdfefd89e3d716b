"""The 2-D toy ReLU playground's geometry core: exact regions, boundaries, attributions.

UI-free and float64. A small MLP on 2-D inputs (``model``), data presets (``data``), training
(``train``), exact linear regions (``regions``), decision boundary and closest point
(``boundary``), a best-first region walk (``walk``), exact paths and IG/BIG (``paths``), the
per-query explanation (``explain``), Theorem 3.3's Er activation (``er``) and the sampled
Gaussian-smoothed net (``smoothing``).
"""

from boundary_core.toy.boundary import (
    BoundarySegments,
    ClosestBoundaryPoint,
    class_cells,
    closest_boundary_point,
    decision_boundary,
)
from boundary_core.toy.data import TOY_DATASETS, ToyData, make_data
from boundary_core.toy.explain import (
    ToyExplanation,
    ToyGeometry,
    exact_geometry,
    explain_query,
    search_boundary,
)
from boundary_core.toy.model import ToyMLP, layer_weights, load_toy_model, make_mlp, save_model
from boundary_core.toy.paths import PathPieces, integrated_gradient, path_pieces
from boundary_core.toy.polygons import ToyBox
from boundary_core.toy.regions import LinearRegion, RegionMap, enumerate_regions
from boundary_core.toy.train import TRAININGS, ToyTrainConfig, accuracy, train_mlp

__all__ = [
    "TOY_DATASETS",
    "TRAININGS",
    "BoundarySegments",
    "ClosestBoundaryPoint",
    "LinearRegion",
    "PathPieces",
    "RegionMap",
    "ToyData",
    "ToyExplanation",
    "ToyGeometry",
    "ToyBox",
    "ToyMLP",
    "ToyTrainConfig",
    "accuracy",
    "class_cells",
    "closest_boundary_point",
    "decision_boundary",
    "enumerate_regions",
    "exact_geometry",
    "explain_query",
    "integrated_gradient",
    "layer_weights",
    "load_toy_model",
    "make_data",
    "make_mlp",
    "path_pieces",
    "save_model",
    "search_boundary",
    "train_mlp",
]
