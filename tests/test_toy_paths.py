"""Exact straight paths, IG and BIG on the toy net: completeness, length weighting, Captum."""

import dataclasses
import math

import numpy as np
import pytest
import shapely
import torch
from captum.attr import IntegratedGradients

from boundary_core.toy import (
    exact_geometry,
    explain_query,
    integrated_gradient,
    layer_weights,
    make_data,
    path_pieces,
    search_boundary,
    train_mlp,
)
from boundary_core.toy.model import local_affine, logits_numpy


@pytest.fixture(scope="module", params=["spirals", "three_blobs"])
def setup(request):
    data = make_data(request.param)
    model = train_mlp(data, (16, 16))
    return model, layer_weights(model), exact_geometry(model, data.box)


QUERIES = [(0.3, -0.4), (-0.9, 0.6), (1.1, 0.2)]


@pytest.mark.parametrize("query", QUERIES)
def test_big_satisfies_completeness(setup, query):
    model, weights, geometry = setup
    explanation = explain_query(model, geometry, query, baseline=(-1.0, -1.0))
    logits = logits_numpy(weights, np.stack([query, explanation.boundary.point]))
    c = explanation.label
    assert explanation.big.sum() == pytest.approx(logits[0, c] - logits[1, c], abs=1e-9)
    baseline_logits = logits_numpy(weights, np.array([[-1.0, -1.0]]))[0]
    assert explanation.ig.sum() == pytest.approx(logits[0, c] - baseline_logits[c], abs=1e-9)


def test_sm_bsm_numbers_by_hand(setup):
    model, _, geometry = setup
    explanation = explain_query(model, geometry, QUERIES[0])
    by_hand = dataclasses.replace(
        explanation, sm=np.array([3.0, 4.0]), bsm=np.array([4.0, 3.0])
    )  # ‖(−1, 1)‖ = √2, cos = 24/25
    assert by_hand.sm_bsm_distance == pytest.approx(math.sqrt(2))
    assert by_hand.sm_bsm_cosine == pytest.approx(24 / 25)
    assert math.isnan(dataclasses.replace(by_hand, sm=np.zeros(2)).sm_bsm_cosine)
    no_boundary = dataclasses.replace(by_hand, bsm=None)
    assert math.isnan(no_boundary.sm_bsm_distance) and math.isnan(no_boundary.sm_bsm_cosine)


@pytest.mark.parametrize("query", QUERIES)
def test_big_is_the_region_length_weighted_sum(setup, query):
    """Lengths from shapely's segment ∩ polygon, gradients from the enumerated regions."""
    model, weights, geometry = setup
    explanation = explain_query(model, geometry, query)
    start, end = explanation.boundary.point, explanation.query
    path = shapely.LineString([start, end])
    total = np.linalg.norm(end - start)
    weighted = np.zeros(2)
    lengths = []
    for region in geometry.regions.regions:
        length = shapely.Polygon(region.vertices).intersection(path).length
        weighted += region.weight[explanation.label] * length / total
        lengths.append(length)
    assert sum(lengths) == pytest.approx(total, rel=1e-9)
    np.testing.assert_allclose(explanation.big, (end - start) * weighted, atol=1e-8)
    # the path pieces carry the same lengths, region by region
    lookup = geometry.regions.index_of_pattern()
    pieces = explanation.big_path
    for pattern, length in zip(pieces.patterns, pieces.lengths, strict=True):
        region = lookup[np.packbits(pattern).tobytes()]
        assert length <= lengths[region] + 1e-9
    assert (np.array(lengths) > 1e-9).sum() == len(pieces)


def test_pieces_are_linear_regions(setup):
    _, weights, _ = setup
    pieces = path_pieces(weights, (-1.8, -1.4), (1.7, 1.3))
    assert np.all(np.diff(pieces.t) > 0) and pieces.t[0] == 0 and pieces.t[-1] == 1
    for k in range(len(pieces)):  # constant pattern from just after one breakpoint to before next
        ts = pieces.t[k] + np.array([1e-7, 0.5, 1 - 1e-7]) * np.diff(pieces.t)[k]
        points = pieces.start + ts[:, None] * (pieces.end - pieces.start)
        _, _, patterns = local_affine(weights, points)
        assert (patterns == pieces.patterns[k]).all()
    assert len(pieces) > 3
    assert (pieces.patterns[1:] != pieces.patterns[:-1]).any(axis=1).all()  # no needless cuts


def test_exact_ig_matches_captum_with_many_steps(setup):
    model, weights, _ = setup
    x, baseline = np.array([1.2, 0.7]), np.array([-1.1, -0.6])
    label = int(logits_numpy(weights, x[None]).argmax())
    exact = integrated_gradient(path_pieces(weights, baseline, x), label)
    approx = IntegratedGradients(model).attribute(
        torch.tensor(x)[None],
        baselines=torch.tensor(baseline)[None],
        target=label,
        n_steps=2000,
        method="riemann_middle",
    )
    # Riemann sums of a piecewise-constant gradient converge as O(1/steps): 1% at 2000 steps
    assert np.linalg.norm(exact - approx[0].numpy()) <= 1e-2 * np.linalg.norm(exact)


def test_sm_and_bsm_are_autograd_gradients_at_x_and_just_inside_x_prime(setup):
    model, _, geometry = setup
    explanation = explain_query(model, geometry, QUERIES[0])
    c = explanation.label

    def gradient(point):
        x = torch.tensor(point, requires_grad=True)
        (g,) = torch.autograd.grad(model(x[None])[0, c], x)
        return g.numpy()

    np.testing.assert_allclose(explanation.sm, gradient(explanation.query), atol=1e-10)
    x_prime = explanation.boundary.point
    inside = x_prime + 1e-9 * (explanation.query - x_prime)
    np.testing.assert_allclose(explanation.bsm, gradient(inside), atol=1e-8)


@pytest.mark.parametrize("preset", ["fast", "paper"])
def test_no_search_preset_beats_the_exact_distance(setup, preset):
    """The exact closest point is a certified minimum: searches can only match or exceed it."""
    model, _, geometry = setup
    query = np.array(QUERIES[1])
    exact = explain_query(model, geometry, query).boundary
    assert exact.certified
    result = search_boundary(model, query[None], preset=preset, box=geometry.box)
    assert bool(result.found[0])
    assert float(result.distance[0]) >= exact.distance * (1 - 1e-5)
    assert float(result.distance[0]) <= 3 * exact.distance  # and it finds a nearby boundary
