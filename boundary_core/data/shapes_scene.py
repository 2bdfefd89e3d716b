"""What is in one shapes image (sampled from a seeded RNG) and how it is painted.

A ``Scene`` holds every random choice, so painting is a pure function of it: the same scene can be
re-painted without its object, its distractor object or its marks (the counterfactuals of the
paper's appendix D), and tests can compare the layers pixel by pixel.
"""

import colorsys
import math
from dataclasses import dataclass

import numpy as np

from boundary_core.data.shapes_draw import (
    SHAPE_CLASSES,
    Patch,
    disc_patch,
    segment_patch,
    shape_patch,
)

POLARITIES = ("dark_on_light", "light_on_dark", "colour")
TEXTURES = ("stripes", "blocks", "grain")
# One saturated hue per class: the colour the distractor marks take when the scene carries the cue.
CUE_COLOURS = tuple(colorsys.hsv_to_rgb(k / len(SHAPE_CLASSES), 1.0, 1.0) for k in range(10))


@dataclass(frozen=True)
class ShapesConfig:
    size: int = 64  # image side in pixels (H = W)
    supersample: int = 4  # anti-aliasing: supersample² inside-tests per pixel
    radius: tuple[float, float] = (9.0, 20.0)  # labelled object's radius in pixels
    distractor_prob: float = 0.3  # chance of a second object of another class
    distractor_scale: tuple[float, float] = (0.45, 0.6)  # its radius / the object's: smaller
    polarity_probs: tuple[float, float, float] = (0.3, 0.3, 0.4)  # dark/light/colour, POLARITIES
    cue_prob: float = 0.5  # chance the marks take the label's cue colour (exploitable clutter)
    marks: tuple[int, int] = (3, 8)  # number of small distractor marks (inclusive)
    min_contrast: float = 0.45  # ℓ2 RGB distance object ↔ background in "colour" scenes
    texture_amplitude: tuple[float, float] = (0.03, 0.1)  # background texture strength
    ramp_amplitude: float = 0.12  # largest brightness ramp across the background
    noise_std: tuple[float, float] = (0.005, 0.03)  # per-pixel Gaussian noise on the whole image


DEFAULT_CONFIG = ShapesConfig()


@dataclass(frozen=True)
class ObjectSpec:
    label: int
    center: tuple[float, float]  # (x, y) pixels
    radius: float  # pixels
    angle: float  # radians
    colour: tuple[float, float, float]  # RGB in [0, 1]


@dataclass(frozen=True)
class Mark:
    kind: str  # "dot" or "stroke"
    start: tuple[float, float]
    end: tuple[float, float]  # == start for dots
    width: float  # dot radius or stroke width, pixels
    colour: tuple[float, float, float]


@dataclass(frozen=True)
class Scene:
    object: ObjectSpec
    distractor: ObjectSpec | None
    marks: tuple[Mark, ...]
    polarity: str
    texture: str
    cue: bool
    background: tuple[float, float, float]  # base RGB
    ramp: tuple[float, float]  # (amplitude, direction in radians)
    texture_amplitude: float
    texture_period: float  # stripes only, pixels
    texture_angle: float  # stripes only, radians
    noise_std: float
    noise_seed: int  # seeds block patterns, grain and the final noise


def _colours(rng: np.random.Generator, polarity: str, config: ShapesConfig):
    """Background base colour and a colour generator for the objects of this polarity."""
    if polarity == "dark_on_light":
        background = rng.uniform(0.7, 0.88) + rng.uniform(-0.05, 0.05, 3)
        return background, lambda: rng.uniform(0.0, 0.25, 3)
    if polarity == "light_on_dark":
        background = rng.uniform(0.1, 0.3) + rng.uniform(-0.05, 0.05, 3)
        return background, lambda: rng.uniform(0.75, 1.0, 3)
    background = rng.uniform(0.15, 0.85, 3)

    def colour() -> np.ndarray:
        candidates = rng.uniform(0.0, 1.0, (16, 3))  # first one far enough from the background
        far = np.linalg.norm(candidates - background, axis=1) >= config.min_contrast
        return candidates[int(np.argmax(far))] if far.any() else np.round(1 - background)

    return background, colour


def _place_distractor(rng, main: ObjectSpec, radius: float, size: int):
    """A centre whose bounding square is disjoint from the main object's, or None."""
    for _ in range(20):
        x, y = rng.uniform(radius + 1, size - radius - 1, 2)
        gap = main.radius + radius + 1
        if abs(x - main.center[0]) > gap or abs(y - main.center[1]) > gap:
            return (float(x), float(y))
    return None


def _marks(rng: np.random.Generator, label: int, cue: bool, config: ShapesConfig):
    marks = []
    for _ in range(int(rng.integers(config.marks[0], config.marks[1] + 1))):
        colour = CUE_COLOURS[label] if cue else tuple(rng.uniform(0.0, 1.0, 3))
        start = tuple(rng.uniform(1.0, config.size - 1.0, 2))
        if rng.random() < 0.5:
            marks.append(Mark("dot", start, start, float(rng.uniform(0.7, 1.6)), colour))
            continue
        length, angle = rng.uniform(2.0, 5.0), rng.uniform(0, 2 * math.pi)
        end = (start[0] + length * math.cos(angle), start[1] + length * math.sin(angle))
        marks.append(Mark("stroke", start, end, float(rng.uniform(0.8, 1.4)), colour))
    return tuple(marks)


