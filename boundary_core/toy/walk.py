"""A best-first GeoCert-style walk (Jordan et al., NeurIPS 2019) to the closest decision edge.

Instead of enumerating every region, grow outwards from the query's region: pop the region
nearest to the query, look for boundary inside it, and push its neighbours (flip the neuron of
each facet). Stop once the nearest unexplored region is farther than the best boundary point:
nothing left can hold a closer one. Exact, restricted to the box like the enumeration.
"""

import heapq
from dataclasses import dataclass

import numpy as np

from boundary_core.toy import polygons
from boundary_core.toy.boundary import region_segments
from boundary_core.toy.model import Weights, local_affine
from boundary_core.toy.regions import LinearRegion


@dataclass(frozen=True)
class WalkResult:
    """Closest boundary point found by the walk and how many regions it opened."""

    point: np.ndarray | None  # (2,), None when no boundary lies in the box
    distance: float
    visited: int


def pattern_region(weights: Weights, pattern: np.ndarray, box) -> tuple[LinearRegion, list]:
    """The polygon (inside ``box``) of an activation pattern, its affine map, and its neuron lines.

    Returns:
        ``(region, lines)`` where ``lines[j] = (normal (2,), offset)`` is neuron ``j``'s
        pre-activation on this region; the region's vertices are empty if the pattern is infeasible.
    """
    vertices = polygons.box_polygon(box)
    a, c, start, lines = np.eye(2), np.zeros(2), 0, []
    for weight, bias in weights[:-1]:
        normals, offsets = weight @ a, weight @ c + bias
        on = pattern[start : start + len(bias)]
        sign = np.where(on, 1.0, -1.0)
        vertices = polygons.clip(vertices, sign[:, None] * normals, sign * offsets)
        lines.extend(zip(normals, offsets, strict=True))
        a, c, start = on[:, None] * normals, on * offsets, start + len(bias)
    weight, bias = weights[-1]
    return LinearRegion(vertices, pattern.copy(), weight @ a, weight @ c + bias), lines


def _facet_neurons(vertices: np.ndarray, lines, tol: float) -> set[int]:
    """Neurons whose zero line carries an edge of the polygon."""
    neurons = set()
    for i in range(len(vertices)):
        p, q = vertices[i], vertices[(i + 1) % len(vertices)]
        for j, (normal, offset) in enumerate(lines):
            if abs(p @ normal + offset) <= tol and abs(q @ normal + offset) <= tol:
                neurons.add(j)
    return neurons


def closest_boundary_walk(
    weights: Weights, box, query, *, tol: float = polygons.TOL, max_regions: int = 100_000
) -> WalkResult:
    """Exact closest point with a different label than ``query``'s, by best-first region walk."""
    query = np.asarray(query, dtype=np.float64).reshape(2)
    _, _, start_pattern = local_affine(weights, query[None])
    label = int(local_affine(weights, query[None])[1][0].argmax())
    heap = [(0.0, 0, start_pattern[0])]
    seen = {np.packbits(start_pattern[0]).tobytes()}
    best_point, best_distance, visited, counter = None, np.inf, 0, 1
    while heap and visited < max_regions:
        distance, _, pattern = heapq.heappop(heap)
        if distance >= best_distance:
            break
        region, lines = pattern_region(weights, pattern, box)
        visited += 1
        for p, q, a, b in region_segments(region, tol):
            if label in (a, b):
                points, gaps = polygons.closest_on_segments(query, p[None], q[None])
                if gaps[0] < best_distance:
                    best_point, best_distance = points[0], float(gaps[0])
        for neuron in _facet_neurons(region.vertices, lines, tol):
            neighbour = pattern.copy()
            neighbour[neuron] = ~neighbour[neuron]
            key = np.packbits(neighbour).tobytes()
            if key in seen:
                continue
            seen.add(key)
            vertices = pattern_region(weights, neighbour, box)[0].vertices
            if len(vertices) >= 3:
                heapq.heappush(
                    heap, (polygons.distance_to_polygon(query, vertices), counter, neighbour)
                )
                counter += 1
    return WalkResult(best_point, best_distance, visited)
