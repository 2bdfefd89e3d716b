"""The toy's IDGI weights along the exact straight path and its Guided IG path (issue 19)."""

import numpy as np
import pytest
import torch

from boundary_core import attributions as attr
from boundary_core.toy import layer_weights, make_data, path_pieces, train_mlp
from boundary_core.toy.model import logits_numpy
from boundary_core.toy.path_methods import exact_idgi, toy_guided_path

BASELINE = (-1.0, -1.0)
QUERIES = [(0.3, -0.4), (-0.9, 0.6), (1.1, 0.2)]


@pytest.fixture(scope="module")
def toy():
    model = train_mlp(make_data("spirals"), (16, 16))
    return model, layer_weights(model)


def logit(weights, point, label):
    return float(logits_numpy(weights, np.asarray(point, dtype=np.float64)[None])[0, label])


@pytest.mark.parametrize("query", QUERIES)
def test_exact_idgi_is_complete_and_the_limit_of_the_steps(toy, query):
    model, weights = toy
    label = int(np.argmax(logits_numpy(weights, np.array([query]))[0]))
    pieces = exact_idgi(path_pieces(weights, BASELINE, query), label)
    gap = logit(weights, query, label) - logit(weights, BASELINE, label)
    assert pieces.attribution.sum() == pytest.approx(gap, abs=1e-9)
    nonzero = pieces.weights.sum(1) > 0
    np.testing.assert_allclose(pieces.weights[nonzero].sum(1), 1.0)
    # the image code's IDGI with many steps converges to the piecewise-exact value
    x = torch.tensor([query], dtype=torch.float64)
    start = torch.tensor([BASELINE], dtype=torch.float64)
    stepped, _ = attr.idgi(model, x, torch.tensor([label]), start, steps=4001)
    np.testing.assert_allclose(stepped[0].numpy(), pieces.attribution, atol=5e-3 * abs(gap) + 1e-6)


def test_exact_idgi_in_one_region_by_hand():
    """One linear region (a net with no active kink between the ends): IDGI = g² (g·Δ) / ‖g‖²."""
    weights = [(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([5.0, 5.0])),
               (np.array([[3.0, -1.0]]), np.array([0.0]))]  # fmt: skip
    pieces = path_pieces(weights, (0.0, 0.0), (1.0, 2.0))
    assert len(pieces) == 1
    # g = (3, −1), Δ = (1, 2): g·Δ = 1, g²/‖g‖² = (0.9, 0.1)
    np.testing.assert_allclose(exact_idgi(pieces, 0).attribution, [0.9, 0.1])


@pytest.mark.parametrize("query", QUERIES)
def test_guided_path_stays_near_the_line_and_ends_at_the_query(toy, query):
    model, weights = toy
    label = int(np.argmax(logits_numpy(weights, np.array([query]))[0]))
    path = toy_guided_path(model, query, label, BASELINE, steps=50, max_dist=0.1)
    np.testing.assert_allclose(path.points[0], BASELINE)
    np.testing.assert_allclose(path.points[-1], query, atol=1e-12)
    along = (path.points - BASELINE) / (np.asarray(query) - BASELINE)  # (steps + 1, 2)
    schedule = np.arange(51)[:, None] / 50
    assert np.abs(along - schedule).max() <= 0.1 + 1e-9  # never further than max_dist
    gap = logit(weights, query, label) - logit(weights, BASELINE, label)
    assert path.guided_ig_idgi.sum() == pytest.approx(gap, abs=1e-9)
    assert path.guided_ig.sum() == pytest.approx(gap, abs=0.1 * abs(gap))  # roughly only
    full, _ = attr.guided_ig(
        model,
        torch.tensor([query], dtype=torch.float64),
        torch.tensor([label]),
        torch.tensor([BASELINE], dtype=torch.float64),
        steps=50,
        max_dist=0.1,
    )
    np.testing.assert_allclose(path.guided_ig, full[0].numpy(), atol=1e-12)
