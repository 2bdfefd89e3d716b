"""Anti-aliased drawing of the ten shape classes with numpy masks (no drawing library).

Every shape is an inside-test on points of its unit frame (the shape fits in the unit disc).
``render_shape`` maps the sub-pixel centres of the pixels around the object into that frame
(translate, rotate, scale) and averages the inside-test over ``supersample²`` points per pixel,
so the coverage is anti-aliased and its support (coverage > 0) defines the exact bounding box.
Written by hand because Pillow's ``ImageDraw`` has no anti-aliasing and no rotated primitives.
"""

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from boundary_core.boxes import Box, mask_box

SHAPE_CLASSES = (
    "circle",
    "square",
    "triangle",
    "star",
    "cross",
    "ring",
    "diamond",
    "hexagon",
    "crescent",
    "arrow",
)


def _regular_polygon(sides: int, radius: float = 1.0, phase: float = math.pi / 2) -> np.ndarray:
    angles = phase + 2 * math.pi * np.arange(sides) / sides
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (sides, 2)


def _star(points: int = 5, inner: float = 0.45) -> np.ndarray:
    angles = math.pi / 2 + math.pi * np.arange(2 * points) / points
    radii = np.where(np.arange(2 * points) % 2 == 0, 1.0, inner)
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)  # (2p, 2)


# Polygons in the unit frame (counter-clockwise, inside the unit disc).
POLYGONS = {
    "square": np.array([[-0.7, -0.7], [0.7, -0.7], [0.7, 0.7], [-0.7, 0.7]]),
    "triangle": _regular_polygon(3),
    "star": _star(),
    "cross": np.array(
        [
            [0.28, 0.28],
            [0.28, 0.95],
            [-0.28, 0.95],
            [-0.28, 0.28],
            [-0.95, 0.28],
            [-0.95, -0.28],
            [-0.28, -0.28],
            [-0.28, -0.95],
            [0.28, -0.95],
            [0.28, -0.28],
            [0.95, -0.28],
            [0.95, 0.28],
        ]
    ),
    # Elongated rhombus: a rotated square must not look like a diamond.
    "diamond": np.array([[0.0, -1.0], [0.55, 0.0], [0.0, 1.0], [-0.55, 0.0]]),
    "hexagon": _regular_polygon(6, phase=0.0),
    "arrow": np.array(
        [
            [-0.95, -0.22],
            [0.15, -0.22],
            [0.15, -0.6],
            [0.95, 0.0],
            [0.15, 0.6],
            [0.15, 0.22],
            [-0.95, 0.22],
        ]
    ),
}


