"""Heatmap tiles people can compare: how map values become colours (a style, a palette and a
scale mode), the panels of one result with their alt texts, and the colour keys they need.

Scales (``SCALES``): maps are compared only within a kind of map, because gradients
(∂logit/∂pixel: SM, SmoothGrad, BSM) and attributions (logit units: IG, BIG, AGI, Grad×Input,
DeepLIFT, …) have different units; within a kind, one magnitude per row (one model) or per page
(all models shown) makes equal colours equal numbers. The paper's ``signed_max`` stays an option.
Pure numpy; ``boundary_core.render`` re-exports every name for the fronts.
"""

from dataclasses import dataclass

import numpy as np

from boundary_core.heatmap import (
    DEFAULT_PALETTE,
    PALETTES,
    Scale,
    amplified_perturbation,
    captum_overlay,
    captum_threshold,
    own_scale,
    paper_overlay,
    paper_values,
    shared_scale,
)
from boundary_core.methods import label
from boundary_core.metrics.maps import reduce_channels

STYLES = {
    "paper": "mean over channels, Gaussian blur (the paper's App. B.3)",
    "captum": "sum over channels, Captum's clipping of the 2% largest values",
}
# Maps in gradient units (∂logit/∂pixel); every other map is an attribution in logit units.
# One scale over both kinds would set a BSM peak of 9.39 against a BIG peak of 0.10.
GRADIENT_MAPS = ("sm", "sg", "bsm")
KINDS = {"gradient": "gradient maps", "attribution": "attribution maps"}
SCALES = {  # colour scale modes; "shared" scales are one per kind of map (KINDS)
    "models": "shared across models",
    "row": "shared across the row",
    "map": "per map (paper's signed_max)",
}
DEFAULT_SCALE = "models"
SHARED_NOTE = (
    ", one scale for the gradient maps and one for the attribution maps (different units); "
    "equal colours are equal numbers"
)


@dataclass(frozen=True)
class HeatmapStyle:
    """How maps are drawn: ``paper`` (mean + blur) or ``captum`` (sum + 2% clip) values, a
    ``palette`` of [−1, 1] and a ``scale`` mode (``SCALES``) that maps values to [−1, 1]."""

    style: str = "paper"
    blur: float | None = None  # σ in pixels; None = the paper's σ scaled to the image width
    alpha: float = 0.5  # overlay opacity
    palette: str = DEFAULT_PALETTE
    scale: str = DEFAULT_SCALE

    def __post_init__(self):
        for name, value, known in [
            ("style", self.style, STYLES),
            ("palette", self.palette, PALETTES),
            ("scale", self.scale, SCALES),
        ]:
            if value not in known:
                raise ValueError(f"{name} must be one of {tuple(known)}, got {value!r}")


@dataclass(frozen=True, eq=False)
class Panel:
    """One tile: caption and ``rgb (H, W, 3)``, and its evidence: alt text and, for maps, the
    method, the values the colours show ``(H, W)`` and the ``Scale`` they were divided by.
    Iterates as ``(caption, rgb)``, so callers that unpack pairs keep working."""

    caption: str
    rgb: np.ndarray
    alt: str = ""
    method: str | None = None
    values: np.ndarray | None = None
    scale: Scale | None = None
    palette: str = DEFAULT_PALETTE

    def __iter__(self):
        return iter((self.caption, self.rgb))


def kind(method: str) -> str:
    """``"gradient"`` or ``"attribution"``: which maps may share a scale (``GRADIENT_MAPS``)."""
    return "gradient" if method in GRADIENT_MAPS else "attribution"


def map_values(attribution, style: HeatmapStyle = HeatmapStyle()) -> np.ndarray:
    """The numbers a tile's colours show, ``(H, W)``, in the map's own units."""
    if style.style == "paper":
        return paper_values(attribution, blur=style.blur)
    return reduce_channels(attribution, "sum")


def pooled_scale(values, style: HeatmapStyle = HeatmapStyle()) -> Scale:
    """One scale for maps (as ``map_values``): their largest |value| (paper) or Captum's 2%
    clipping value of all of them pooled (captum)."""
    if style.style == "paper":
        return shared_scale(values)
    threshold = captum_threshold(values)
    return Scale(threshold, threshold)


def map_scale(values: np.ndarray, style: HeatmapStyle = HeatmapStyle()) -> Scale:
    """A map's own scale: ``signed_max`` (paper) or Captum's per-map clipping value."""
    return own_scale(values) if style.style == "paper" else pooled_scale([values], style)


def shared_scales(results, style: HeatmapStyle = HeatmapStyle(), only=None) -> dict[str, Scale]:
    """``kind -> Scale`` pooled over every map (or those in ``only``) of every result."""
    pools: dict[str, list[np.ndarray]] = {}
    for result in results:
        for name, attribution in result["maps"].items():
            if only is None or name in only:
                pools.setdefault(kind(name), []).append(map_values(attribution, style))
    return {group: pooled_scale(values, style) for group, values in pools.items()}


def heatmap(
    image, attribution, style: HeatmapStyle = HeatmapStyle(), scale: Scale | None = None
) -> np.ndarray:
    """The overlay of one map, ``(H, W, 3)``; ``scale`` None = the map's own (``map_scale``)."""
    options = {"alpha": style.alpha, "palette": style.palette, "scale": scale}
    if style.style == "paper":
        return paper_overlay(image, attribution, blur=style.blur, **options)
    return captum_overlay(image, attribution, **options)


def image_rgb(chw: np.ndarray) -> np.ndarray:
    return np.clip(chw.transpose(1, 2, 0), 0.0, 1.0)  # (C, H, W) -> (H, W, C)