def sample_scene(rng: np.random.Generator, config: ShapesConfig) -> Scene:
    """Draw every random choice of one image from ``rng``."""
    size, n_classes = config.size, len(SHAPE_CLASSES)
    label = int(rng.integers(n_classes))
    polarity = POLARITIES[int(rng.choice(3, p=config.polarity_probs))]
    background, colour = _colours(rng, polarity, config)
    radius = float(rng.uniform(*config.radius))
    center = tuple(float(c) for c in rng.uniform(radius + 1, size - radius - 1, 2))
    main = ObjectSpec(label, center, radius, float(rng.uniform(0, 2 * math.pi)), tuple(colour()))
    distractor = None
    if rng.random() < config.distractor_prob:
        other = int((label + rng.integers(1, n_classes)) % n_classes)
        small = max(5.0, radius * float(rng.uniform(*config.distractor_scale)))
        where = _place_distractor(rng, main, small, size)
        angle = float(rng.uniform(0, 2 * math.pi))
        if where is not None:
            distractor = ObjectSpec(other, where, small, angle, tuple(colour()))
    cue = bool(rng.random() < config.cue_prob)
    return Scene(
        object=main,
        distractor=distractor,
        marks=_marks(rng, label, cue, config),
        polarity=polarity,
        texture=TEXTURES[int(rng.integers(len(TEXTURES)))],
        cue=cue,
        background=tuple(float(c) for c in np.clip(background, 0, 1)),
        ramp=(float(rng.uniform(0, config.ramp_amplitude)), float(rng.uniform(0, 2 * math.pi))),
        texture_amplitude=float(rng.uniform(*config.texture_amplitude)),
        texture_period=float(rng.uniform(3.0, 7.0)),
        texture_angle=float(rng.uniform(0, math.pi)),
        noise_std=float(rng.uniform(*config.noise_std)),
        noise_seed=int(rng.integers(2**31)),
    )


def _background(scene: Scene, size: int, rng: np.random.Generator) -> np.ndarray:
    """Base colour + brightness ramp + texture, ``(H, W, 3)``."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) / size - 0.5  # (H, W) each
    amplitude, direction = scene.ramp
    shade = amplitude * (math.cos(direction) * xs + math.sin(direction) * ys)  # (H, W)
    strength = scene.texture_amplitude
    if scene.texture == "stripes":
        phase = math.cos(scene.texture_angle) * xs + math.sin(scene.texture_angle) * ys
        texture = strength * np.sin(2 * math.pi * phase * size / scene.texture_period)
        texture = np.repeat(texture[..., None], 3, axis=2)
    elif scene.texture == "blocks":
        cells = rng.uniform(-strength, strength, (8, 8, 3)).astype(np.float32)
        cell = math.ceil(size / 8)
        texture = np.repeat(np.repeat(cells, cell, axis=0), cell, axis=1)[:size, :size]
    else:
        texture = rng.normal(0.0, strength, (size, size, 3)).astype(np.float32)
    base = np.asarray(scene.background, dtype=np.float32)
    return base + (shade[..., None] + texture).astype(np.float32)


def _paint(canvas: np.ndarray, patch: Patch, colour) -> None:
    h, w = patch.coverage.shape
    region = canvas[patch.top : patch.top + h, patch.left : patch.left + w]  # view, (h, w, 3)
    alpha = patch.coverage[..., None]  # (h, w, 1)
    region *= 1 - alpha
    region += alpha * np.asarray(colour, dtype=np.float32)


def paint_scene(
    scene: Scene,
    config: ShapesConfig,
    *,
    show_object: bool = True,
    show_distractor: bool = True,
    show_marks: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Paint ``scene`` (layers: background, marks, distractor, object, noise).

    Returns:
        ``image (H, W, 3)`` float32 in ``[0, 1]`` and the object's coverage ``(H, W)`` (computed
        even when it is hidden).
    """
    size, rng = config.size, np.random.default_rng(scene.noise_seed)
    canvas = _background(scene, size, rng)
    noise = rng.normal(0.0, scene.noise_std, (size, size, 3)).astype(np.float32)
    for mark in scene.marks if show_marks else ():
        if mark.kind == "dot":
            patch = disc_patch(mark.start, mark.width, (size, size))
        else:
            patch = segment_patch(mark.start, mark.end, mark.width, (size, size))
        _paint(canvas, patch, mark.colour)
    if scene.distractor is not None and show_distractor:
        _paint(canvas, object_patch(scene.distractor, config), scene.distractor.colour)
    patch = object_patch(scene.object, config)
    if show_object:
        _paint(canvas, patch, scene.object.colour)
    return np.clip(canvas + noise, 0.0, 1.0), patch.on_canvas((size, size))


def object_patch(spec: ObjectSpec, config: ShapesConfig) -> Patch:
    """Anti-aliased coverage of one object drawn alone (``object_coverage`` on a patch)."""
    size = (config.size, config.size)
    name = SHAPE_CLASSES[spec.label]
    return shape_patch(
        name, spec.center, spec.radius, spec.angle, size, supersample=config.supersample
    )


def object_coverage(spec: ObjectSpec, config: ShapesConfig) -> np.ndarray:
    """Anti-aliased ``(H, W)`` coverage of one object drawn alone on a blank canvas."""
    return object_patch(spec, config).on_canvas((config.size, config.size))
