"""The counterfactual page's claim per map is the energy game, NaN rules included."""

import math

import numpy as np
import pytest

from boundary_core.metrics import energy_game
from ui.counterfactual import claims_frame, share_inside


def test_share_inside_is_the_energy_game_by_hand():
    attribution = np.zeros((3, 4, 4))
    attribution[0, 0, 0], attribution[1, 3, 3], attribution[2, 1, 1] = 3.0, 1.0, -5.0
    # positives inside (0, 0, 2, 2): 3; all positives 3 + 1 (the −5 is ignored)
    assert share_inside(attribution, (0, 0, 2, 2)) == pytest.approx(0.75)
    assert share_inside(attribution, (0, 0, 2, 2)) == energy_game(attribution, (0, 0, 2, 2))


@pytest.mark.parametrize(
    "attribution, box",
    [
        (np.zeros((3, 4, 4)), (0, 0, 2, 2)),  # an all-zero map claims nothing (was 0/0 -> NaN too)
        (np.ones((3, 4, 4)), (0, 0, 4, 4)),  # the whole image: nothing to localise (was 1.0)
        (np.ones((3, 4, 4)), (2, 2, 2, 2)),  # an empty rectangle (was 0.0)
        (np.full((3, 4, 4), np.nan), (0, 0, 2, 2)),  # not finite
    ],
)
def test_share_inside_follows_the_metrics_nan_rules(attribution, box):
    assert math.isnan(share_inside(attribution, box))


def test_claims_frame_one_column_per_map_nan_for_a_zero_map():
    maps = {"sm": np.ones((3, 4, 4)), "ig": np.zeros((3, 4, 4))}
    frame = claims_frame(maps, (0, 0, 2, 2))
    assert frame.shape == (1, 2) and list(frame.index) == ["share inside"]
    values = frame.iloc[0].to_numpy()
    assert values[0] == pytest.approx(4 / 16) and math.isnan(values[1])
