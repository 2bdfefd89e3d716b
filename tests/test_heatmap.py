"""Heatmaps: TruLens signed_max with a fixed range, shared scales, the palettes against matplotlib
and under simulated colour blindness, Captum's scaling against Captum itself."""

import subprocess
import sys

import numpy as np
import pytest
import torch
from captum.attr._utils.visualization import _cumulative_sum_threshold, _normalize_attr
from matplotlib import colormaps
from matplotlib.colors import LinearSegmentedColormap
from scipy import ndimage
from skimage.color import deltaE_ciede2000, rgb2lab

from boundary_core.heatmap import (
    PALETTES,
    Scale,
    amplified_perturbation,
    blue_white_red,
    captum_normalize,
    captum_overlay,
    captum_threshold,
    diverging,
    jet,
    normalise,
    own_scale,
    paper_heatmap,
    paper_overlay,
    paper_values,
    shared_scale,
    signed_max,
    to_uint8,
)

pytestmark = pytest.mark.filterwarnings("error")

T = np.linspace(0.0, 1.0, 101)


def test_jet_matches_matplotlib():
    oracle = colormaps["jet"].resampled(2**16)(T)[:, :3]  # fine bins ≈ continuous
    np.testing.assert_allclose(jet(T), oracle, atol=1e-3)


def test_signed_max_scales_each_sign_on_its_own():
    values = np.array([[4.0, 2.0], [-2.0, -1.0]])
    np.testing.assert_allclose(signed_max(values), [[1.0, 0.5], [-1.0, -0.5]])
    np.testing.assert_allclose(signed_max(np.array([[3.0, 0.0]])), [[1.0, 0.0]])  # no negatives
    np.testing.assert_array_equal(signed_max(np.zeros((2, 2))), np.zeros((2, 2)))


def test_paper_heatmap_is_mean_blur_signed_max():
    rng = np.random.default_rng(0)
    attribution = rng.normal(size=(3, 56, 56))
    expected = signed_max(ndimage.gaussian_filter(attribution.mean(axis=0), sigma=2.5))
    np.testing.assert_allclose(paper_heatmap(attribution, blur=2.5), expected)
    # default blur: the paper's σ = 10 at 224 px, scaled to 56 px -> 2.5
    np.testing.assert_allclose(paper_heatmap(torch.tensor(attribution)), expected)
    unblurred = paper_heatmap(attribution, blur=0)
    assert unblurred.max() == 1.0 and unblurred.min() == -1.0


def test_fixed_range_keeps_a_positive_map_off_the_negative_colours():
    image = np.zeros((3, 4, 4))
    attribution = np.zeros((4, 4))
    attribution[1, 1], attribution[2, 2] = 2.0, 1.0  # one-signed: zeros and positives
    colour = paper_overlay(image, attribution, blur=0, alpha=1.0, palette="jet")
    # zero -> jet(0.5) (green), never jet(0) (dark blue) as a data-driven range would give
    np.testing.assert_allclose(colour[0, 0], jet(0.5))
    np.testing.assert_allclose(colour[1, 1], jet(1.0))
    np.testing.assert_allclose(colour[2, 2], jet(0.75))
    assert colour[..., 0].min() >= jet(0.5)[0] - 1e-12  # the blue half has red < jet(0.5)
    negative = paper_overlay(image, -attribution, blur=0, alpha=1.0, palette="jet")
    np.testing.assert_allclose(negative[1, 1], jet(0.0))
    assert negative[..., 0].max() <= jet(0.5)[0] + 1e-12


def test_overlay_blends_over_the_min_max_scaled_image():
    image = np.stack([np.full((2, 2), 0.2), np.full((2, 2), 0.4), np.full((2, 2), 0.6)])
    attribution = np.array([[1.0, 0.0], [0.0, 0.0]])
    # image min-max over all channels: (0.2, 0.4, 0.6) -> (0, 0.5, 1)
    np.testing.assert_allclose(
        paper_overlay(image, attribution, blur=0, alpha=0.0)[0, 0], [0, 0.5, 1]
    )
    half = paper_overlay(image, attribution, blur=0, alpha=0.5)
    red = blue_white_red(1.0)  # the default palette's +1
    np.testing.assert_allclose(half[0, 0], 0.5 * red + 0.5 * np.array([0.0, 0.5, 1.0]))
    grey = paper_overlay(np.full((1, 2, 2), 0.3), attribution, blur=0, alpha=0.0)
    np.testing.assert_array_equal(grey, np.zeros((2, 2, 3)))  # constant image -> black
    with pytest.raises(ValueError):
        paper_overlay(np.zeros((3, 3, 3)), attribution)


