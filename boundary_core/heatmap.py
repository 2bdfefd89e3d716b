"""Attribution heatmaps as RGB arrays: the paper's TruLens look, Captum's look, and x′ − x.

Every function is pure numpy (torch tensors are accepted and converted); images are
``(C, H, W)`` floats in [0, 1] (C = 1 or 3) and results are ``(H, W, 3)`` floats in [0, 1];
``to_uint8`` makes them PIL-ready. No plotting library is imported: the colour maps are a few
lines of numpy (the tests check them against matplotlib).

Colours are a *palette* (a diverging map of [−1, 1], positive = red in every palette) applied to
values divided by a ``Scale``: the paper's ``signed_max`` (each sign of each map to its own
maximum) or one magnitude shared by several maps, so equal colours mean equal numbers.
"""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from boundary_core.metrics.maps import as_array, reduce_channels

# matplotlib's "jet" segment data: per channel, (position, value) breakpoints.
_JET = {
    "red": ((0.0, 0.0), (0.35, 0.0), (0.66, 1.0), (0.89, 1.0), (1.0, 0.5)),
    "green": ((0.0, 0.0), (0.125, 0.0), (0.375, 1.0), (0.64, 1.0), (0.91, 0.0), (1.0, 0.0)),
    "blue": ((0.0, 0.5), (0.11, 1.0), (0.34, 1.0), (0.65, 0.0), (1.0, 0.0)),
}
# ColorBrewer "RdBu" (Brewer 2002, colorbrewer2.org), 11 classes, from −1 to +1: dark blue,
# white, dark red. Blue and red differ in luminance and stay apart under every common colour
# vision deficiency (tests/test_heatmap.py simulates deuteranopia), unlike jet or red–green.
_BLUE_WHITE_RED = tuple(
    tuple(int(code[i : i + 2], 16) / 255 for i in (0, 2, 4))
    for code in (
        "053061 2166ac 4393c3 92c5de d1e5f0 f7f7f7 fddbc7 f4a582 d6604d b2182b 67001f".split()
    )
)
CAPTUM_SIGNS = ("all", "positive", "negative", "absolute_value")
PAPER_BLUR_224 = 10.0  # appendix B.3: HeatmapVisualizer(blur=10) on 224-pixel images
PALETTES = {  # name -> (label, colour of +1 ("pushes towards the class"), of 0, of −1)
    "blue_white_red": ("blue–white–red (colour-blind safe)", "red", "white", "blue"),
    "jet": ("jet (the paper's figures; not colour-blind safe)", "dark red", "green", "dark blue"),
}
DEFAULT_PALETTE = "blue_white_red"


def jet(t) -> np.ndarray:
    """The jet colour map, ``(...) in [0, 1] -> (..., 3)`` (continuous, not 256 bins)."""
    t = np.clip(as_array(t), 0.0, 1.0)
    channels = [np.interp(t, *zip(*_JET[c], strict=True)) for c in ("red", "green", "blue")]
    return np.stack(channels, axis=-1)


def blue_white_red(t) -> np.ndarray:
    """ColorBrewer RdBu reversed (matplotlib's ``RdBu_r``), ``(...) in [0, 1] -> (..., 3)``."""
    return _ramp(t, list(_BLUE_WHITE_RED))


def diverging(values, palette: str = DEFAULT_PALETTE) -> np.ndarray:
    """Colours of values in [−1, 1] (clipped): −1 -> the negative end, 0 -> the middle, +1 ->
    red (positive attribution, "pushes towards the explained class") in every palette."""
    if palette not in PALETTES:
        raise ValueError(f"palette must be one of {tuple(PALETTES)}, got {palette!r}")
    ramp = jet if palette == "jet" else blue_white_red
    return ramp((np.clip(as_array(values), -1.0, 1.0) + 1.0) / 2.0)


@dataclass(frozen=True)
class Scale:
    """The map values drawn at −1 and +1: ``negative`` (> 0 means −negative is full blue) and
    ``positive``; 0 for a sign the maps do not have. Shared scales have both equal."""

    negative: float
    positive: float

    @property
    def shared(self) -> bool:
        return self.negative == self.positive


def own_scale(values) -> Scale:
    """``signed_max``'s scale: each sign to its own maximum (TruLens ``"signed_max"``)."""
    values = as_array(values)
    return Scale(
        max(0.0, -float(values.min(initial=0.0))), max(0.0, float(values.max(initial=0.0)))
    )


