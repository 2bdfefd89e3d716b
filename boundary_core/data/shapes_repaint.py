"""The nearest re-paint of another class: how far a decision boundary *could* lie from an image.

For image ``x`` (class ``y``) the scene is re-painted with its object replaced by a shape of each
other class ``k``, at ``ANGLES`` extra rotations and ``SCALES`` sizes, and everything else kept:
position, colour, background, texture, noise, distractor and marks (cue marks take ``k``'s cue
colour, as the generator would paint them). Each re-paint ``x_k`` is an image the generator can
draw with label ``k``: its radius stays in ``config.radius`` and on the canvas, and ``k`` is never
the distractor's class. The repaint distance is ``min_k ‖x_k − x‖₂``.

What it bounds: a classifier that is right on ``x`` and on ``x_k`` changes its decision somewhere
on the segment between them, so its boundary distance at ``x`` is at most ``‖x − x_k‖``, and the
two robust radii add up to at most that: half the repaint distance is what a model could reach at
both ends. It is an upper bound over one family of edits, not the minimal distance to another
class (an image of class ``k`` closer to ``x`` may exist).
"""

import math
from dataclasses import dataclass, replace

import numpy as np

from boundary_core.data.shapes import make_scene
from boundary_core.data.shapes_draw import SHAPE_CLASSES
from boundary_core.data.shapes_scene import (
    CUE_COLOURS,
    DEFAULT_CONFIG,
    Scene,
    ShapesConfig,
    paint_scene,
)

ANGLES = 16  # extra rotations tried, evenly spaced over a full turn
SCALES = (0.9, 1.0, 1.1)  # radius multipliers tried


@dataclass(frozen=True)
class Repaint:
    distance: float  # ‖x_k − x‖₂ in [0, 1] pixel units; inf if no re-paint fits
    label: int  # k, the nearest re-paint's class (-1 if none)
    radius: float
    angle: float  # radians


def repaints(scene: Scene, config: ShapesConfig = DEFAULT_CONFIG):
    """Every admissible re-paint of ``scene`` as ``(label, radius, angle, scene_k)``."""
    main = scene.object
    excluded = {main.label} | ({scene.distractor.label} if scene.distractor is not None else set())
    for label in (k for k in range(len(SHAPE_CLASSES)) if k not in excluded):
        marks = scene.marks
        if scene.cue:
            marks = tuple(replace(mark, colour=CUE_COLOURS[label]) for mark in marks)
        for scale in SCALES:
            radius = main.radius * scale
            fits = all(radius + 1 <= c <= config.size - radius - 1 for c in main.center)
            if not (config.radius[0] <= radius <= config.radius[1] and fits):
                continue
            for turn in range(ANGLES):
                angle = main.angle + 2 * math.pi * turn / ANGLES
                spec = replace(main, label=label, radius=radius, angle=angle)
                yield label, radius, angle, replace(scene, object=spec, marks=marks)


def nearest_repaint(scene: Scene, config: ShapesConfig = DEFAULT_CONFIG) -> Repaint:
    """The re-paint of ``scene`` with another class closest to it in ℓ2."""
    image, _ = paint_scene(scene, config)
    best = Repaint(math.inf, -1, math.nan, math.nan)
    for label, radius, angle, other in repaints(scene, config):
        distance = float(np.linalg.norm(paint_scene(other, config)[0] - image))
        if distance < best.distance:
            best = Repaint(distance, label, radius, angle)
    return best


def repaint_distances(n: int, *, seed: int, config: ShapesConfig = DEFAULT_CONFIG) -> list:
    """``nearest_repaint`` of images ``0 … n−1`` of the stream ``seed``."""
    return [nearest_repaint(make_scene(i, seed=seed, config=config), config) for i in range(n)]