@pytest.mark.parametrize("sign", ["all", "positive", "negative", "absolute_value"])
@pytest.mark.parametrize("outlier", [0.5, 2.0, 10.0])
def test_captum_normalize_matches_captum(sign, outlier):
    rng = np.random.default_rng(1)
    attribution = rng.standard_t(df=2, size=(3, 8, 8))  # heavy tails so clipping matters
    oracle = _normalize_attr(attribution.sum(axis=0), sign, outlier)
    ours = captum_normalize(attribution, sign=sign, outlier_percent=outlier)
    np.testing.assert_allclose(ours, oracle)
    if outlier > 0 and sign == "all":
        threshold = _cumulative_sum_threshold(np.abs(attribution.sum(axis=0)), 100 - outlier)
        assert (np.abs(ours) == 1.0).sum() == (np.abs(attribution.sum(axis=0)) >= threshold).sum()


def test_captum_normalize_without_outliers_divides_by_the_max():
    # Captum itself can raise IndexError here (its cumulative target overshoots by rounding)
    rng = np.random.default_rng(1)
    values = rng.standard_t(df=2, size=(8, 8))
    for sign, part in [("positive", np.maximum(values, 0)), ("all", values)]:
        expected = part / np.abs(part).max()
        np.testing.assert_allclose(captum_normalize(values, sign=sign, outlier_percent=0), expected)


def test_captum_normalize_zero_map_and_bad_sign():
    np.testing.assert_array_equal(captum_normalize(np.zeros((3, 2, 2))), np.zeros((2, 2)))
    np.testing.assert_array_equal(captum_normalize(np.ones((2, 2)), sign="negative"), 0.0)
    with pytest.raises(ValueError):
        captum_normalize(np.ones((2, 2)), sign="both")


def test_captum_overlay_draws_the_palette_with_positive_red():
    attribution = np.array([[1.0, -1.0, 0.0, 0.5]])  # (1, 4); outlier 0 keeps the max at 1
    colour = captum_overlay(np.zeros((3, 1, 4)), attribution, outlier_percent=0.0, alpha=1.0)
    oracle = colormaps["RdBu_r"].resampled(2**16)((attribution[0] + 1) / 2)[:, :3]
    np.testing.assert_allclose(colour[0], oracle, atol=1e-3)
    assert colour[0, 0, 0] > colour[0, 0, 2] and colour[0, 1, 2] > colour[0, 1, 0]  # red, blue
    # alpha blends over the grey image (channel mean, min-max scaled)
    image = np.stack([np.array([[0.0, 1.0, 1.0, 1.0]])] * 3)
    blended = captum_overlay(image, attribution, outlier_percent=0.0, alpha=0.25)
    np.testing.assert_allclose(blended[0, 0], 0.25 * colour[0, 0] + 0.75 * 0.0)
    np.testing.assert_allclose(blended[0, 1], 0.25 * colour[0, 1] + 0.75 * 1.0)
    # one-signed modes keep the sign colours: negative-only parts are drawn blue, never red
    negative = captum_overlay(np.zeros((3, 1, 4)), attribution, sign="negative", alpha=1.0)
    np.testing.assert_allclose(negative[0, 1], blue_white_red(0.0), atol=1e-12)


def test_blue_white_red_is_matplotlib_rdbu_r():
    oracle = colormaps["RdBu_r"].resampled(2**16)(T)[:, :3]
    np.testing.assert_allclose(blue_white_red(T), oracle, atol=1e-3)


@pytest.mark.parametrize("palette", list(PALETTES))
def test_every_palette_draws_positive_red_and_zero_in_the_middle(palette):
    positive, zero, negative = diverging(np.array([1.0, 0.0, -1.0]), palette)
    assert positive[0] > max(positive[1], positive[2])  # "pushes towards the class" is red
    assert negative[2] > max(negative[0], negative[1])  # against it: blue
    np.testing.assert_allclose(diverging(np.array([5.0, -5.0]), palette), [positive, negative])
    with pytest.raises(ValueError, match="palette"):
        diverging(np.zeros(2), "rainbow")


# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
DEFICIENCIES = {
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413]]
    + [[-0.011820, 0.042940, 0.968881]],
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216]]
    + [[-0.003882, -0.048116, 1.051998]],
}
LEVELS = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])  # strongly/weakly against, zero, for


def seen_with(deficiency: str, rgb: np.ndarray) -> np.ndarray:
    """sRGB as a person with ``deficiency`` sees it (Machado 2009 on linear RGB)."""
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    seen = np.clip(linear @ np.array(DEFICIENCIES[deficiency]).T, 0.0, 1.0)
    return np.where(seen <= 0.0031308, 12.92 * seen, 1.055 * seen ** (1 / 2.4) - 0.055)


def closest_pair(colours: np.ndarray, deficiency: str) -> float:
    """The smallest CIEDE2000 difference between any two of ``colours`` as seen."""
    lab = rgb2lab(seen_with(deficiency, colours)[None])[0]
    return min(
        deltaE_ciede2000(lab[i], lab[j]) for i in range(len(lab)) for j in range(i + 1, len(lab))
    )


RED_WHITE_GREEN = LinearSegmentedColormap.from_list("RdWhGn", ["red", "white", "green"], N=2**16)
JUST_DISTINCT = 15.0  # CIEDE2000; 1 is a just-noticeable difference, 15 "clearly another colour"