def number(value: float) -> str:
    """A map value for people: 3 significant digits."""
    return f"{value:.3g}".replace("-", "−")


def scale_text(scale: Scale) -> str:
    """The numbers at the ends of a colour bar, e.g. ``±9.39`` or ``−0.02 … +0.1``."""
    if scale.shared:
        return f"±{number(scale.positive)}"
    return f"−{number(scale.negative)} … +{number(scale.positive)}"


def sign_text(palette: str = DEFAULT_PALETTE, target: str = "the explained class") -> str:
    """Which colour means what, e.g. ``red = pushes towards 'cat' (positive attribution) …``."""
    _, positive, zero, negative = PALETTES[palette]
    return (
        f"{positive} = pushes towards {target} (positive attribution), {negative} = pushes "
        f"away from it (negative), {zero} = 0"
    )


def legend_text(
    style: str = "paper", palette: str = DEFAULT_PALETTE, scale: str = DEFAULT_SCALE
) -> str:
    """What the colours, the scale, Δ, x′ − x and the boxes of a panel grid mean (one caption)."""
    return (
        f"{sign_text(palette).capitalize()}; palette {PALETTES[palette][0]}. Values: {style} "
        f"style, {STYLES[style]}. Colour scale {SCALES[scale]}"
        f"{SHARED_NOTE if scale != 'map' else ''}. Δ is each map's completeness "
        "error Σ attribution − (f(x) − f(baseline)). x′ − x is amplified to use the full grey "
        "range; white box: ground truth."
    )


def about(result: dict, model: str = "") -> str:
    """``model M, predicted 'cat' (p = 0.93), explaining 'cat'`` for alt texts and titles."""
    summary = result["summary"]
    model = model or summary.get("model", "")
    prediction = summary["prediction"]
    text = f"model {model}, " if model else ""
    text += f"predicted '{prediction['label']}' (p = {prediction['probability']:.2f})"
    target = summary.get("target")
    if target is not None:
        text += f", explaining '{target['label']}'"
    return text


def _map_alt(name: str, values: np.ndarray, scale: Scale, context: str, palette: str) -> str:
    return (
        f"{label(name)} heatmap ({context}): values from {number(float(values.min()))} to "
        f"{number(float(values.max()))}, colours span {scale_text(scale)}; "
        f"{sign_text(palette)}."
    )


def boundary_panels(result: dict, context: str = "") -> list[Panel]:
    image, point = result["input"], result["boundary"]
    boundary = result["summary"]["boundary"]
    largest = float(np.abs(point - image).max())
    gain = f"×{0.5 / largest:.3g}" if largest > 0 else "×0"
    return [
        Panel(
            "boundary point x′",
            image_rgb(point),
            f"Boundary point x′ ({context}): classified '{boundary.get('label')}', ℓ2 distance "
            f"{boundary.get('distance_l2', float('nan')):.3g} from the input.",
        ),
        Panel(
            "x′ − x (amplified)",
            amplified_perturbation(image, point),
            f"x′ − x amplified {gain} ({context}): mid-grey = unchanged, brighter = raised.",
        ),
    ]


def panel_images(
    result: dict,
    style: HeatmapStyle = HeatmapStyle(),
    only: tuple[str, ...] | None = None,
    *,
    model: str = "",
    scales: dict[str, Scale] | None = None,
    deltas: bool = True,
) -> list[Panel]:
    """The input, every map (or those in ``only``), x′ and x′ − x as ``Panel`` tiles.

    Args:
        style: values, palette and scale mode; with ``scale`` "models" pass ``scales`` (from
            ``shared_scales`` over every result shown), else this result's own are used.
        model: the model's name for alt texts (default: ``summary["model"]`` when present).
        deltas: write each map's completeness error Δ into its caption.
    """
    image, summary = result["input"], result["summary"]
    context = about(result, model)
    maps = {name: v for name, v in result["maps"].items() if only is None or name in only}
    if style.scale != "map" and (scales is None or style.scale == "row"):
        scales = shared_scales([result], style, only)
    panels = [Panel("input", image_rgb(image), f"Input image ({context}).")]
    for name, attribution in maps.items():
        values = map_values(attribution, style)
        scale = map_scale(values, style) if style.scale == "map" else scales[kind(name)]
        delta = summary["methods"].get(name, {}).get("completeness_delta")
        signed = f" · Δ {delta:+.3f}".replace("-", "−") if delta is not None and deltas else ""
        caption = label(name) + signed
        alt = _map_alt(name, values, scale, context, style.palette)
        panels.append(
            Panel(
                caption,
                heatmap(image, attribution, style, scale),
                alt,
                name,
                values,
                scale,
                style.palette,
            )
        )
    if result["boundary"] is not None and only is None:
        panels += boundary_panels(result, context)
    return panels


def colour_keys(panels) -> list[tuple[str, Scale]]:
    """``(label, Scale)`` per colour bar the map panels need: one per kind of map when its maps
    share one scale (labelled with their names), else one per map (e.g. signed_max)."""
    kinds: dict[str, list] = {}
    for panel in panels:
        if getattr(panel, "scale", None) is not None:
            kinds.setdefault(kind(panel.method), []).append(panel)
    keys = []
    for group, maps in kinds.items():
        if all(panel.scale == maps[0].scale for panel in maps):
            keys.append(
                (
                    f"{KINDS[group]}: {', '.join(dict.fromkeys(label(p.method) for p in maps))}",
                    maps[0].scale,
                )
            )
        else:
            keys += [(f"{label(p.method)} (its own scale)", p.scale) for p in maps]
    return keys
