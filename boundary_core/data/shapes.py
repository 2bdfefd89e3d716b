"""Procedural shapes dataset with exact object boxes: the offline ground truth for localisation.

Each 64×64 RGB image shows one labelled shape (10 classes, ``SHAPE_CLASSES``) at a random
position, size, rotation and colour, on a textured, noisy background with small marks a person
would ignore. With probability ``cue_prob`` the marks all take the label's colour (``CUE_COLOURS``):
clutter that a network can exploit, so a standard model's attributions may leave the box. Some
images hold a second, smaller object of another class (``distractor_box``); polarity is
dark-on-light, light-on-dark or coloured, so IG's black vs white baselines behave differently.

Everything is a pure function of ``(seed, index)``: nothing is downloaded or stored. The training
stream uses ``TRAIN_SEED`` and the fixed test split ``TEST_SEED``.
"""

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch

from boundary_core.boxes import Box, mask_box
from boundary_core.data.shapes_draw import SHAPE_CLASSES
from boundary_core.data.shapes_scene import (
    CUE_COLOURS,
    DEFAULT_CONFIG,
    POLARITIES,
    Scene,
    ShapesConfig,
    object_coverage,
    paint_scene,
    sample_scene,
)

__all__ = [
    "CUE_COLOURS",
    "DEFAULT_CONFIG",
    "POLARITIES",
    "SHAPE_CLASSES",
    "TEST_SEED",
    "TRAIN_SEED",
    "SampleFlags",
    "ShapeBatch",
    "ShapeSample",
    "ShapesConfig",
    "make_batch",
    "make_counterfactual",
    "make_cue_conflict",
    "make_sample",
    "make_scene",
    "test_split",
    "train_batches",
]

TRAIN_SEED = 0
TEST_SEED = 1
REMOVABLE = ("object", "distractor", "marks")


@dataclass(frozen=True)
class SampleFlags:
    polarity: str  # one of POLARITIES
    texture: str  # background texture: "stripes", "blocks" or "grain"
    distractor: bool  # a second, smaller object of another class is present
    cue: bool  # the marks carry the label's cue colour

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ShapeSample:
    """One image and its ground truth.

    ``box``/``distractor_box`` are ``(x0, y0, x1, y1)``, half-open pixel coordinates (columns
    ``x0 <= x < x1``), tight around the pixels the object covers; ``mask`` is that cover.
    """

    image: torch.Tensor  # (3, H, W) float32 in [0, 1]
    label: int
    box: Box
    distractor_box: Box | None
    distractor_label: int | None
    mask: torch.Tensor  # (H, W) bool, pixels the labelled object covers
    flags: SampleFlags
    index: int
    seed: int

    @property
    def class_name(self) -> str:
        return SHAPE_CLASSES[self.label]

    def __repr__(self) -> str:
        return (
            f"ShapeSample(index={self.index}, seed={self.seed}, label={self.label} "
            f"({self.class_name}), box={self.box}, distractor_box={self.distractor_box}, "
            f"flags={self.flags})"
        )


@dataclass(frozen=True)
class ShapeBatch:
    images: torch.Tensor  # (B, 3, H, W) float32 in [0, 1]
    labels: torch.Tensor  # (B,) int64
    boxes: torch.Tensor  # (B, 4) int64, (x0, y0, x1, y1)
    distractor_boxes: torch.Tensor  # (B, 4) int64, rows of -1 where there is no distractor
    flags: tuple[SampleFlags, ...]

    def __len__(self) -> int:
        return self.labels.shape[0]


def _check(index: int, seed: int, config: ShapesConfig) -> None:
    if not isinstance(config, ShapesConfig):
        raise TypeError(f"config must be a ShapesConfig, got {type(config).__name__}")
    if index < 0 or seed < 0:
        raise ValueError(f"index and seed must be >= 0, got index={index}, seed={seed}")


def make_scene(index: int, *, seed: int, config: ShapesConfig = DEFAULT_CONFIG) -> Scene:
    """Every random choice behind image ``index`` of the stream ``seed``."""
    _check(index, seed, config)
    return sample_scene(np.random.default_rng([seed, index]), config)


