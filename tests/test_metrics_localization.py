"""Loc, EG, PP, Con and GT-Loc on hand-made maps with values computed by hand (B.1, B.6)."""

import math

import numpy as np
import pytest
import torch
from scipy import ndimage

from boundary_core.boxes import mask_box
from boundary_core.metrics import (
    METRICS,
    concentration,
    energy_game,
    gt_loc,
    gt_loc_iou,
    localization,
    positive_percentage,
)
from boundary_core.metrics.localization import REGIONS
from boundary_core.metrics.maps import box_mask

pytestmark = pytest.mark.filterwarnings("error")  # a 0/0 must never warn

# Rows are y, columns x. The box (1, 1, 3, 3) is the centre 2×2 block: (1,1)=2, (1,2)=1,
# (2,1)=−1, (2,2)=3. Outside it: (0,3)=−1 and (3,0)=2.
G = np.array(
    [
        [0.0, 0.0, 0.0, -1.0],
        [0.0, 2.0, 1.0, 0.0],
        [0.0, -1.0, 3.0, 0.0],
        [2.0, 0.0, 0.0, 0.0],
    ]
)
BOX = (1, 1, 3, 3)
BOX_METRICS = [localization, energy_game, positive_percentage, concentration]


def test_box_convention_is_half_open_x_columns_y_rows():
    mask = box_mask((1, 0, 3, 2), (4, 4))  # columns 1, 2 of rows 0, 1
    assert mask.sum() == 4 and mask[0, 1] and mask[1, 2] and not mask[2, 1] and not mask[0, 3]
    assert box_mask((-5, -5, 2, 9), (4, 4)).sum() == 2 * 4  # clipped to the image
    with pytest.raises(ValueError):
        box_mask((0.5, 0, 2, 2), (4, 4))


def test_tight_box_is_the_extent_of_the_mask_and_round_trips_through_box_mask():
    rng = np.random.default_rng(0)
    for density in (0.0, 0.02, 0.3):
        mask = rng.random((7, 9)) < density
        box = mask_box(mask)
        if mask.any():  # oracle: min/max of the True pixels' coordinates, end exclusive
            rows, cols = np.nonzero(mask)
            assert box == (cols.min(), rows.min(), cols.max() + 1, rows.max() + 1)
        else:
            assert box == (0, 0, 0, 0)
        tight = box_mask(box, mask.shape)
        assert np.array_equal(REGIONS["box"](mask), tight) and not (mask & ~tight).any()


def test_localization_by_hand():
    # Z ∩ U = {2, 1, 3} -> 3; |U| = 4; positives outside = {(3,0)} -> 1.  3 / (4 + 1)
    assert localization(G, BOX) == pytest.approx(0.6)


def test_energy_game_by_hand():
    # positives in box 2 + 1 + 3 = 6; all positives 6 + 2 = 8
    assert energy_game(G, BOX) == pytest.approx(6 / 8)


def test_positive_percentage_by_hand():
    # positives in box 6; |values| in box 2 + 1 + 1 + 3 = 7
    assert positive_percentage(G, BOX) == pytest.approx(6 / 7)


def test_concentration_by_hand():
    # ĝ over the box = |g| / 7: (1,1) 2/7, (1,2) 1/7, (2,1) 1/7, (2,2) 3/7.
    # centre row = (1·2 + 1·1 + 2·1 + 2·3) / 7 = 11/7; centre column likewise 11/7.
    # distances in [0, 1] coordinates (÷ 4): (1,1) √2·4/7/4 = √2/7, (1,2) and (2,1) 5/7/4 = 5/28,
    # (2,2) √2·3/7/4 = 3√2/28.  Con = (2/7)/(√2/7) + 2·(1/7)/(5/28) + (3/7)/(3√2/28)
    #                               = √2 + 1.6 + 2√2 = 3√2 + 1.6
    assert concentration(G, BOX) == pytest.approx(3 * math.sqrt(2) + 1.6)


def test_concentration_floors_the_centre_pixel_distance():
    g = np.zeros((4, 4))
    g[1, 1] = 5.0  # all mass on one pixel: the centre, distance 0
    # floor = half a pixel = 0.5 / 4 -> Con = 1 / 0.125
    assert concentration(g, BOX) == pytest.approx(8.0)
    assert concentration(g, BOX, min_distance=0.25) == pytest.approx(4.0)


def test_concentration_uses_absolute_values():
    assert concentration(-G, BOX) == pytest.approx(concentration(G, BOX))


@pytest.mark.parametrize("metric", BOX_METRICS)
def test_invariant_to_positive_scale_and_to_transposition(metric):
    assert metric(7.5 * G, BOX) == pytest.approx(metric(G, BOX))
    x0, y0, x1, y1 = (0, 1, 3, 4)  # a non-square box, so transposing it really changes it
    assert metric(G.T, (y0, x0, y1, x1)) == pytest.approx(metric(G, (x0, y0, x1, y1)))


@pytest.mark.parametrize("metric", BOX_METRICS)
def test_channel_reduction_and_torch_input(metric):
    split = np.stack([G - 1.0, np.ones_like(G), np.zeros_like(G)])  # sums to G
    assert metric(split, BOX) == pytest.approx(metric(G, BOX))
    assert metric(torch.tensor(split), BOX, reduction="mean") == pytest.approx(metric(G, BOX))


def test_abs_sum_reduction_makes_every_box_value_positive():
    assert positive_percentage(G, BOX, reduction="abs_sum") == 1.0
    with pytest.raises(ValueError):
        localization(G, BOX, reduction="max")


