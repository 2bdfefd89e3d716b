"""Sidebar widgets shared by the pages; each returns plain values and keeps them in the URL."""

from dataclasses import dataclass

import streamlit as st

from boundary_core.attributions import BASELINES
from boundary_core.data.gallery import (
    DOMAINS,
    Picture,
    gallery_names,
    gallery_picture,
    models_for,
    upload_picture,
)
from boundary_core.device import default_device
from boundary_core.limits import REQUEST_SEARCH_STEPS
from boundary_core.methods import (
    IG_BASELINE_METHODS,
    METHODS,
    SETTINGS_PRESETS,
    default_budget,
    ig_method,
    label,
)
from boundary_core.models import default_pair, get_spec, list_models
from boundary_core.render import HeatmapStyle
from boundary_core.search import PRESETS
from ui.compute import DEFAULT_COLOUR, device_label
from ui.sources import uploaded_bytes
from ui.state import init, init_many, publish, within_budget

# Search budgets a browser request may choose: within limits.REQUEST_SEARCH_STEPS of the preset.
BUDGETS = ("default", "10", "20", "50", "100", "200")


def budgets(preset: str) -> tuple[str, ...]:
    cap = REQUEST_SEARCH_STEPS[preset]
    return tuple(b for b in BUDGETS if b == "default" or int(b) <= cap)


BLURS = ("auto", "0", "0.5", "1", "1.5", "2", "3", "4", "6", "8")
STYLE_HELP = (
    "paper: mean over channels and a Gaussian blur, scaled by the signed maximum. captum: "
    "channel sum and a 2% outlier clip. Both use the palette and colour scale chosen below "
    "(default blue–white–red, red = pushes towards the explained class)."
)
CHOOSABLE = tuple(m for m in METHODS if m not in IG_BASELINE_METHODS)  # IG: by its baselines
DEFAULT_CHOSEN = tuple(m for m in CHOOSABLE if METHODS[m].default)
METHOD_HELP = "  \n".join(f"**{label(m)}**: {METHODS[m].description}" for m in CHOOSABLE)
BLUR_HELP = "auto = the paper's σ = 10 at 224 px, scaled to this image's size."


@dataclass(frozen=True)
class ImageChoice:
    domain: str
    model: str
    picture: Picture | None  # None: nothing to show yet (no upload)
    error: str | None = None  # why the upload could not be used

    def picture_or_stop(self, hint: str) -> Picture:
        """The chosen picture; otherwise say why in the page (error or ``hint``) and stop it."""
        if self.error:
            st.error(f"Could not use this image: {self.error}")
            st.stop()
        if self.picture is None:
            st.info(hint)
            st.stop()
        return self.picture


def _select(label: str, key: str, options, default=None, **kwargs):
    init(key, default if default is not None else options[0], options)
    return st.selectbox(label, options, key=key, **kwargs)


def image_controls(domains=tuple(DOMAINS), fixed_model: str | None = None) -> ImageChoice:
    """Domain (photo gallery, shapes gallery, upload), model (unless ``fixed_model``) and image;
    an unusable upload comes back as ``error``, never as an exception."""
    domain = _select("Images", "domain", list(domains), format_func=DOMAINS.get)
    if fixed_model is None:
        ready = [spec.name for spec in list_models() if spec.available]
        waiting = len(list_models()) - len(ready)
        options = models_for(domain, ready)
        model = _select(
            "Model",
            "model",
            options,
            help="Registered models that are on this machine (shipped or downloaded); "
            f"{waiting} more need a download first "
            "(`python -m boundary_core models download NAME`).",
        )
        spec = get_spec(model)
        st.caption(model_facts(spec))
    else:
        model, spec = fixed_model, get_spec(fixed_model)
    size = spec.input_size[1]
    if domain == "upload":
        upload = st.file_uploader(
            "Upload an image",
            help="PNG, JPEG, … (large images are "
            "refused; the image is centre-cropped and resized).",
        )
        data = uploaded_bytes(upload)
        if data is None:
            return ImageChoice(domain, model, None)
        try:
            picture = upload_picture(data, size, crop_fraction=spec.crop_fraction)
            return ImageChoice(domain, model, picture)
        except ValueError as error:
            return ImageChoice(domain, model, None, str(error))
    key = "photo" if domain == "photos" else "shape"
    name = _select("Gallery image", key, gallery_names(domain))
    return ImageChoice(domain, model, gallery_picture(domain, name, size, spec.crop_fraction))


def model_facts(spec) -> str:
    """Dataset, input size and training of a model, with the jargon spelled out."""
    training = spec.training
    if training == "unknown":
        training = "training: unknown (the publisher does not say how it was trained)"
    elif training.startswith("adversarial"):
        training += " (trained on attacked images: a robust model; eps = attack radius)"
    return f"{spec.dataset} · {'×'.join(map(str, spec.input_size))} · {training}"


def pair_controls() -> tuple[str, str]:
    """Any two registered models of one dataset and input size, standard side first (defaults:
    the registry's ``default_pair()``: the shipped pair offline, ImageNet standard vs ℓ2 ε = 3
    once both are downloaded)."""
    names = [spec.name for spec in list_models()]
    standard_default, robust_default = default_pair()
    init("standard", standard_default, names)
    standard = st.selectbox("Standard model", names, key="standard", format_func=_model_label)
    spec = get_spec(standard)
    same = [
        other.name
        for other in list_models()
        if other.name != standard
        and (other.dataset, other.input_size) == (spec.dataset, spec.input_size)
    ]
    if not same:
        st.warning(f"No other registered model takes {spec.dataset} images.")
        st.stop()
    preferred = spec.partner if spec.partner in same else robust_default
    init("robust", preferred if preferred in same else same[-1], same)
    robust = st.selectbox("Robust model", same, key="robust", format_func=_model_label)
    return standard, robust