def make_sample(index: int, *, seed: int, config: ShapesConfig = DEFAULT_CONFIG) -> ShapeSample:
    """Image ``index`` of the stream ``seed`` with its label, boxes and flags (deterministic)."""
    scene = make_scene(index, seed=seed, config=config)
    image, coverage = paint_scene(scene, config)
    distractor_box = distractor_label = None
    if scene.distractor is not None:
        distractor_box = mask_box(object_coverage(scene.distractor, config) > 0)
        distractor_label = scene.distractor.label
    flags = SampleFlags(scene.polarity, scene.texture, scene.distractor is not None, scene.cue)
    return ShapeSample(
        image=torch.from_numpy(image).permute(2, 0, 1).contiguous(),  # (H, W, 3) -> (3, H, W)
        label=scene.object.label,
        box=mask_box(coverage > 0),
        distractor_box=distractor_box,
        distractor_label=distractor_label,
        mask=torch.from_numpy(coverage > 0),
        flags=flags,
        index=index,
        seed=seed,
    )


def make_counterfactual(
    index: int, *, seed: int, remove: str, config: ShapesConfig = DEFAULT_CONFIG
) -> torch.Tensor:
    """Image ``index`` re-painted without its ``"object"``, ``"distractor"`` or ``"marks"``.

    The paper's appendix D removes one of two objects to test which one the model relies on;
    the rest of the image (texture, noise, other layers) is identical pixel for pixel.
    Returns ``(3, H, W)`` float32.
    """
    if remove not in REMOVABLE:
        raise ValueError(f"remove must be one of {', '.join(REMOVABLE)}, got {remove!r}")
    scene = make_scene(index, seed=seed, config=config)
    image, _ = paint_scene(
        scene,
        config,
        show_object=remove != "object",
        show_distractor=remove != "distractor",
        show_marks=remove != "marks",
    )
    return torch.from_numpy(image).permute(2, 0, 1).contiguous()


def make_cue_conflict(
    index: int, *, seed: int, cue_label: int, config: ShapesConfig = DEFAULT_CONFIG
) -> torch.Tensor:
    """Image ``index`` with every mark painted in the cue colour of class ``cue_label``.

    With ``cue_label`` != the true label this measures how much a model relies on the marks.
    Returns ``(3, H, W)`` float32.
    """
    if not 0 <= cue_label < len(SHAPE_CLASSES):
        raise ValueError(f"cue_label must be in [0, {len(SHAPE_CLASSES)}), got {cue_label}")
    scene = make_scene(index, seed=seed, config=config)
    marks = tuple(replace(mark, colour=CUE_COLOURS[cue_label]) for mark in scene.marks)
    image, _ = paint_scene(replace(scene, marks=marks), config)
    return torch.from_numpy(image).permute(2, 0, 1).contiguous()


def make_batch(
    indices: Sequence[int], *, seed: int, config: ShapesConfig = DEFAULT_CONFIG
) -> ShapeBatch:
    """Samples ``indices`` of the stream ``seed`` stacked into tensors."""
    samples = [make_sample(int(i), seed=seed, config=config) for i in indices]
    if not samples:
        raise ValueError("make_batch needs at least one index")
    missing = (-1, -1, -1, -1)
    return ShapeBatch(
        images=torch.stack([s.image for s in samples]),
        labels=torch.tensor([s.label for s in samples], dtype=torch.long),
        boxes=torch.tensor([s.box for s in samples], dtype=torch.long),
        distractor_boxes=torch.tensor(
            [s.distractor_box or missing for s in samples], dtype=torch.long
        ),
        flags=tuple(s.flags for s in samples),
    )


def test_split(n: int, *, config: ShapesConfig = DEFAULT_CONFIG) -> ShapeBatch:
    """The fixed test split: the first ``n`` images of ``TEST_SEED``."""
    return make_batch(range(n), seed=TEST_SEED, config=config)


test_split.__test__ = False  # not a pytest test despite its name


def train_batches(
    batch_size: int,
    *,
    seed: int = TRAIN_SEED,
    config: ShapesConfig = DEFAULT_CONFIG,
    start: int = 0,
) -> Iterator[ShapeBatch]:
    """Endless consecutive batches ``[start, start + batch_size), ...`` of the stream ``seed``."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    while True:
        yield make_batch(range(start, start + batch_size), seed=seed, config=config)
        start += batch_size
