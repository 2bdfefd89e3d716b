"""ℓ2 and cosine distances between attribution maps (Sec. 5.1, Table 1), values by hand."""

import math

import numpy as np
import pytest
import torch

from boundary_core.metrics import (
    cosine_distance,
    cosine_distance_batch,
    l2_distance,
    l2_distance_batch,
)

pytestmark = pytest.mark.filterwarnings("error")

# a = (3, 0, 0, 4) with ‖a‖ = 5, b = (0, 0, 0, 4) with ‖b‖ = 4, as (1, 2, 2) maps
A = np.array([[[3.0, 0.0], [0.0, 4.0]]])
B = np.array([[[0.0, 0.0], [0.0, 4.0]]])


def test_raw_l2_by_hand():
    # a − b = (3, 0, 0, 0)
    assert l2_distance(A, B) == pytest.approx(3.0)
    assert l2_distance(A, B, scale="none") == pytest.approx(3.0)


def test_unit_l2_by_hand():
    # a/5 − b/4 = (0.6, 0, 0, 0.8 − 1) -> sqrt(0.36 + 0.04) = sqrt(0.4)
    assert l2_distance(A, B, scale="unit") == pytest.approx(math.sqrt(0.4))


def test_cosine_by_hand_and_its_link_to_unit_l2():
    # a·b = 16, ‖a‖‖b‖ = 20 -> cos = 0.8 -> distance 0.2; unit ℓ2 = sqrt(2 · 0.2)
    assert cosine_distance(A, B) == pytest.approx(0.2)
    assert l2_distance(A, B, scale="unit") == pytest.approx(math.sqrt(2 * cosine_distance(A, B)))
    assert cosine_distance(A, -A) == pytest.approx(2.0)
    assert cosine_distance(A, 3 * A) == pytest.approx(0.0)


def test_only_raw_l2_sees_magnitude():
    assert l2_distance(A, 10 * B, scale="unit") == pytest.approx(l2_distance(A, B, scale="unit"))
    assert cosine_distance(A, 10 * B) == pytest.approx(cosine_distance(A, B))
    # a − 10b = (3, 0, 0, −36)
    assert l2_distance(A, 10 * B) == pytest.approx(math.sqrt(9 + 36**2))


def test_batch_equals_one_at_a_time_and_accepts_torch():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 3, 3, 4, 4))  # two (B=3, C=3, 4, 4) batches
    for scale in ("none", "unit"):
        batch = l2_distance_batch(torch.tensor(a), torch.tensor(b), scale=scale)
        assert batch.shape == (3,)
        np.testing.assert_allclose(batch, [l2_distance(a[i], b[i], scale=scale) for i in range(3)])
    cosine = cosine_distance_batch(a, b)
    np.testing.assert_allclose(cosine, [cosine_distance(a[i], b[i]) for i in range(3)])


def test_zero_map_has_no_direction():
    zero = np.zeros_like(A)
    assert l2_distance(A, zero) == pytest.approx(5.0)
    assert math.isnan(l2_distance(A, zero, scale="unit"))
    assert math.isnan(cosine_distance(zero, B))
    rows = cosine_distance_batch(np.stack([A, zero]), np.stack([B, B]))
    assert rows[0] == pytest.approx(0.2) and math.isnan(rows[1])  # one zero row spoils only itself


def test_bad_input():
    with pytest.raises(ValueError):
        l2_distance(A, B[..., :1])
    with pytest.raises(ValueError):
        l2_distance(A, B, scale="max")