def _model_label(name: str) -> str:
    spec = get_spec(name)
    return name if spec.available else f"{name} (download)"


def search_controls() -> tuple[str, int | None]:
    """Boundary-search preset and budget (DDN steps for fast, steps per attack for paper)."""
    preset = _select(
        "Boundary search",
        "preset",
        list(PRESETS),
        help="How x′ (the closest point across the decision boundary) is searched. "
        "fast: DDN (decoupled direction and norm, an attack that shrinks the perturbation "
        "while keeping it adversarial) + bisection, ~50 gradients, seconds. "
        "paper: the paper's ensemble (PGD ladder, Carlini–Wagner, AutoPGD with the "
        "cross-entropy (apgd-ce) and DLR losses), ~1000 gradients, minutes on a CPU. "
        "Neither is always closer: the page says which x′ was nearer when both ran.",
    )
    options = budgets(preset)
    within_budget("steps", options, preset)  # over the budget: clamped, with a warning
    init("steps", "default", options)
    budget = st.select_slider(
        "Search budget (steps)", options, key="steps", help="'default' = the preset's own budget."
    )
    return preset, None if budget == "default" else int(budget)


def _budget_chosen() -> None:
    st.session_state["budget_auto"] = False


def budget_controls(model: str) -> str:
    """The attribution budget (``SETTINGS_PRESETS``): the model's default (light for 224² inputs
    on a CPU) until the user picks one, or a shared URL names one."""
    default = default_budget(get_spec(model).input_size, default_device().type)
    if st.session_state.get("budget_auto", "budget" not in st.query_params):
        st.session_state["budget_auto"] = True
        st.session_state["budget"] = default
    init("budget", default, list(SETTINGS_PRESETS))
    return st.selectbox(
        "Attribution budget",
        list(SETTINGS_PRESETS),
        key="budget",
        format_func=lambda name: SETTINGS_PRESETS[name].label,
        on_change=_budget_chosen,
        help="  \n".join(f"**{p.label}**: {p.description}" for p in SETTINGS_PRESETS.values()),
    )


def baseline_controls() -> tuple[tuple[str, ...], str]:
    """IG baselines (multi-select) and the custom colour."""
    init_many("baselines", ("black", "white"), BASELINES)
    chosen = st.multiselect(
        "IG baselines", BASELINES, key="baselines", format_func=lambda b: label(ig_method(b))
    )
    colour = DEFAULT_COLOUR
    if "color" in chosen:
        init("colour", DEFAULT_COLOUR, kind=_hex)
        colour = st.color_picker("Custom baseline colour", key="colour")
    return tuple(b for b in BASELINES if b in chosen), colour


def method_controls() -> tuple[str, ...]:
    """Which methods to compute beside IG (every row of the method table; the paper's panels by
    default). An old link's ``?extra=`` (the former "More methods" picker) adds its rows."""
    if "methods" not in st.session_state and "methods" not in st.query_params:
        extra = [m for m in st.query_params.get_all("extra") if m in CHOOSABLE]
        st.session_state["methods"] = [m for m in CHOOSABLE if m in DEFAULT_CHOSEN + tuple(extra)]
    init_many("methods", DEFAULT_CHOSEN, CHOOSABLE)
    chosen = st.multiselect(
        "Methods",
        CHOOSABLE,
        key="methods",
        format_func=label,
        help="Every attribution the tool has (IG is chosen by its baselines above). "
        "Each map is computed once and cached; adding one computes only that one.  \n"
        + METHOD_HELP,
    )
    return tuple(m for m in CHOOSABLE if m in chosen)


def _hex(value: str) -> str:
    value = value if value.startswith("#") else "#" + value
    if len(value) != 7 or any(c not in "0123456789abcdefABCDEF" for c in value[1:]):
        raise ValueError(value)
    return value


def heatmap_controls() -> HeatmapStyle:
    init("style", "paper", ("paper", "captum"))
    style = st.radio("Heatmap", ["paper", "captum"], horizontal=True, key="style", help=STYLE_HELP)
    blur = "0"
    if style == "paper":
        init("blur", "auto", BLURS)
        blur = st.select_slider("Blur σ (pixels)", BLURS, key="blur", help=BLUR_HELP)
    init("alpha", 0.5, kind=lambda v: min(max(float(v), 0.0), 1.0))
    alpha = st.slider("Overlay opacity", 0.0, 1.0, step=0.05, key="alpha")
    return HeatmapStyle(style, None if blur == "auto" else float(blur), alpha)


def device_caption() -> None:
    st.caption(
        f"Computing on **{device_label()}**. Results are cached per model, image and "
        "settings: switching back is instant."
    )


# URL keys every page with heatmaps shares: the image, the search and the heatmap style.
# One list, so a new style widget reaches every page's URL (scale and palette once did not).
IMAGE_KEYS = ("domain", "model", "photo", "shape")
SEARCH_KEYS = ("preset", "steps")
STYLE_KEYS = ("style", "scale", "palette", "blur", "alpha")


def share(
    keys=(
        "domain",
        "model",
        "standard",
        "robust",
        "photo",
        "shape",
        *SEARCH_KEYS,
        "budget",
        "baselines",
        "methods",
        "target",
        "blend",
        "colour",
        *STYLE_KEYS,
    ),
) -> None:
    """Put this view's settings in the URL (copy the address bar to share the view)."""
    publish([k for k in keys if k in st.session_state])