@pytest.mark.parametrize("metric", BOX_METRICS)
@pytest.mark.parametrize(
    "g, box",
    [
        (G, (2, 1, 2, 3)),  # empty box
        (G, (0, 0, 4, 4)),  # box is the whole image
        (np.zeros((4, 4)), BOX),  # all-zero map
        (np.where(G == 3, np.nan, G), BOX),  # not finite
    ],
)
def test_nan_rules(metric, g, box):
    assert math.isnan(metric(g, box))


def test_no_positive_attribution():
    negative = -np.abs(G)
    assert localization(negative, BOX) == 0.0  # IoU of an empty region: defined, 0
    assert math.isnan(energy_game(negative, BOX))  # 0 / 0
    assert positive_percentage(negative, BOX) == 0.0  # 0 / 7


def test_box_with_no_attribution_inside():
    g = np.zeros((4, 4))
    g[0, 0] = 1.0
    assert localization(g, BOX) == pytest.approx(0 / (4 + 1))
    assert energy_game(g, BOX) == 0.0
    assert math.isnan(positive_percentage(g, BOX))  # 0 / 0 in the box
    assert math.isnan(concentration(g, BOX))


# GT-Loc map: the box (1, 1, 3, 3) holds 4, 3, 2, 1; the other twelve pixels are 0.
# np.percentile (linear) of |g| over 16 values sits at position q·15/100 of the sorted values
# (0 ×12, 1, 2, 3, 4): q=0 -> 0; q=80 -> position 12 -> 1; q=90 -> 13.5 -> 2.5;
# q=95 -> 14.25 -> 3.25.
GT = np.zeros((4, 4))
GT[1:3, 1:3] = [[4.0, 3.0], [2.0, 1.0]]
QS = (0, 80, 90, 95)


def test_gt_loc_by_hand():
    # highlighted g > t: q=0 all four -> IoU 1; q=80 {4,3,2}, box around them = the 2×2 -> 1;
    # q=90 {4,3}, box = one row of two -> 2/4; q=95 {4} -> 1/4
    np.testing.assert_allclose(gt_loc_iou(GT, BOX, percentiles=QS), [1.0, 1.0, 0.5, 0.25])
    # hits need IoU > 0.5 strictly: 0.5 is a miss
    np.testing.assert_array_equal(gt_loc(GT, BOX, percentiles=QS), [1.0, 1.0, 0.0, 0.0])
    # the highlighted pixels themselves instead of their box: q=80 -> 3/4
    iou = gt_loc_iou(GT, BOX, percentiles=QS, region="mask")
    np.testing.assert_allclose(iou, [1.0, 0.75, 0.5, 0.25])


def test_gt_loc_signed_versus_absolute_scores():
    g = GT.copy()
    g[3, 3] = -4.0  # strong negative pixel outside the box
    # signed (default): a negative score is never "higher than the threshold" -> IoU 1 at q=0
    assert gt_loc_iou(g, BOX, percentiles=[0])[0] == 1.0
    # absolute: (3,3) joins; box rows 1..3 × cols 1..3 = 9 pixels, IoU 4/9
    assert gt_loc_iou(g, BOX, percentiles=[0], absolute=True)[0] == pytest.approx(4 / 9)


def test_gt_loc_regions_with_a_stray_pixel():
    g = np.zeros((6, 6))
    g[1:3, 1:3] = 1.0
    g[5, 5] = 1.0  # one stray highlighted pixel far from the box
    iou = {
        r: gt_loc_iou(g, BOX, percentiles=[0], region=r)[0] for r in ("box", "component", "mask")
    }
    # box: rows 1..5 × cols 1..5 = 25 -> 4/25; largest component: the block -> 1; mask: 4/5
    assert iou == pytest.approx({"box": 4 / 25, "component": 1.0, "mask": 0.8})


def test_gt_loc_blur_is_gaussian_filter_first():
    rng = np.random.default_rng(0)
    g = rng.normal(size=(12, 12))
    box = (3, 2, 9, 8)
    blurred = gt_loc_iou(g, box, blur=3.0)
    np.testing.assert_allclose(blurred, gt_loc_iou(ndimage.gaussian_filter(g, 3.0), box))
    assert not np.allclose(blurred, gt_loc_iou(g, box))  # the blur really ran


def test_gt_loc_blur_turns_a_small_blob_into_its_box():
    # 8×8 map, a positive 2×2 blob at the centre; the box is the centre 4×4 (16 of 64 pixels).
    # q = 75: t lies between the 48th and 49th smallest values, so the top 16 pixels light up
    # when they are distinct. Unblurred, only the 4 blob pixels are > t = 0 -> IoU 4/16.
    # Blurred, values fall off with distance from the centre (separable and log-concave), so
    # the top 16 are the centre 4×4 = the box -> IoU 1.
    g = np.zeros((8, 8))
    g[3:5, 3:5] = 1.0
    box = (2, 2, 6, 6)
    assert gt_loc_iou(g, box, percentiles=[75])[0] == pytest.approx(4 / 16)
    for blur in (1.0, 3.0):
        assert gt_loc_iou(g, box, percentiles=[75], blur=blur)[0] == pytest.approx(1.0)


@pytest.mark.parametrize("g, box", [(GT, (0, 0, 4, 4)), (GT, (1, 1, 1, 3)), (0 * GT, BOX)])
def test_gt_loc_nan_rules(g, box):
    assert np.isnan(gt_loc(g, box, percentiles=QS)).all()


def test_registry_declares_direction():
    assert {m.name for m in METRICS.values() if m.higher_is_better} == {
        "loc",
        "eg",
        "pp",
        "con",
        "gt_loc",
    }
    assert not METRICS["l2"].higher_is_better and not METRICS["cosine"].higher_is_better
    assert localization.higher_is_better is True
