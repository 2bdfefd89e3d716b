"""Nearest re-paints of another class: admissible images, and a distance computed by hand."""

import math
from dataclasses import replace

import numpy as np
import pytest

from boundary_core.bench.repaint import median_ratio_interval
from boundary_core.cli import main as cli_main
from boundary_core.data.shapes import TEST_SEED, make_scene
from boundary_core.data.shapes_draw import SHAPE_CLASSES
from boundary_core.data.shapes_repaint import (
    ANGLES,
    SCALES,
    nearest_repaint,
    repaint_distances,
    repaints,
)
from boundary_core.data.shapes_scene import CUE_COLOURS, DEFAULT_CONFIG, paint_scene

CIRCLE, RING = SHAPE_CLASSES.index("circle"), SHAPE_CLASSES.index("ring")


def plain_circle_scene():
    """A dark circle (r = 16) on a flat light ground; no texture, ramp, noise, marks, distractor."""
    scene = make_scene(0, seed=TEST_SEED)
    circle = replace(
        scene.object,
        label=CIRCLE,
        center=(32.0, 32.0),
        radius=16.0,
        angle=0.0,
        colour=(0.1, 0.1, 0.1),
    )
    return replace(
        scene,
        object=circle,
        distractor=None,
        marks=(),
        cue=False,
        texture="stripes",
        texture_amplitude=0.0,
        background=(0.8, 0.8, 0.8),
        ramp=(0.0, 0.0),
        noise_std=0.0,
    )


def test_circle_to_ring_differs_by_exactly_the_hole():
    scene = plain_circle_scene()
    ring = next(s for k, r, a, s in repaints(scene) if k == RING and r == 16.0 and a == 0.0)
    distance = np.linalg.norm(
        paint_scene(ring, DEFAULT_CONFIG)[0] - paint_scene(scene, DEFAULT_CONFIG)[0]
    )
    # The hole (radius 0.55 r) turns from object colour to ground: ‖c − b‖ · sqrt(π (0.55 r)²).
    by_hand = math.sqrt(3) * 0.7 * math.sqrt(math.pi) * 0.55 * 16.0
    assert distance == pytest.approx(by_hand, rel=0.02)  # anti-aliased edge pixels
    nearest = nearest_repaint(scene)
    assert nearest.distance <= distance + 1e-9 and nearest.label != CIRCLE


@pytest.mark.parametrize("index", range(6))
def test_repaints_are_images_the_generator_could_draw(index):
    scene = make_scene(index, seed=TEST_SEED)
    candidates = list(repaints(scene))
    excluded = {scene.object.label} | (
        {scene.distractor.label} if scene.distractor is not None else set()
    )
    labels = {label for label, *_ in candidates}
    assert labels == set(range(len(SHAPE_CLASSES))) - excluded  # r × 1.0 always fits
    assert len(candidates) <= len(labels) * len(SCALES) * ANGLES
    low, high = DEFAULT_CONFIG.radius
    for label, radius, _, other in candidates:
        assert low <= radius <= high and other.object.label == label
        assert all(radius + 1 <= c <= DEFAULT_CONFIG.size - radius - 1 for c in other.object.center)
        cue = CUE_COLOURS[label] if scene.cue else None
        assert all(
            m.colour == (cue or o.colour) for m, o in zip(other.marks, scene.marks, strict=True)
        )
    # Everything but the object (and cue marks) is painted pixel for pixel as before.
    label, _, _, other = candidates[len(candidates) // 2]
    keep = {"show_object": False, "show_marks": not scene.cue}
    before = paint_scene(scene, DEFAULT_CONFIG, **keep)[0]
    assert np.array_equal(paint_scene(other, DEFAULT_CONFIG, **keep)[0], before)


def test_nearest_repaint_reports_the_distance_it_found():
    scene = make_scene(3, seed=TEST_SEED)
    nearest = nearest_repaint(scene)
    found = next(
        s
        for k, r, a, s in repaints(scene)
        if (k, r, a) == (nearest.label, nearest.radius, nearest.angle)
    )
    image = paint_scene(scene, DEFAULT_CONFIG)[0]
    assert nearest.distance == pytest.approx(
        np.linalg.norm(paint_scene(found, DEFAULT_CONFIG)[0] - image)
    )
    assert 0 < nearest.distance < math.inf


def test_bootstrap_interval_of_an_exact_ratio_is_that_ratio():
    rng = np.random.default_rng(1)
    first = rng.uniform(0.1, 1.0, 40)
    everyone = np.ones(40, bool)
    assert median_ratio_interval(first, 3 * first, everyone, everyone) == pytest.approx((3, 3))
    second, keep = 3 * first, rng.random(40) < 0.8  # dropping images widens it around 3
    low, high = median_ratio_interval(first, second, everyone, keep)
    assert low < high and low <= np.median(second[keep]) / np.median(first) <= high


def test_bench_repaint_table(capsys):
    assert cli_main(["bench", "repaint", "--n", "4", "--threads", "1", "--no-record"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("| all |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    expected = np.median([r.distance for r in repaint_distances(4, seed=TEST_SEED)])
    assert cells[1] == "4" and float(cells[2]) == pytest.approx(expected, abs=5e-4)
    assert "shapes-robust / shapes-standard" in out and "target ≥ 5×" in out
