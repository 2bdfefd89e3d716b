"""Convex polygons as ``(V, 2)`` float64 vertex arrays: half-plane splitting, area, distance.

Hand-written rather than through shapely: splitting a convex polygon by a line is the inner loop
of region enumeration (thousands of calls), where a dozen lines of numpy beat shapely's per-call
overhead and ``shapely.ops.split``'s geometry collections. Shapely stays the independent oracle
in the tests (areas, overlaps, unions).
"""

import numpy as np

TOL = 1e-9  # absolute tolerance on affine values at vertices (inputs are O(1))
ToyBox = tuple[float, float, float, float]  # the toy's window (x_min, x_max, y_min, y_max)


def box_polygon(box: ToyBox) -> np.ndarray:
    """Counter-clockwise ``(4, 2)`` rectangle ``(x_min, x_max, y_min, y_max)``."""
    x_min, x_max, y_min, y_max = box
    return np.array([[x_min, y_min], [x_max, y_min], [x_max, y_max], [x_min, y_max]], float)


def area(vertices: np.ndarray) -> float:
    """Shoelace area (positive for counter-clockwise vertices)."""
    x, y = vertices[:, 0], vertices[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _dedupe(points: list[np.ndarray], tol: float) -> np.ndarray:
    """Drop consecutive (cyclic) duplicate vertices."""
    kept: list[np.ndarray] = []
    for point in points:
        if not kept or np.abs(point - kept[-1]).max() > tol:
            kept.append(point)
    if len(kept) > 1 and np.abs(kept[0] - kept[-1]).max() <= tol:
        kept.pop()
    return np.array(kept).reshape(-1, 2)


def split(
    vertices: np.ndarray, values: np.ndarray, *, tol: float = TOL
) -> tuple[np.ndarray, np.ndarray]:
    """Split a convex polygon by the zero line of an affine function sampled at its vertices.

    Args:
        vertices: ``(V, 2)`` counter-clockwise.
        values: ``(V,)`` the affine function at the vertices (``|value| <= tol``: on the line).
    Returns:
        ``(positive part, negative part)``, each ``(V', 2)`` counter-clockwise; a part with fewer
        than 3 vertices is empty.
    """
    values = np.where(np.abs(values) <= tol, 0.0, values)
    positive: list[np.ndarray] = []
    negative: list[np.ndarray] = []
    count = len(vertices)
    for i in range(count):
        p, q = vertices[i], vertices[(i + 1) % count]
        vp, vq = values[i], values[(i + 1) % count]
        if vp >= 0:
            positive.append(p)
        if vp <= 0:
            negative.append(p)
        if vp * vq < 0:
            crossing = p + (vp / (vp - vq)) * (q - p)
            positive.append(crossing)
            negative.append(crossing)
    return _dedupe(positive, tol), _dedupe(negative, tol)


def clip(vertices: np.ndarray, normals: np.ndarray, offsets: np.ndarray, *, tol: float = TOL):
    """Intersect a convex polygon with the half-planes ``normals @ x + offsets >= 0``.

    Args:
        normals: ``(H, 2)``; offsets: ``(H,)``.
    Returns:
        ``(V', 2)`` vertices (fewer than 3 rows when the intersection is degenerate).
    """
    for normal, offset in zip(normals, offsets, strict=True):
        if len(vertices) < 3:
            break
        values = vertices @ normal + offset
        if values.min() >= -tol:
            continue
        vertices, _ = split(vertices, values, tol=tol)
    return vertices


def distance_to_polygon(point: np.ndarray, vertices: np.ndarray) -> float:
    """ℓ2 distance from ``point (2,)`` to a convex polygon (0 inside)."""
    edges = np.roll(vertices, -1, axis=0) - vertices  # (V, 2)
    cross = edges[:, 0] * (point[1] - vertices[:, 1]) - edges[:, 1] * (point[0] - vertices[:, 0])
    if cross.min() >= 0:
        return 0.0
    _, distance = closest_on_segments(point, vertices, vertices + edges)
    return float(distance.min())


def closest_on_segments(point: np.ndarray, start: np.ndarray, end: np.ndarray):
    """Closest points on segments ``[start_i, end_i]`` (``(S, 2)`` each) to ``point (2,)``.

    Returns:
        ``(points (S, 2), distances (S,))``.
    """
    direction = end - start
    length2 = np.einsum("sd,sd->s", direction, direction)
    t = np.einsum("sd,sd->s", point - start, direction) / np.maximum(length2, 1e-300)
    closest = start + np.clip(t, 0.0, 1.0)[:, None] * direction
    return closest, np.linalg.norm(closest - point, axis=1)
