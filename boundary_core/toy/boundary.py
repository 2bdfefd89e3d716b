"""The exact decision boundary of a toy MLP as line segments, and the closest point on it.

Inside a linear region the logits are affine, so the set where class ``c`` is the argmax is a
convex polygon (the region clipped by ``l_c >= l_k`` for every ``k``). The decision boundary
inside the region is made of the edges those class cells share: segments where the top two
logits tie. This handles ``K > 2`` classes properly (a tie between two classes that are both
beaten by a third is no boundary).
"""

from dataclasses import dataclass

import numpy as np

from boundary_core.toy import polygons
from boundary_core.toy.regions import LinearRegion, RegionMap


@dataclass(frozen=True)
class BoundarySegments:
    """``S`` segments where the top two logits tie.

    Attributes:
        start, end: ``(S, 2)`` endpoints.
        classes: ``(S, 2)`` the two tied classes ``(a, b)`` with ``a < b``.
        region: ``(S,)`` index of the linear region holding the segment.
        normal: ``(S, 2)`` unit normal ``∇(l_a − l_b) / ‖·‖``, pointing into class ``a``'s side.
    """

    start: np.ndarray
    end: np.ndarray
    classes: np.ndarray
    region: np.ndarray
    normal: np.ndarray

    def __len__(self) -> int:
        return len(self.region)

    def __repr__(self) -> str:
        length = np.linalg.norm(self.end - self.start, axis=1).sum()
        return f"BoundarySegments({len(self)} segments, total length {length:.4g})"


@dataclass(frozen=True)
class ClosestBoundaryPoint:
    """The exact closest point ``x'`` with a different label than the query's (paper Def. 4.1).

    Attributes:
        point: ``(2,)`` on the boundary (a tie; any step across it changes the label).
        distance: ``‖x' − x‖``.
        normal: ``(2,)`` unit normal of the segment, pointing into the query's class side.
        segment: index into ``BoundarySegments``; region: its linear region.
        label: the query's class; other_label: the class across the segment.
        certified: True when the box edge is farther than ``distance``, so no boundary outside the
            box can be closer (the enumeration only sees inside the box).
    """

    point: np.ndarray
    distance: float
    normal: np.ndarray
    segment: int
    region: int
    label: int
    other_label: int
    certified: bool


def _cell(region: LinearRegion, label: int, tol: float) -> np.ndarray:
    """The part of ``region`` where ``label`` has the largest logit (convex)."""
    others = [k for k in range(len(region.bias)) if k != label]
    normals = region.weight[label] - region.weight[others]  # (K-1, 2)
    offsets = region.bias[label] - region.bias[others]
    return polygons.clip(region.vertices, normals, offsets, tol=tol)


def class_cells(region_map: RegionMap, *, tol: float = polygons.TOL) -> list[tuple]:
    """Each region cut into its class cells: ``[(vertices (V, 2), label, region index), ...]``.

    A region the boundary does not cross is one cell; colouring cells (not regions) by label
    makes the picture exact right up to the boundary.
    """
    cells = []
    for index, region in enumerate(region_map.regions):
        winners = region.logits(region.vertices).argmax(axis=1)
        if (winners == winners[0]).all():
            cells.append((region.vertices, int(winners[0]), index))
            continue
        for label in range(len(region.bias)):
            cell = _cell(region, label, tol)
            if len(cell) >= 3 and polygons.area(cell) > 0:
                cells.append((cell, label, index))
    return cells


def region_segments(region: LinearRegion, tol: float):
    """Tie edges ``(p, q, a, b)``, ``a < b``, in one region: edges shared by class cells."""
    winners = region.logits(region.vertices).argmax(axis=1)
    if (winners == winners[0]).all():  # class cells are convex: one class owns the region
        return []
    classes = len(region.bias)
    found = []
    for a in range(classes - 1):  # a class may own a strip that touches no vertex: try all
        cell = _cell(region, a, tol)
        if len(cell) < 3:
            continue
        logits = region.logits(cell)
        margins = logits[:, [a]] - logits  # (V, K): l_a − l_k
        for i in range(len(cell)):
            j = (i + 1) % len(cell)
            for b in range(a + 1, classes):
                if abs(margins[i, b]) <= tol and abs(margins[j, b]) <= tol:
                    found.append((cell[i], cell[j], a, b))
    return found


def decision_boundary(region_map: RegionMap, *, tol: float = polygons.TOL) -> BoundarySegments:
    """All exact decision-boundary segments inside ``region_map.box``, each tie edge once.

    Returns:
        ``BoundarySegments``.
    """
    rows = [
        (p, q, a, b, index, region.weight[a] - region.weight[b])
        for index, region in enumerate(region_map.regions)
        for p, q, a, b in region_segments(region, tol)
    ]
    if not rows:
        empty = np.zeros((0, 2))
        return BoundarySegments(empty, empty, np.zeros((0, 2), int), np.zeros(0, int), empty)
    start, end, a, b, region, gradient = (np.array(column) for column in zip(*rows, strict=True))
    normal = gradient / np.maximum(np.linalg.norm(gradient, axis=1, keepdims=True), 1e-300)
    return BoundarySegments(start, end, np.stack([a, b], axis=1), region, normal)


def closest_boundary_point(
    segments: BoundarySegments, box, query: np.ndarray, label: int
) -> ClosestBoundaryPoint | None:
    """Brute force over all segments bordering ``label``: the exact closest boundary point.

    Args:
        segments: ``decision_boundary(...)``; box: the enumeration box.
        query: ``(2,)``; label: the query's predicted class.
    Returns:
        ``ClosestBoundaryPoint``, or None when no segment borders ``label`` inside the box.
    """
    query = np.asarray(query, dtype=np.float64)
    borders = np.flatnonzero((segments.classes == label).any(axis=1))
    if len(borders) == 0:
        return None
    points, distances = polygons.closest_on_segments(
        query, segments.start[borders], segments.end[borders]
    )
    best = int(np.argmin(distances))
    index = int(borders[best])
    a, b = segments.classes[index]
    sign = 1.0 if label == a else -1.0
    x_min, x_max, y_min, y_max = box
    to_edge = min(query[0] - x_min, x_max - query[0], query[1] - y_min, y_max - query[1])
    return ClosestBoundaryPoint(
        point=points[best],
        distance=float(distances[best]),
        normal=sign * segments.normal[index],
        segment=index,
        region=int(segments.region[index]),
        label=int(label),
        other_label=int(b if label == a else a),
        certified=bool(distances[best] <= to_edge),
    )
