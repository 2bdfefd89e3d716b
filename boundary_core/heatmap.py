"""Attribution heatmaps as RGB arrays: the paper's TruLens look, Captum's look, and x′ − x.

Every function is pure numpy (torch tensors are accepted and converted); images are
``(C, H, W)`` floats in [0, 1] (C = 1 or 3) and results are ``(H, W, 3)`` floats in [0, 1];
``to_uint8`` makes them PIL-ready. No plotting library is imported: the two colour maps are a
few lines of numpy (the tests check them against matplotlib).
"""

import numpy as np
from scipy import ndimage

from boundary_core.metrics.maps import as_array, reduce_channels

# matplotlib's "jet" segment data: per channel, (position, value) breakpoints.
_JET = {
    "red": ((0.0, 0.0), (0.35, 0.0), (0.66, 1.0), (0.89, 1.0), (1.0, 0.5)),
    "green": ((0.0, 0.0), (0.125, 0.0), (0.375, 1.0), (0.64, 1.0), (0.91, 0.0), (1.0, 0.0)),
    "blue": ((0.0, 0.5), (0.11, 1.0), (0.34, 1.0), (0.65, 0.0), (1.0, 0.0)),
}
_GREEN = (0.0, 128 / 255, 0.0)  # matplotlib's named "green"
_SIGN_COLOURS = {"positive": _GREEN, "negative": (1.0, 0.0, 0.0), "absolute_value": (0.0, 0.0, 1.0)}
CAPTUM_SIGNS = ("all", *_SIGN_COLOURS)
PAPER_BLUR_224 = 10.0  # appendix B.3: HeatmapVisualizer(blur=10) on 224-pixel images


def jet(t) -> np.ndarray:
    """The jet colour map, ``(...) in [0, 1] -> (..., 3)`` (continuous, not 256 bins)."""
    t = np.clip(as_array(t), 0.0, 1.0)
    channels = [np.interp(t, *zip(*_JET[c], strict=True)) for c in ("red", "green", "blue")]
    return np.stack(channels, axis=-1)


def _ramp(t, colours: list[tuple[float, float, float]]) -> np.ndarray:
    """Linear colour ramp through evenly spaced ``colours``, ``(...) in [0, 1] -> (..., 3)``."""
    t = np.clip(as_array(t), 0.0, 1.0)
    stops = np.linspace(0.0, 1.0, len(colours))
    return np.stack([np.interp(t, stops, channel) for channel in zip(*colours, strict=True)], -1)