def shared_scale(maps) -> Scale:
    """One magnitude for several maps and both signs: the largest |value| among them."""
    largest = max((float(np.abs(as_array(m)).max(initial=0.0)) for m in maps), default=0.0)
    return Scale(largest, largest)


def normalise(values, scale: Scale) -> np.ndarray:
    """``values / scale`` per sign, clipped to [−1, 1]; a sign with scale 0 draws as 0."""
    values = as_array(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        positive = values / scale.positive if scale.positive > 0 else np.zeros_like(values)
        negative = values / scale.negative if scale.negative > 0 else np.zeros_like(values)
    shown = np.where(values > 0, positive, np.where(values < 0, negative, 0.0))
    return np.clip(shown, -1.0, 1.0)


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
    return normalise(values, own_scale(values))


def paper_values(attribution, *, blur: float | None = None) -> np.ndarray:
    """The numbers the paper's heatmap colours, ``(H, W)``: mean over channels, then
    ``gaussian_filter(sigma=blur)`` (appendix B.3, TruLens ``HeatmapVisualizer``).

    Args:
        attribution: ``(C, H, W)`` or ``(H, W)``.
        blur: σ in pixels; ``None`` scales the paper's σ = 10 at 224 px to this width; 0 = none.
    """
    values = reduce_channels(attribution, "mean")
    if blur is None:
        blur = PAPER_BLUR_224 * values.shape[1] / 224
    if blur > 0:
        values = ndimage.gaussian_filter(values, sigma=blur)
    return values


def paper_heatmap(attribution, *, blur: float | None = None) -> np.ndarray:
    """The paper's heatmap in [−1, 1], ``(H, W)``: ``signed_max(paper_values(...))``."""
    return signed_max(paper_values(attribution, blur=blur))


def paper_overlay(
    image,
    attribution,
    *,
    blur: float | None = None,
    alpha: float = 0.5,
    palette: str = DEFAULT_PALETTE,
    scale: Scale | None = None,
) -> np.ndarray:
    """``paper_values`` divided by ``scale`` (default: the paper's ``signed_max``) through
    ``palette`` on the FIXED range [−1, 1], over the image: ``(H, W, 3)``.

    TruLens lets the colour range follow the data, so a positive-only map gets blue for its
    zeros; here 0 is always the palette's middle, −1 its negative end, +1 red.
    """
    values = paper_values(attribution, blur=blur)
    colour = diverging(normalise(values, scale or own_scale(values)), palette)
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
    threshold = captum_threshold([values], outlier_percent=outlier_percent)
    if threshold == 0:
        return np.zeros_like(values)
    return np.clip(values / (-threshold if sign == "negative" else threshold), -1.0, 1.0)


def captum_threshold(maps, *, outlier_percent: float = 2.0) -> float:
    """Captum's clipping value for the |values| of ``maps`` pooled: where their sorted
    cumulative sum reaches ``100 − outlier_percent`` % (0 for all-zero maps)."""
    magnitudes = np.sort(np.concatenate([np.abs(as_array(m)).ravel() for m in maps]))
    cumulative = np.cumsum(magnitudes)
    if cumulative.size == 0 or cumulative[-1] == 0:
        return 0.0
    # Captum's arithmetic order; the min() guards its float overshoot at outlier_percent = 0
    target = min(cumulative[-1] * 0.01 * (100.0 - outlier_percent), cumulative[-1])
    return float(magnitudes[np.argmax(cumulative >= target)])


def captum_overlay(
    image,
    attribution,
    *,
    sign: str = "all",
    outlier_percent: float = 2.0,
    alpha: float = 0.5,
    palette: str = DEFAULT_PALETTE,
    scale: Scale | None = None,
) -> np.ndarray:
    """Captum's ``blended_heat_map``: ``captum_normalize`` through ``palette`` over the grey image.

    ``scale`` (``sign="all"`` only) replaces Captum's per-map clipping value, e.g. by a
    ``captum_threshold`` over several maps. Captum itself colours with red–white–green (positive
    green); here every palette draws positive attribution red (one sign colour in every style).
    """
    if scale is not None and sign == "all":
        normalised = normalise(reduce_channels(attribution, "sum"), scale)
    else:
        normalised = captum_normalize(attribution, sign=sign, outlier_percent=outlier_percent)
    colour = diverging(-normalised if sign == "negative" else normalised, palette)
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
