"""The fast search against the exact distance of a 2-D ReLU net (toy geometry as the oracle)."""

import numpy as np
import torch

from boundary_core.bench.toy import _widened
from boundary_core.search import find_boundary
from boundary_core.toy import ToyTrainConfig, exact_geometry, explain_query, make_data, train_mlp
from boundary_core.toy.threads import one_thread


def test_fast_search_is_within_two_percent_of_exact_on_the_circles_net():
    """The 40 circles queries of ``bench toy`` (seed 0): the old DDN search stopped 1.027× the
    exact distance on one of them (a bending boundary its annealed steps could not follow)."""
    data = make_data("circles", seed=0)
    rng = np.random.default_rng(0)
    rng.uniform(size=2 + 40 * 2 + 2)  # the bench's draws before these queries (moons, then one)
    queries = rng.uniform([data.box[0], data.box[2]], [data.box[1], data.box[3]], size=(40, 2))
    with one_thread():
        model = train_mlp(data, (16, 16), config=ToyTrainConfig(mode="standard"))
        geometry = exact_geometry(model, _widened(data.box))
        exact = [explain_query(model, geometry, q).boundary for q in queries]
        assert all(e is not None and e.certified for e in exact)
        result = find_boundary(model, torch.as_tensor(queries), bounds=None)
    ratio = result.distance.numpy() / np.array([e.distance for e in exact])
    assert result.found.all()
    assert ratio.min() >= 1.0 - 1e-9  # the exact distance is the minimum
    assert ratio.max() <= 1.02
