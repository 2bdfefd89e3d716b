"""The method table: every attribution the tool offers, written once.

The CLI (``explain``, ``evaluate``), the evaluation tables and every page loop over ``METHODS``;
adding a method is one ``Method`` row here plus its function in ``boundary_core.attributions``.
``Settings`` holds every attribution setting a user can change, with defaults read from
``attributions.defaults`` (the functions' own defaults come from there too).
"""

from collections.abc import Callable
from dataclasses import dataclass

from torch import Tensor, nn

from boundary_core import attributions as attr
from boundary_core.attributions import defaults


@dataclass(frozen=True)
class Settings:
    """Attribution settings; every default follows the paper (App. B.3) unless noted in
    ``attributions.defaults``."""

    ig_steps: int = defaults.IG_STEPS
    sg_samples: int = defaults.SG_SAMPLES
    sg_stdev: float = defaults.SG_STDEV
    # "as_described" (the cumulative path of Pan et al.; satisfies completeness as Table 4 claims)
    # or "as_coded" (the public repo: every step restarts from x; use it to mirror the paper)
    agi_variant: str = defaults.AGI_VARIANT
    agi_classes: int = defaults.AGI_CLASSES
    agi_steps: int = defaults.AGI_STEPS
    agi_step_size: float = defaults.AGI_STEP_SIZE
    baseline_color: tuple[float, float, float] = defaults.BASELINE_COLOR
    # Guided IG and guided BIG (their IDGI variants too); IDGI on the straight path uses ig_steps
    guided_steps: int = defaults.GUIDED_STEPS
    guided_fraction: float = defaults.GUIDED_FRACTION
    guided_max_dist: float = defaults.GUIDED_MAX_DIST
    seed: int = 0
    # Images per forward pass for IG/BIG path points, SmoothGrad's noisy copies and AGI's paths;
    # None: by pixels per pass, the device's default (defaults.CPU_PIXELS_PER_PASS: 2 images at
    # 224², 98 at 32²). Speed and memory only: the maps are the same up to float rounding.
    batch_size: int | None = None

    def images_per_pass(self, x: Tensor) -> int:
        """``batch_size``, or as many images of ``x (B, C, H, W)``'s size as the pixel budget
        of its device allows (at least one)."""
        if self.batch_size is not None:
            return self.batch_size
        cpu = x.device.type == "cpu"
        budget = defaults.CPU_PIXELS_PER_PASS if cpu else defaults.GPU_PIXELS_PER_PASS
        return max(1, budget // (x.shape[-2] * x.shape[-1]))


DEFAULT_SETTINGS = Settings()


@dataclass(frozen=True)
class SettingsPreset:
    """A named attribution budget a front can offer, saying what it changes."""

    name: str
    label: str
    description: str
    settings: Settings
    changes: tuple[str, ...] = ()  # the methods whose maps differ from the paper budget's


# The paper's counts make AGI alone cost minutes on a CPU at 224² (20 classes × 20 steps, each a
# forward and two backward passes). The light budget is never applied silently: a front names it.
SETTINGS_PRESETS: dict[str, SettingsPreset] = {
    preset.name: preset
    for preset in (
        SettingsPreset(
            "paper",
            "Paper budget",
            "The paper's counts (App. B.3): IG and BIG 20 steps, SmoothGrad 50 samples, AGI 20 "
            "false classes × 20 steps.",
            DEFAULT_SETTINGS,
        ),
        SettingsPreset(
            "light",
            "Light budget",
            "SmoothGrad 20 samples and AGI 10 false classes × 10 steps instead of 50 and "
            "20 × 20; every other map as in the paper. The default for 224² inputs on a CPU. "
            "About 4× less work for AGI; see BENCHMARKS.md (budgets) for how much the two "
            "maps change.",
            Settings(sg_samples=20, agi_classes=10, agi_steps=10),
            changes=("sg", "agi"),
        ),
    )
}


LARGE_INPUT_PIXELS = 224 * 224


def default_budget(input_size: tuple[int, ...], device_type: str) -> str:
    """The budget a front starts with: ``"light"`` for inputs of 224² pixels or more on a CPU
    (ResNet-50's AGI alone takes minutes there with the paper's counts), else ``"paper"``."""
    pixels = input_size[-1] * input_size[-2]
    return "light" if device_type == "cpu" and pixels >= LARGE_INPUT_PIXELS else "paper"


@dataclass(frozen=True)
class MethodInput:
    """What a method's ``compute`` receives: ``x (B, C, H, W)``, ``target (B,)``, and the
    boundary points ``(B, C, H, W)`` for the methods that need them (``None`` otherwise)."""

    model: nn.Module
    x: Tensor
    target: Tensor
    boundary_point: Tensor | None
    settings: Settings


Computed = Tensor | tuple[Tensor, Tensor]  # a map, or (map, completeness delta (B,))


@dataclass(frozen=True)
class Method:
    """One attribution method.

    ``needs_boundary``: attributes from x′ (never computed from a non-adversarial point).
    ``completeness``: returns a completeness delta Σ map − (f(x) − f(baseline)).
    ``random``: draws random numbers (``evaluate`` seeds it per image).
    ``hooks_model``: modifies the model it is given while it runs (Captum DeepLift's hooks), so it
    must not share a model with concurrent work.
    ``default``: in the default list of ``explain`` and ``evaluate``.
    """

    name: str
    label: str
    description: str
    compute: Callable[[MethodInput], Computed]
    needs_boundary: bool = False
    completeness: bool = False
    random: bool = False
    hooks_model: bool = False
    default: bool = True


def _path_batch(settings: Settings, x: Tensor) -> int:
    """Images per pass along IG's path: Captum takes at least one step of every image in ``x``."""
    return max(settings.images_per_pass(x), len(x))


def _ig(kind: str) -> Callable[[MethodInput], Computed]:
    def compute(given: MethodInput) -> Computed:
        settings = given.settings
        baseline = attr.make_baseline(
            kind, given.x, color=settings.baseline_color, seed=settings.seed
        )
        return attr.integrated_gradients(
            given.model,
            given.x,
            given.target,
            baseline,
            steps=settings.ig_steps,
            internal_batch_size=_path_batch(settings, given.x),
        )

    return compute


def _smoothgrad(given: MethodInput) -> Computed:
    s = given.settings
    return attr.smoothgrad(
        given.model,
        given.x,
        given.target,
        samples=s.sg_samples,
        stdev=s.sg_stdev,
        seed=s.seed,
        batch_size=max(1, s.images_per_pass(given.x) // len(given.x)),  # noisy copies of x
    )


def agi_arguments(settings: Settings, x: Tensor) -> dict:
    """``attributions.agi``'s keyword arguments from ``settings`` for inputs like ``x``: the AGI
    row's, and those of ``explain_image`` when it spreads AGI's classes over two threads."""
    return {
        "false_classes": settings.agi_classes,
        "steps": settings.agi_steps,
        "step_size": settings.agi_step_size,
        "variant": settings.agi_variant,
        "seed": settings.seed,
        "batch_size": settings.images_per_pass(x),
    }


def _agi(given: MethodInput) -> Computed:
    return attr.agi(given.model, given.x, given.target, **agi_arguments(given.settings, given.x))


def _big(given: MethodInput) -> Computed:
    s = given.settings
    return attr.big(
        given.model,
        given.x,
        given.boundary_point,
        given.target,
        steps=s.ig_steps,
        internal_batch_size=_path_batch(s, given.x),
    )


def _idgi(boundary: bool) -> Callable[[MethodInput], Computed]:
    def compute(given: MethodInput) -> Computed:
        s = given.settings
        baseline = given.boundary_point if boundary else attr.make_baseline("black", given.x)
        return attr.idgi(given.model, given.x, given.target, baseline, steps=s.ig_steps)

    return compute


def _guided(boundary: bool, idgi: bool) -> Callable[[MethodInput], Computed]:
    def compute(given: MethodInput) -> Computed:
        s = given.settings
        baseline = given.boundary_point if boundary else attr.make_baseline("black", given.x)
        attribution, delta = attr.guided_ig(
            given.model,
            given.x,
            given.target,
            baseline,
            steps=s.guided_steps,
            fraction=s.guided_fraction,
            max_dist=s.guided_max_dist,
            idgi=idgi,
        )
        # Plain Guided IG is no completeness method: its left sums along a path that moves the
        # features of smallest gradient stay biased however many steps (tests/test_path_methods)
        return (attribution, delta) if idgi else attribution

    return compute


_IG_TEXT = (
    "Integrated Gradients: the gradient averaged along the straight path from a {} baseline to "
    "the image, times the difference; the map sums to f(x) − f(baseline)."
)
_SIGN = " Red pushes towards the explained class, blue away from it."
_IDGI_TEXT = (
    "IDGI on {}: each path step's logit change is shared out by the squared gradient at the "
    "step's start, so the map sums exactly to f(x) − f({})."
)
_GUIDED_TEXT = (
    "Guided IG from {}: the path moves the features with the smallest gradients first (staying "
    "near the straight line) and sums gradient × move; the map sums only roughly to f(x) − f({})."
)

# Panel order: the order every front shows them in.
_ROWS = (
    Method(
        "sm",
        "SM",
        "Saliency map: the gradient of the class logit at the image." + _SIGN,
        lambda g: attr.saliency(g.model, g.x, g.target),
    ),
    Method(
        "ig_black", "IG (black)", _IG_TEXT.format("black") + _SIGN, _ig("black"), completeness=True
    ),
    Method(
        "ig_white", "IG (white)", _IG_TEXT.format("white") + _SIGN, _ig("white"), completeness=True
    ),
    Method(
        "ig_blur",
        "IG (blur)",
        _IG_TEXT.format("blurred-image") + _SIGN,
        _ig("blur"),
        completeness=True,
        default=False,
    ),
    Method(
        "ig_noise",
        "IG (noise)",
        _IG_TEXT.format("uniform-noise") + _SIGN,
        _ig("noise"),
        completeness=True,
        random=True,
        default=False,
    ),
    Method(
        "ig_color",
        "IG (colour)",
        _IG_TEXT.format("single-colour") + _SIGN,
        _ig("color"),
        completeness=True,
        default=False,
    ),
    Method(
        "sg",
        "SmoothGrad",
        "SmoothGrad: the gradient averaged over noisy copies of the image." + _SIGN,
        _smoothgrad,
        random=True,
    ),
    Method(
        "gxi",
        "Grad×Input",
        "Gradient times input: the saliency map weighted by the pixel values." + _SIGN,
        lambda g: attr.grad_x_input(g.model, g.x, g.target),
    ),
    Method(
        "deeplift",
        "DeepLIFT",
        "DeepLIFT (rescale rule) from a black reference; sums to f(x) − f(black)." + _SIGN,
        lambda g: attr.deeplift(g.model, g.x, g.target),
        completeness=True,
        hooks_model=True,
    ),
    Method(
        "bsm",
        "BSM",
        "Boundary-based saliency: the gradient of the class logit at x′, the closest point "
        "across the decision boundary." + _SIGN,
        lambda g: attr.bsm(g.model, g.boundary_point, g.target),
        needs_boundary=True,
    ),
    Method(
        "big",
        "BIG",
        "Boundary-based Integrated Gradients: IG from x′ (the closest point across the "
        "boundary) to the image; sums to f(x) − f(x′)." + _SIGN,
        _big,
        needs_boundary=True,
        completeness=True,
    ),
    Method(
        "agi",
        "AGI",
        "Adversarial Gradient Integration: gradients integrated along adversarial paths towards "
        "several false classes." + _SIGN,
        _agi,
        random=True,
    ),
    Method(
        "ig_black_idgi",
        "IG-IDGI (black)",
        _IDGI_TEXT.format("IG's straight path from a black baseline", "black") + _SIGN,
        _idgi(boundary=False),
        completeness=True,
        default=False,
    ),
    Method(
        "big_idgi",
        "BIG-IDGI",
        _IDGI_TEXT.format(
            "BIG's straight path from x′ (the closest point across the boundary)", "x′"
        )
        + _SIGN,
        _idgi(boundary=True),
        needs_boundary=True,
        completeness=True,
        default=False,
    ),
    Method(
        "guided_ig",
        "Guided IG",
        _GUIDED_TEXT.format("a black baseline", "black") + _SIGN,
        _guided(boundary=False, idgi=False),
        default=False,
    ),
    Method(
        "guided_big",
        "Guided BIG",
        _GUIDED_TEXT.format("x′ (the closest point across the boundary)", "x′") + _SIGN,
        _guided(boundary=True, idgi=False),
        needs_boundary=True,
        default=False,
    ),
    Method(
        "guided_ig_idgi",
        "Guided IG-IDGI",
        _IDGI_TEXT.format("Guided IG's path from a black baseline", "black") + _SIGN,
        _guided(boundary=False, idgi=True),
        completeness=True,
        default=False,
    ),
    Method(
        "guided_big_idgi",
        "Guided BIG-IDGI",
        _IDGI_TEXT.format("Guided IG's path from x′ (the closest point across the boundary)", "x′")
        + _SIGN,
        _guided(boundary=True, idgi=True),
        needs_boundary=True,
        completeness=True,
        default=False,
    ),
)
METHODS: dict[str, Method] = {method.name: method for method in _ROWS}
DEFAULT_METHODS = tuple(name for name, method in METHODS.items() if method.default)
# IG once per baseline (``ig_black_idgi`` starts with "ig_" too but is no baseline of IG)
IG_BASELINE_METHODS = tuple(f"ig_{b}" for b in attr.BASELINES if f"ig_{b}" in METHODS)
BOUNDARY_METHODS = tuple(name for name, method in METHODS.items() if method.needs_boundary)
RANDOM_METHODS = tuple(name for name, method in METHODS.items() if method.random)


def label(name: str) -> str:
    """The one display label of a method (its name when unknown, e.g. a foreign key)."""
    return METHODS[name].label if name in METHODS else name


def parse_methods(values, *, allow_empty: bool = False) -> tuple[str, ...]:
    """Method names from strings, comma- or space-separated, repeats dropped, order kept.

    Raises ValueError naming every unknown method (and for an empty list unless allowed).
    """
    if isinstance(values, str):
        values = [values]
    names = tuple(m.strip() for value in values for m in str(value).split(",") if m.strip())
    unknown = [m for m in names if m not in METHODS]
    if unknown or (not names and not allow_empty):
        raise ValueError(
            f"unknown method(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(METHODS)}"
        )
    return tuple(dict.fromkeys(names))


def methods_help() -> str:
    """The ``--methods`` help text of every command: the defaults, then the others."""
    others = ", ".join(m for m in METHODS if m not in DEFAULT_METHODS)
    return (
        f"attributions (default: {', '.join(DEFAULT_METHODS)}; also {others}); comma- or "
        "space-separated"
    )


def ig_method(baseline: str) -> str:
    """The method name of IG from ``baseline`` (one of ``attributions.BASELINES``)."""
    name = f"ig_{baseline}"
    if name not in METHODS:
        known = ", ".join(m.removeprefix("ig_") for m in IG_BASELINE_METHODS)
        raise ValueError(f"unknown IG baseline {baseline!r}; choose from {known}")
    return name


def panel_methods(baselines: tuple[str, ...], extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The default methods with IG once per chosen baseline instead of black and white, plus
    the ``extra`` methods asked for (e.g. the IDGI and Guided IG rows), in panel order."""
    chosen = {ig_method(b) for b in baselines} | set(parse_methods(extra, allow_empty=True))
    return tuple(
        name
        for name, method in METHODS.items()
        if (name in chosen) or (method.default and name not in IG_BASELINE_METHODS)
    )


def extra_methods() -> tuple[str, ...]:
    """The methods a front offers beside the default panels and the IG baselines."""
    return tuple(
        name
        for name, method in METHODS.items()
        if not method.default and name not in IG_BASELINE_METHODS
    )


@dataclass(frozen=True)
class AlignmentPair:
    """Two methods whose maps the paper compares (Table 1): ``first`` is the gradient-based map,
    ``second`` its boundary-based (or AGI) counterpart; IG is the black-baseline IG."""

    name: str
    label: str
    first: str
    second: str


ALIGNMENT_PAIRS: dict[str, AlignmentPair] = {
    pair.name: pair
    for pair in (
        AlignmentPair("sm_bsm", "SM–BSM", "sm", "bsm"),
        AlignmentPair("ig_agi", "IG–AGI", "ig_black", "agi"),
        AlignmentPair("ig_big", "IG–BIG", "ig_black", "big"),
        AlignmentPair("ig_big_idgi", "IG–BIG (IDGI)", "ig_black_idgi", "big_idgi"),
        AlignmentPair("guided_ig_big", "Guided IG–guided BIG", "guided_ig", "guided_big"),
    )
}


def alignment_of(maps: dict, pairs: tuple[str, ...] = tuple(ALIGNMENT_PAIRS)) -> dict:
    """``<pair>_l2`` (raw ℓ2, Table 1) and ``<pair>_cosine`` (1 − cos) of one image's maps
    (arrays or tensors, each ``(C, H, W)``) for ``pairs``; ``None`` where a map is missing."""
    from boundary_core.metrics import cosine_distance, l2_distance

    out = {}
    for name in pairs:
        pair = ALIGNMENT_PAIRS[name]
        present = pair.first in maps and pair.second in maps
        first, second = (maps[pair.first], maps[pair.second]) if present else (None, None)
        out[f"{name}_l2"] = l2_distance(first, second) if present else None
        out[f"{name}_cosine"] = cosine_distance(first, second) if present else None
    return out
