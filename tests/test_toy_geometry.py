"""Exact regions and decision boundary of the toy MLP against independent oracles.

Oracles: the network's own forward pass at densely sampled points (patterns, logits, labels)
and shapely (areas, unions, containment).
"""

import numpy as np
import pytest
import shapely
import torch

from boundary_core.toy import (
    class_cells,
    closest_boundary_point,
    decision_boundary,
    enumerate_regions,
    layer_weights,
    make_data,
    make_mlp,
    train_mlp,
)
from boundary_core.toy.model import local_affine, logits_numpy
from boundary_core.toy.walk import closest_boundary_walk

BOX = (-2.0, 2.0, -1.5, 1.5)


def _grid(box, n):
    xs, ys = np.linspace(box[0], box[1], n), np.linspace(box[2], box[3], n)
    return np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)


@pytest.fixture(scope="module", params=["random_2class", "random_3class_deep", "trained_moons"])
def net(request):
    if request.param == "random_2class":
        return layer_weights(make_mlp((8, 8), 2, seed=3))
    if request.param == "random_3class_deep":
        return layer_weights(make_mlp((6, 6, 6), 3, seed=5))
    return layer_weights(train_mlp(make_data("moons"), (16, 16)))


@pytest.fixture(scope="module")
def region_map(net):
    return enumerate_regions(net, BOX)


def test_regions_tile_the_box_without_overlap(region_map):
    polygons = [shapely.Polygon(r.vertices) for r in region_map.regions]
    assert all(p.is_valid and p.area > 0 for p in polygons)
    box_area = (BOX[1] - BOX[0]) * (BOX[3] - BOX[2])
    assert shapely.union_all(polygons).area == pytest.approx(box_area, rel=1e-9)
    assert sum(p.area for p in polygons) == pytest.approx(box_area, rel=1e-9)  # no overlaps


def test_each_region_pattern_and_affine_map_match_the_network(net, region_map):
    patterns = {np.packbits(r.pattern).tobytes() for r in region_map.regions}
    assert len(patterns) == len(region_map)  # a pattern is one convex region
    for region in region_map.regions:
        centre = region.vertices.mean(axis=0)
        inside = np.vstack([centre, 0.9 * region.vertices + 0.1 * centre])
        _, _, pattern = local_affine(net, centre[None])
        np.testing.assert_array_equal(pattern[0], region.pattern)
        np.testing.assert_allclose(region.logits(inside), logits_numpy(net, inside), atol=1e-9)


def test_dense_sampling_finds_only_enumerated_patterns(net, region_map):
    points = _grid(BOX, 300)
    _, _, patterns = local_affine(net, points)
    lookup = region_map.index_of_pattern()
    index = np.array([lookup.get(np.packbits(p).tobytes(), -1) for p in patterns])
    assert (index >= 0).all()
    # the region found by pattern contains the point (shapely, with a float tolerance)
    shapes = [shapely.Polygon(r.vertices).buffer(1e-9) for r in region_map.regions]
    sample = np.arange(0, len(points), 97)
    assert all(shapes[index[i]].contains(shapely.Point(points[i])) for i in sample)


@pytest.mark.parametrize("seed", [0, 1])
def test_region_count_equals_sampled_pattern_count_on_a_small_net(seed):
    """A grid of spacing h hits every region holding a disc of radius h/√2, and nothing else."""
    weights = layer_weights(make_mlp((4, 3), 2, seed=seed))
    regions = enumerate_regions(weights, BOX)
    n = 600
    _, _, patterns = local_affine(weights, _grid(BOX, n))
    sampled = {np.packbits(p).tobytes() for p in patterns}
    spacing = (BOX[1] - BOX[0]) / (n - 1)
    inradius = [
        shapely.maximum_inscribed_circle(shapely.Polygon(r.vertices)).length
        for r in regions.regions
    ]
    wide = {
        np.packbits(r.pattern).tobytes()
        for r, d in zip(regions.regions, inradius, strict=True)
        if d > spacing / np.sqrt(2)
    }
    assert wide <= sampled <= {np.packbits(r.pattern).tobytes() for r in regions.regions}
    assert len(sampled) >= len(regions) - sum(d <= spacing for d in inradius) > 5