def _image_rgb(image) -> np.ndarray:
    """``(C, H, W)`` with C in {1, 3} -> ``(H, W, 3)``, min–max scaled to [0, 1] (constant -> 0)."""
    values = as_array(image)
    if values.ndim != 3 or values.shape[0] not in (1, 3):
        raise ValueError(f"image must be (C, H, W) with C = 1 or 3, got shape {values.shape}")
    values = values - values.min()
    top = values.max()
    values = values / top if top > 0 else values
    return np.repeat(values, 3 // values.shape[0], axis=0).transpose(1, 2, 0)  # (H, W, 3)


def _blend(colour: np.ndarray, background: np.ndarray, alpha: float) -> np.ndarray:
    if background.shape != colour.shape:
        raise ValueError(f"image {background.shape[:2]} and map {colour.shape[:2]} differ in size")
    return alpha * colour + (1.0 - alpha) * background


def signed_max(values) -> np.ndarray:
    """Positives over the largest positive, negatives over the largest |negative|: [−1, 1].

    Each sign reaches ±1 on its own (TruLens ``normalization_type="signed_max"``).
    """
    values = as_array(values)
    top, bottom = values.max(initial=0.0), values.min(initial=0.0)
    positive = values / top if top > 0 else np.zeros_like(values)
    negative = values / -bottom if bottom < 0 else np.zeros_like(values)
    return np.where(values > 0, positive, np.where(values < 0, negative, 0.0))


def paper_heatmap(attribution, *, blur: float | None = None) -> np.ndarray:
    """The paper's heatmap values (appendix B.3, TruLens ``HeatmapVisualizer``), ``(H, W)``.

    Mean over channels -> ``gaussian_filter(sigma=blur)`` -> ``signed_max`` -> [−1, 1].

    Args:
        attribution: ``(C, H, W)`` or ``(H, W)``.
        blur: σ in pixels; ``None`` scales the paper's σ = 10 at 224 px to this width; 0 = none.
    """
    values = reduce_channels(attribution, "mean")
    if blur is None:
        blur = PAPER_BLUR_224 * values.shape[1] / 224
    if blur > 0:
        values = ndimage.gaussian_filter(values, sigma=blur)
    return signed_max(values)


def paper_overlay(
    image, attribution, *, blur: float | None = None, alpha: float = 0.5
) -> np.ndarray:
    """``paper_heatmap`` through jet with the FIXED range [−1, 1] over the image: ``(H, W, 3)``.

    TruLens lets the colour range follow the data, so a positive-only map gets blue for its
    zeros; here 0 is always jet's middle (green) and −1 always blue, +1 always dark red.
    """
    colour = jet((paper_heatmap(attribution, blur=blur) + 1.0) / 2.0)
    return _blend(colour, _image_rgb(image), alpha)


def captum_normalize(attribution, *, sign: str = "all", outlier_percent: float = 2.0) -> np.ndarray:
    """Captum's ``visualize_image_attr`` scaling, ``(C, H, W) | (H, W) -> (H, W)``.

    Sum over channels, keep the part named by ``sign``, divide by the value at which the sorted
    |values| reach ``100 − outlier_percent`` % of their cumulative sum, clip to [−1, 1]. An
    all-zero selection gives zeros (Captum would fail an assertion).
    """
    if sign not in CAPTUM_SIGNS:
        raise ValueError(f"sign must be one of {CAPTUM_SIGNS}, got {sign!r}")
    values = reduce_channels(attribution, "sum")
    values = {
        "all": values,
        "positive": np.maximum(values, 0.0),
        "negative": np.minimum(values, 0.0),
        "absolute_value": np.abs(values),
    }[sign]
    magnitudes = np.sort(np.abs(values).ravel())
    cumulative = np.cumsum(magnitudes)
    if cumulative[-1] == 0:
        return np.zeros_like(values)
    # Captum's arithmetic order; the min() guards its float overshoot at outlier_percent = 0
    target = min(cumulative[-1] * 0.01 * (100.0 - outlier_percent), cumulative[-1])
    index = np.argmax(cumulative >= target)
    threshold = magnitudes[index] * (-1.0 if sign == "negative" else 1.0)
    return np.clip(values / threshold, -1.0, 1.0)


def captum_overlay(
    image, attribution, *, sign: str = "all", outlier_percent: float = 2.0, alpha: float = 0.5
) -> np.ndarray:
    """Captum's ``blended_heat_map``: coloured ``captum_normalize`` over the grey image.

    ``sign="all"`` uses red–white–green on [−1, 1] (Captum's ``RdWhGn``); the one-signed modes
    use a linear white-to-green/red/blue ramp on [0, 1] (Captum's Greens/Reds/Blues, simplified).
    """
    normalised = captum_normalize(attribution, sign=sign, outlier_percent=outlier_percent)
    if sign == "all":
        colour = _ramp((normalised + 1.0) / 2.0, [(1.0, 0.0, 0.0), (1.0, 1.0, 1.0), _GREEN])
    else:
        colour = _ramp(normalised, [(1.0, 1.0, 1.0), _SIGN_COLOURS[sign]])
    grey = _image_rgb(as_array(image).mean(axis=0, keepdims=True))  # (H, W, 3)
    return _blend(colour, grey, alpha)


def amplified_perturbation(x, x_boundary, *, gain: float | None = None) -> np.ndarray:
    """Show ``δ = x′ − x`` as an image: ``clip(0.5 + gain · δ, 0, 1)``, ``(C, H, W) -> (H, W, 3)``.

    Mid-grey means unchanged; each channel is brighter where x′ raised it, darker where it
    lowered it. ``gain=None`` picks ``0.5 / max|δ|`` so the largest change just reaches 0 or 1
    (the displayed amplification is then ``0.5 / max|δ|``; a zero δ stays grey).
    """
    delta = as_array(x_boundary) - as_array(x)
    if delta.ndim != 3 or delta.shape[0] not in (1, 3):
        raise ValueError(f"x and x_boundary must be (C, H, W) with C = 1 or 3, got {delta.shape}")
    if gain is None:
        largest = np.abs(delta).max()
        gain = 0.5 / largest if largest > 0 else 0.0
    shown = np.clip(0.5 + gain * delta, 0.0, 1.0)
    return np.repeat(shown, 3 // shown.shape[0], axis=0).transpose(1, 2, 0)  # (H, W, 3)


def to_uint8(rgb) -> np.ndarray:
    """``(H, W, 3)`` floats in [0, 1] -> uint8 for ``PIL.Image.fromarray`` (clipped, rounded)."""
    return np.round(np.clip(as_array(rgb), 0.0, 1.0) * 255.0).astype(np.uint8)
