"""Heatmaps: TruLens signed_max + jet with a fixed range, Captum's scaling against Captum itself."""

import subprocess
import sys

import numpy as np
import pytest
import torch
from captum.attr._utils.visualization import _cumulative_sum_threshold, _normalize_attr
from matplotlib import colormaps
from matplotlib.colors import LinearSegmentedColormap
from scipy import ndimage

from boundary_core.heatmap import (
    amplified_perturbation,
    captum_normalize,
    captum_overlay,
    jet,
    paper_heatmap,
    paper_overlay,
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
    colour = paper_overlay(image, attribution, blur=0, alpha=1.0)
    # zero -> jet(0.5) (green), never jet(0) (dark blue) as a data-driven range would give
    np.testing.assert_allclose(colour[0, 0], jet(0.5))
    np.testing.assert_allclose(colour[1, 1], jet(1.0))
    np.testing.assert_allclose(colour[2, 2], jet(0.75))
    assert colour[..., 0].min() >= jet(0.5)[0] - 1e-12  # the blue half has red < jet(0.5)
    negative = paper_overlay(image, -attribution, blur=0, alpha=1.0)
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
    np.testing.assert_allclose(half[0, 0], 0.5 * jet(1.0) + 0.5 * np.array([0.0, 0.5, 1.0]))
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


def test_captum_overlay_uses_red_white_green():
    oracle = LinearSegmentedColormap.from_list("RdWhGn", ["red", "white", "green"], N=2**16)
    attribution = np.array([[1.0, -1.0, 0.0, 0.5]])  # (1, 4); outlier 0 keeps the max at 1
    colour = captum_overlay(np.zeros((3, 1, 4)), attribution, outlier_percent=0.0, alpha=1.0)
    np.testing.assert_allclose(colour[0], oracle((attribution[0] + 1) / 2)[:, :3], atol=1e-3)
    # alpha blends over the grey image (channel mean, min-max scaled)
    image = np.stack([np.array([[0.0, 1.0, 1.0, 1.0]])] * 3)
    blended = captum_overlay(image, attribution, outlier_percent=0.0, alpha=0.25)
    np.testing.assert_allclose(blended[0, 0], 0.25 * colour[0, 0] + 0.75 * 0.0)
    np.testing.assert_allclose(blended[0, 1], 0.25 * colour[0, 1] + 0.75 * 1.0)


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