def test_boundary_segments_are_top_two_ties(net, region_map):
    segments = decision_boundary(region_map)
    assert len(segments) > 0
    for points in (segments.start, segments.end, (segments.start + segments.end) / 2):
        logits = logits_numpy(net, points)
        a, b = segments.classes[:, 0], segments.classes[:, 1]
        rows = np.arange(len(points))
        np.testing.assert_allclose(logits[rows, a], logits[rows, b], atol=1e-8)
        assert (logits.max(axis=1) <= logits[rows, a] + 1e-8).all()  # no third class above


def test_every_label_change_on_a_grid_is_near_a_segment(net, region_map):
    n = 160
    points = _grid(BOX, n)
    labels = logits_numpy(net, points).argmax(axis=1).reshape(n, n)
    change = np.argwhere(labels[:, 1:] != labels[:, :-1])  # horizontal neighbours
    segments = decision_boundary(region_map)
    lines = shapely.MultiLineString(
        [[p, q] for p, q in zip(segments.start, segments.end, strict=True)]
    )
    spacing = (BOX[1] - BOX[0]) / (n - 1)
    for row, col in change[:: max(1, len(change) // 60)]:
        midpoint = (points[row * n + col] + points[row * n + col + 1]) / 2
        assert lines.distance(shapely.Point(midpoint)) <= spacing


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_closest_point_against_brute_force_sampling(net, region_map, seed):
    segments = decision_boundary(region_map)
    rng = np.random.default_rng(seed)
    query = rng.uniform([-1.0, -0.8], [1.0, 0.8])
    label = int(logits_numpy(net, query[None]).argmax())
    closest = closest_boundary_point(segments, BOX, query, label)
    assert closest is not None
    d = closest.distance
    # lower bound: nothing with another label strictly inside the disc of radius d
    radius = d * np.sqrt(rng.uniform(0, 1, 40_000)) * (1 - 1e-7)
    angle = rng.uniform(0, 2 * np.pi, 40_000)
    disc = query + radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    assert (logits_numpy(net, disc).argmax(axis=1) == label).all()
    # upper bound: just past x' (along x' − x) the label has changed
    step = (closest.point - query) / d
    beyond = logits_numpy(net, (closest.point + 1e-7 * step)[None]).argmax()
    assert beyond != label and beyond == closest.other_label
    # and the GeoCert-style walk agrees with the brute force over all segments
    walk = closest_boundary_walk(net, BOX, query)
    assert walk.distance == pytest.approx(d, abs=1e-12)
    assert walk.visited <= len(region_map)


def test_normal_is_the_margin_gradient_pointing_into_the_query_class():
    model = train_mlp(make_data("three_blobs"), (8, 8))
    weights = layer_weights(model)
    box = (-2.2, 2.2, -2.0, 2.0)
    segments = decision_boundary(enumerate_regions(weights, box))
    query = np.array([0.1, 0.9])
    label = int(logits_numpy(weights, query[None]).argmax())
    closest = closest_boundary_point(segments, box, query, label)
    x_var = torch.tensor(closest.point + 1e-9 * (query - closest.point), requires_grad=True)
    logits = model(x_var[None])[0]
    (gradient,) = torch.autograd.grad(logits[label] - logits[closest.other_label], x_var)
    np.testing.assert_allclose(closest.normal, (gradient / gradient.norm()).numpy(), atol=1e-7)
    # the closest point of a segment interior: x − x' is parallel to the normal
    if not any(
        np.allclose(closest.point, e) for e in segments.start.tolist() + segments.end.tolist()
    ):
        direction = (query - closest.point) / closest.distance
        assert abs(direction @ closest.normal) == pytest.approx(1.0, abs=1e-9)


def test_class_cells_tile_the_box_with_the_network_label(net, region_map):
    cells = class_cells(region_map)
    shapes = [shapely.Polygon(vertices) for vertices, _, _ in cells]
    box_area = (BOX[1] - BOX[0]) * (BOX[3] - BOX[2])
    assert sum(s.area for s in shapes) == pytest.approx(box_area, rel=1e-9)
    centres = np.array([vertices.mean(axis=0) for vertices, _, _ in cells])
    labels = np.array([label for _, label, _ in cells])
    np.testing.assert_array_equal(logits_numpy(net, centres).argmax(axis=1), labels)