def inside_polygon(u: np.ndarray, v: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Even-odd crossing test of points ``(u, v)`` (same shape) against a ``(E, 2)`` polygon."""
    inside = np.zeros(u.shape, dtype=bool)
    for (xi, yi), (xj, yj) in zip(vertices, np.roll(vertices, 1, axis=0), strict=True):
        if yi == yj:  # a horizontal edge is never crossed by a horizontal ray
            continue
        straddles = (v < yi) != (v < yj)
        inside ^= straddles & (u < xi + (v - yi) * ((xj - xi) / (yj - yi)))
    return inside


def inside_shape(name: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Boolean inside-test of shape ``name`` at unit-frame points ``(u, v)``."""
    if name in POLYGONS:
        return inside_polygon(u, v, POLYGONS[name])
    r2 = u * u + v * v
    if name == "circle":
        return r2 <= 1.0
    if name == "ring":
        return (r2 <= 1.0) & (r2 >= 0.55**2)
    if name == "crescent":
        return (r2 <= 1.0) & ((u - 0.5) ** 2 + v * v > 0.8**2)
    raise ValueError(f"unknown shape {name!r}; known shapes: {', '.join(SHAPE_CLASSES)}")


def shape_vertices(name: str, center: tuple[float, float], radius: float, angle: float):
    """Pixel coordinates ``(E, 2)`` of a polygon shape's vertices (None for curved shapes)."""
    if name not in POLYGONS:
        return None
    cos, sin = math.cos(angle), math.sin(angle)
    u, v = POLYGONS[name][:, 0], POLYGONS[name][:, 1]
    x = center[0] + radius * (cos * u - sin * v)
    y = center[1] + radius * (sin * u + cos * v)
    return np.stack([x, y], axis=1)


class Patch(NamedTuple):
    """Coverage of a region of the canvas: ``coverage (h, w)`` whose top-left pixel is
    ``(top, left)``. Painting only the patch keeps drawing fast."""

    coverage: np.ndarray
    top: int
    left: int

    def on_canvas(self, size: tuple[int, int]) -> np.ndarray:
        canvas = np.zeros(size, dtype=np.float32)
        h, w = self.coverage.shape
        canvas[self.top : self.top + h, self.left : self.left + w] = self.coverage
        return canvas


def render_shape(
    name: str,
    center: tuple[float, float],
    radius: float,
    angle: float,
    size: tuple[int, int],
    *,
    supersample: int = 4,
) -> tuple[np.ndarray, Box]:
    """Anti-aliased coverage of shape ``name`` on an ``(H, W)`` canvas and its tight box.

    Args:
        center: ``(x, y)`` in pixels (pixel ``(i, j)`` covers ``[j, j+1) × [i, i+1)``).
        radius: pixels; the shape lies inside the disc of this radius around ``center``.
        angle: rotation in radians (counter-clockwise in ``(x, y)``).
        size: ``(H, W)`` of the canvas.
    Returns:
        ``coverage (H, W)`` float32 in ``[0, 1]`` and the box ``(x0, y0, x1, y1)`` of the pixels
        with coverage > 0 (``(0, 0, 0, 0)`` if the shape misses the canvas).
    """
    coverage = shape_patch(name, center, radius, angle, size, supersample=supersample)
    coverage = coverage.on_canvas(size)
    return coverage, mask_box(coverage > 0)


def shape_patch(
    name: str,
    center: tuple[float, float],
    radius: float,
    angle: float,
    size: tuple[int, int],
    *,
    supersample: int = 4,
) -> Patch:
    """``render_shape`` restricted to the pixels around the shape."""
    if name not in SHAPE_CLASSES:
        raise ValueError(f"unknown shape {name!r}; known shapes: {', '.join(SHAPE_CLASSES)}")
    inside = lambda u, v: inside_shape(name, u, v)  # noqa: E731
    return render_patch(inside, center, radius, angle, size, supersample=supersample)


def render_patch(
    inside: Callable[[np.ndarray, np.ndarray], np.ndarray],
    center: tuple[float, float],
    radius: float,
    angle: float,
    size: tuple[int, int],
    *,
    supersample: int = 4,
) -> Patch:
    """Coverage of the unit-frame region ``inside(u, v)`` (see ``render_shape``)."""
    height, width = size
    x0, x1 = max(0, math.floor(center[0] - radius)), min(width, math.ceil(center[0] + radius))
    y0, y1 = max(0, math.floor(center[1] - radius)), min(height, math.ceil(center[1] + radius))
    if x1 <= x0 or y1 <= y0:
        return Patch(np.zeros((0, 0), dtype=np.float32), 0, 0)
    offsets = (np.arange(supersample) + 0.5) / supersample
    xs = (np.arange(x0, x1)[:, None] + offsets).ravel() - center[0]  # (w·s,)
    ys = (np.arange(y0, y1)[:, None] + offsets).ravel() - center[1]  # (h·s,)
    cos, sin = math.cos(angle), math.sin(angle)
    xs, ys = xs.astype(np.float32) / radius, ys.astype(np.float32) / radius
    u = cos * xs[None, :] + sin * ys[:, None]  # inverse rotation, (h·s, w·s)
    v = -sin * xs[None, :] + cos * ys[:, None]
    covered = inside(u, v).astype(np.float32)
    h, w = y1 - y0, x1 - x0
    return Patch(covered.reshape(h, supersample, w, supersample).mean(axis=(1, 3)), y0, x0)


def disc_patch(center: tuple[float, float], radius: float, size: tuple[int, int]) -> Patch:
    """A small disc (distractor marks)."""
    return shape_patch("circle", center, radius, 0.0, size)


def segment_patch(
    start: tuple[float, float], end: tuple[float, float], width: float, size: tuple[int, int]
) -> Patch:
    """A straight stroke (a thin rectangle) from ``start`` to ``end``."""
    length = math.hypot(end[0] - start[0], end[1] - start[1])
    angle = math.atan2(end[1] - start[1], end[0] - start[0])
    center = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    half_length, half_width = max(length / 2, 1e-3), width / 2
    radius = math.hypot(half_length, half_width)
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * [half_length, half_width] / radius
    inside = lambda u, v: inside_polygon(u, v, corners)  # noqa: E731
    return render_patch(inside, center, radius, angle, size)