@pytest.mark.parametrize("deficiency", list(DEFICIENCIES))
def test_default_palette_keeps_zero_and_both_signs_apart_for_colour_blind_people(deficiency):
    assert closest_pair(diverging(LEVELS), deficiency) > JUST_DISTINCT


def test_red_white_green_and_jet_merge_colours_under_deuteranopia():
    """The oracle side of the test above: the maps the issue names fail the same check."""
    # Captum's red–white–green: +0.5 and −0.5 (for and against the class) look the same
    weak = RED_WHITE_GREEN((np.array([-0.5, 0.5]) + 1) / 2)[:, :3]
    assert closest_pair(weak, "deuteranopia") < 5.0
    assert closest_pair(RED_WHITE_GREEN((LEVELS + 1) / 2)[:, :3], "deuteranopia") < JUST_DISTINCT
    # jet: 0 (green) and +0.5 (yellow-orange) come within a few units of each other
    assert closest_pair(diverging(np.array([0.0, 0.5]), "jet"), "deuteranopia") < JUST_DISTINCT


def test_shared_scale_keeps_magnitudes_and_own_scale_is_signed_max():
    strong = np.array([[9.39, -3.0], [0.0, 1.0]])  # e.g. a BSM peak of 9.39
    weak = np.array([[0.10, -0.05], [0.0, 0.0]])  # e.g. a BIG peak of 0.10
    scale = shared_scale([strong, weak])
    assert scale == Scale(9.39, 9.39) and scale.shared
    np.testing.assert_allclose(normalise(weak, scale), weak / 9.39)  # faint, as it should be
    np.testing.assert_allclose(normalise(strong, scale), strong / 9.39)
    assert own_scale(strong) == Scale(3.0, 9.39) and not own_scale(strong).shared
    assert str(own_scale(np.array([1.0, 0.0])).negative) == "0.0"  # not −0.0 ("−−0" on a bar)
    np.testing.assert_allclose(normalise(weak, own_scale(weak)), signed_max(weak))
    np.testing.assert_allclose(normalise(weak, own_scale(weak)), [[1.0, -1.0], [0.0, 0.0]])
    # values beyond a scale clip; a sign the scale lacks draws as 0
    np.testing.assert_allclose(normalise(np.array([2.0, -1.0]), Scale(0.0, 1.0)), [1.0, 0.0])


def test_paper_overlay_with_a_shared_scale_draws_equal_values_in_equal_colours():
    image = np.zeros((3, 2, 2))
    big = np.array([[0.1, 0.0], [0.0, 0.0]])
    bsm = np.array([[0.1, 0.0], [0.0, 9.39]])
    scale = shared_scale([paper_values(m, blur=0) for m in (big, bsm)])
    one = paper_overlay(image, big, blur=0, alpha=1.0, scale=scale)
    two = paper_overlay(image, bsm, blur=0, alpha=1.0, scale=scale)
    np.testing.assert_allclose(one[0, 0], two[0, 0])  # 0.1 looks the same in both maps
    np.testing.assert_allclose(one[0, 0], blue_white_red(0.5 + 0.5 * 0.1 / 9.39))
    own = paper_overlay(image, big, blur=0, alpha=1.0)  # signed_max: 0.1 becomes full red
    np.testing.assert_allclose(own[0, 0], blue_white_red(1.0))


def test_captum_threshold_pools_maps_like_captum_on_their_concatenation():
    rng = np.random.default_rng(2)
    maps = [rng.standard_t(df=2, size=(6, 6)), 10 * rng.standard_t(df=2, size=(6, 6))]
    pooled = np.concatenate([m.ravel() for m in maps])
    assert captum_threshold(maps) == pytest.approx(_cumulative_sum_threshold(np.abs(pooled), 98))
    assert captum_threshold([np.zeros((2, 2))]) == 0.0


def test_amplified_perturbation_scaling():
    x = np.full((3, 2, 2), 0.5)
    x_boundary = x.copy()
    x_boundary[0, 0, 0] += 0.1  # largest change
    x_boundary[1, 1, 1] -= 0.05
    shown = amplified_perturbation(x, x_boundary)  # gain = 0.5 / 0.1 = 5
    assert shown.shape == (2, 2, 3)
    assert shown[0, 0, 0] == pytest.approx(1.0)  # 0.5 + 5 · 0.1
    assert shown[1, 1, 1] == pytest.approx(0.25)  # 0.5 − 5 · 0.05
    assert shown[0, 1, 2] == pytest.approx(0.5)  # unchanged -> mid-grey
    assert amplified_perturbation(x, x_boundary, gain=2.0)[0, 0, 0] == pytest.approx(0.7)
    np.testing.assert_array_equal(amplified_perturbation(x, x), 0.5)


def test_to_uint8():
    out = to_uint8(np.array([[[0.0, 0.5, 1.0], [-1.0, 2.0, 0.2]]]))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, [[[0, 128, 255], [0, 255, 51]]])


def test_core_imports_no_plotting_or_ui():
    code = (
        "import sys, boundary_core.heatmap, boundary_core.metrics; "
        "print(any(m in sys.modules for m in ('matplotlib', 'streamlit', 'plotly')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
