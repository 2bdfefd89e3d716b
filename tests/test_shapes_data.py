"""The shapes dataset: determinism, exact boxes, distractors, balance, counterfactuals."""

import math

import numpy as np
import pytest
import torch

from boundary_core.boxes import mask_box
from boundary_core.data.shapes import (
    SHAPE_CLASSES,
    TEST_SEED,
    TRAIN_SEED,
    ShapesConfig,
    make_batch,
    make_counterfactual,
    make_cue_conflict,
    make_sample,
    make_scene,
)
from boundary_core.data.shapes_draw import render_shape, shape_vertices
from boundary_core.data.shapes_scene import object_coverage

INDICES = range(40)


def test_same_seed_same_images_other_seed_other_images():
    first = make_batch(INDICES, seed=TEST_SEED)
    again = make_batch(INDICES, seed=TEST_SEED)
    other = make_batch(INDICES, seed=TRAIN_SEED)
    assert torch.equal(first.images, again.images)
    assert torch.equal(first.boxes, again.boxes)
    assert not torch.equal(first.images, other.images)
    one = make_sample(7, seed=TEST_SEED)  # a sample does not depend on its batch
    assert torch.equal(one.image, first.images[7])


def test_images_are_float_rgb_in_unit_range():
    sample = make_sample(0, seed=TEST_SEED)
    assert sample.image.shape == (3, 64, 64) and sample.image.dtype == torch.float32
    assert 0.0 <= sample.image.min() and sample.image.max() <= 1.0


@pytest.mark.parametrize("index", INDICES)
def test_box_is_the_tight_box_of_the_object_drawn_alone(index):
    sample = make_sample(index, seed=TEST_SEED)
    scene = make_scene(index, seed=TEST_SEED)
    spec = scene.object
    coverage, box = render_shape(
        SHAPE_CLASSES[spec.label], spec.center, spec.radius, spec.angle, (64, 64)
    )
    assert sample.box == box == mask_box(sample.mask.numpy())
    x0, y0, x1, y1 = sample.box
    assert 0 <= x0 < x1 <= 64 and 0 <= y0 < y1 <= 64
    # Painting the object changes exactly the pixels it covers (the other layers are identical).
    without = make_counterfactual(index, seed=TEST_SEED, remove="object")
    changed = (sample.image - without).abs().amax(dim=0) > 0  # (H, W)
    assert not changed[~torch.from_numpy(coverage > 0)].any()
    assert mask_box(changed.numpy()) == sample.box


@pytest.mark.parametrize("index", INDICES)
def test_polygon_boxes_agree_with_the_vertices(index):
    """Independent oracle: a polygon's box spans its vertices (±1 pixel of anti-aliasing)."""
    spec = make_scene(index, seed=TEST_SEED).object
    vertices = shape_vertices(SHAPE_CLASSES[spec.label], spec.center, spec.radius, spec.angle)
    if vertices is None:  # curved shape: its disc bounds the box
        x0, y0, x1, y1 = make_sample(index, seed=TEST_SEED).box
        (cx, cy), r = spec.center, spec.radius
        assert cx - r - 1 <= x0 and x1 <= cx + r + 1 and cy - r - 1 <= y0 and y1 <= cy + r + 1
        return
    x0, y0, x1, y1 = make_sample(index, seed=TEST_SEED).box
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    assert abs(x0 - math.floor(low[0])) <= 1 and abs(x1 - math.ceil(high[0])) <= 1
    assert abs(y0 - math.floor(low[1])) <= 1 and abs(y1 - math.ceil(high[1])) <= 1


def test_distractor_boxes_are_recorded_disjoint_and_of_another_class():
    seen = 0
    for index in range(120):
        sample = make_sample(index, seed=TEST_SEED)
        if sample.distractor_box is None:
            assert not sample.flags.distractor and sample.distractor_label is None
            continue
        seen += 1
        spec = make_scene(index, seed=TEST_SEED).distractor
        assert mask_box(object_coverage(spec, ShapesConfig()) > 0) == sample.distractor_box
        assert sample.distractor_label != sample.label
        ax0, ay0, ax1, ay1 = sample.box
        bx0, by0, bx1, by1 = sample.distractor_box
        assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0  # boxes do not overlap
        area = (bx1 - bx0) * (by1 - by0)
        assert area < (ax1 - ax0) * (ay1 - ay0)  # the labelled object is the larger one
        removed = make_counterfactual(index, seed=TEST_SEED, remove="distractor")
        changed = (sample.image - removed).abs().amax(dim=0) > 0
        assert mask_box(changed.numpy()) == sample.distractor_box
    assert 20 <= seen <= 60  # distractor_prob = 0.3


def test_class_balance_and_flag_mix():
    batch = make_batch(range(400), seed=TRAIN_SEED)
    counts = torch.bincount(batch.labels, minlength=len(SHAPE_CLASSES))
    assert counts.min() >= 20 and counts.max() <= 60  # 40 expected per class
    polarities = {flags.polarity for flags in batch.flags}
    assert polarities == {"dark_on_light", "light_on_dark", "colour"}
    assert 150 <= sum(flags.cue for flags in batch.flags) <= 250  # cue_prob = 0.5
    missing = batch.distractor_boxes[:, 0] < 0
    assert missing.tolist() == [not flags.distractor for flags in batch.flags]


def test_polarity_means_dark_object_on_light_ground_and_vice_versa():
    for index in range(60):
        sample = make_sample(index, seed=TEST_SEED)
        inside = sample.image[:, sample.mask].mean()
        outside = sample.image[:, ~sample.mask].mean()
        if sample.flags.polarity == "dark_on_light":
            assert inside + 0.3 < outside
        elif sample.flags.polarity == "light_on_dark":
            assert inside > outside + 0.3


def test_cue_conflict_only_recolours_the_marks():
    index = next(i for i in range(50) if make_sample(i, seed=TEST_SEED).flags.cue)
    sample = make_sample(index, seed=TEST_SEED)
    same = make_cue_conflict(index, seed=TEST_SEED, cue_label=sample.label)
    assert torch.equal(same, sample.image)
    other = make_cue_conflict(index, seed=TEST_SEED, cue_label=(sample.label + 1) % 10)
    without_marks = make_counterfactual(index, seed=TEST_SEED, remove="marks")
    changed = (other - sample.image).abs().amax(dim=0) > 0
    marks = (without_marks - sample.image).abs().amax(dim=0) > 0
    assert changed.any() and not (changed & ~marks).any()


def test_smaller_images_work():
    small = ShapesConfig(size=40, radius=(6.0, 12.0))
    sample = make_sample(3, seed=TEST_SEED, config=small)
    assert sample.image.shape == (3, 40, 40) and sample.box[2] <= 40


def test_bad_arguments():
    with pytest.raises(ValueError):
        make_sample(-1, seed=0)
    with pytest.raises(ValueError):
        make_counterfactual(0, seed=0, remove="sky")
    with pytest.raises(ValueError):
        make_batch([], seed=0)
    with pytest.raises(TypeError):
        make_sample(0, seed=0, config={"size": 64})


def test_every_shape_renders_inside_its_disc():
    for name in SHAPE_CLASSES:
        coverage, box = render_shape(name, (32.0, 32.0), 10.0, 0.7, (64, 64))
        assert coverage.sum() > 50 and 21 <= box[0] and box[2] <= 43
        assert np.all((coverage >= 0) & (coverage <= 1))
