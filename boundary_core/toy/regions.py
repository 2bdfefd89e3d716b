"""Exact enumeration of the linear (activation) regions of a 2-D ReLU MLP inside a box.

SplineCam's idea (Humayun et al., CVPR 2023) in 2-D: start from the box, and for each layer and
each of its neurons split every current convex polygon along the neuron's zero line (the neuron's
pre-activation is affine on each polygon, because the earlier layers' patterns are fixed there).
Each final polygon is a region of the paper's §3.2 with its activation pattern and affine map.
"""

from dataclasses import dataclass

import numpy as np

from boundary_core.toy import polygons
from boundary_core.toy.model import Weights

AREA_TOL = 1e-12  # slivers thinner than this (relative to the box area) are dropped


@dataclass(frozen=True)
class LinearRegion:
    """A convex polygon on which the net is affine: ``logits = weight @ x + bias``.

    Attributes:
        vertices: ``(V, 2)`` counter-clockwise.
        pattern: ``(hidden_total,)`` bool, ON (pre-activation >= 0) per neuron, forward order.
        weight: ``(K, 2)`` the input gradient of each logit inside the region.
        bias: ``(K,)``.
    """

    vertices: np.ndarray
    pattern: np.ndarray
    weight: np.ndarray
    bias: np.ndarray

    def logits(self, points: np.ndarray) -> np.ndarray:
        """``(N, 2) -> (N, K)`` through this region's affine map."""
        return points @ self.weight.T + self.bias


@dataclass(frozen=True)
class RegionMap:
    """All linear regions of a net inside ``box`` (their union is the box, up to slivers)."""

    regions: tuple[LinearRegion, ...]
    box: polygons.ToyBox

    def __len__(self) -> int:
        return len(self.regions)

    def __repr__(self) -> str:
        return f"RegionMap({len(self)} regions in box {self.box})"

    def index_of_pattern(self) -> dict[bytes, int]:
        """Lookup from a packed activation pattern to its region index."""
        return {np.packbits(r.pattern).tobytes(): i for i, r in enumerate(self.regions)}


def _split_by_layer(vertices, normals, offsets, tol):
    """Split one polygon by all neuron lines ``normals @ x + offsets = 0`` of one layer.

    Returns a list of sub-polygons; only neurons whose line crosses the polygon are tried.
    """
    values = vertices @ normals.T + offsets  # (V, width)
    crossing = np.flatnonzero((values.max(axis=0) > tol) & (values.min(axis=0) < -tol))
    pieces = [vertices]
    for neuron in crossing:
        next_pieces = []
        for piece in pieces:
            piece_values = piece @ normals[neuron] + offsets[neuron]
            if piece_values.min() >= -tol or piece_values.max() <= tol:
                next_pieces.append(piece)
                continue
            next_pieces.extend(
                p for p in polygons.split(piece, piece_values, tol=tol) if len(p) >= 3
            )
        pieces = next_pieces
    return pieces


def enumerate_regions(
    weights: Weights, box: polygons.ToyBox, *, tol: float = polygons.TOL
) -> RegionMap:
    """Every linear region of the MLP ``weights`` inside ``box``, exactly (float64).

    Args:
        weights: ``layer_weights(model)``.
        box: ``(x_min, x_max, y_min, y_max)``.
        tol: values within ``tol`` of a neuron's zero line count as on it.
    Returns:
        ``RegionMap``; each region's pattern is read at its vertex centroid (an interior point).
    """
    min_area = AREA_TOL * polygons.area(polygons.box_polygon(box))
    # Each piece: (vertices, A (width, 2), c (width,), pattern list) with layer input = A x + c.
    pieces = [(polygons.box_polygon(box), np.eye(2), np.zeros(2), [])]
    for weight, bias in weights[:-1]:
        next_pieces = []
        for vertices, a, c, pattern in pieces:
            normals, offsets = (
                weight @ a,
                weight @ c + bias,
            )  # pre-activation z = normals x + offsets
            for piece in _split_by_layer(vertices, normals, offsets, tol):
                if polygons.area(piece) <= min_area:
                    continue
                on = piece.mean(axis=0) @ normals.T + offsets >= 0
                next_pieces.append((piece, on[:, None] * normals, on * offsets, [*pattern, on]))
        pieces = next_pieces
    weight, bias = weights[-1]
    regions = tuple(
        LinearRegion(
            vertices=vertices,
            pattern=np.concatenate(pattern) if pattern else np.zeros(0, bool),
            weight=weight @ a,
            bias=weight @ c + bias,
        )
        for vertices, a, c, pattern in pieces
    )
    return RegionMap(regions, tuple(float(v) for v in box))
