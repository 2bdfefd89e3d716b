"""Everything the Explain page and ``explain`` command show for one input, in one call."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from boundary_core import attributions as attr
from boundary_core.search import BoundaryResult, find_boundary

METHODS = ("sm", "ig_black", "ig_white", "sg", "gxi", "deeplift", "bsm", "big", "agi")
BOUNDARY_METHODS = ("bsm", "big")
EXTRA_BASELINES = ("blur", "noise", "color")  # offered as ig_blur, ig_noise, ig_color


@dataclass(frozen=True)
class Settings:
    """Attribution settings; every default follows the paper (App. B.3) unless noted."""

    ig_steps: int = 20  # IG and BIG: 20 points, riemann_trapezoid
    sg_samples: int = 50  # SmoothGrad samples (not stated in the paper; Smilkov et al. use 50)
    sg_stdev: float = 0.15  # noise σ in pixel units, i.e. 15% of the [0, 1] range
    # "as_described" (the cumulative path of Pan et al.; satisfies completeness as Table 4 claims)
    # or "as_coded" (the public repo: every step restarts from x; use it to mirror the paper)
    agi_variant: str = "as_described"
    agi_classes: int = 20  # capped at K − 1
    agi_steps: int = 20
    agi_step_size: float = 0.05  # L∞, pixel units
    baseline_color: tuple[float, float, float] = (0.5, 0.5, 0.5)
    seed: int = 0


@dataclass(frozen=True)
class Attributions:
    """Signed maps ``(B, C, H, W)`` per method, completeness deltas ``(B,)`` where defined, and the
    reason for every method that could not be computed."""

    maps: dict[str, Tensor]
    deltas: dict[str, Tensor]
    unavailable: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _ig(model, x, target, kind, settings):
    baseline = attr.make_baseline(kind, x, color=settings.baseline_color, seed=settings.seed)
    return attr.integrated_gradients(model, x, target, baseline, steps=settings.ig_steps)


def _method_table(model, x, target, boundary, settings) -> dict[str, Callable]:
    point = boundary.point if boundary is not None else None
    table = {
        "sm": lambda: attr.saliency(model, x, target),
        "sg": lambda: attr.smoothgrad(
            model,
            x,
            target,
            samples=settings.sg_samples,
            stdev=settings.sg_stdev,
            seed=settings.seed,
        ),
        "gxi": lambda: attr.grad_x_input(model, x, target),
        "deeplift": lambda: attr.deeplift(model, x, target),
        "bsm": lambda: attr.bsm(model, point, target),
        "big": lambda: attr.big(model, x, point, target, steps=settings.ig_steps),
        "agi": lambda: attr.agi(
            model,
            x,
            target,
            false_classes=settings.agi_classes,
            steps=settings.agi_steps,
            step_size=settings.agi_step_size,
            variant=settings.agi_variant,
            seed=settings.seed,
        ),
    }
    for kind in ("black", "white", *EXTRA_BASELINES):
        table[f"ig_{kind}"] = lambda kind=kind: _ig(model, x, target, kind, settings)
    return table


def attribute_all(
    model: nn.Module,
    x: Tensor,
    target: Tensor,
    boundary: BoundaryResult | None,
    methods: tuple[str, ...] = METHODS,
    settings: Settings = Settings(),
    progress: Callable[[float, str], None] | None = None,
) -> Attributions:
    """Compute ``methods`` for ``x (B, C, H, W)``; BSM/BIG need ``boundary`` with every sample
    found, otherwise they are reported unavailable with the reason (never computed from a
    non-adversarial point)."""
    table = _method_table(model, x, target, boundary, settings)
    unknown = [m for m in methods if m not in table]
    if unknown:
        raise ValueError(f"unknown method(s) {', '.join(unknown)}; known: {', '.join(table)}")
    maps, deltas, unavailable, seconds = {}, {}, {}, {}
    for step, method in enumerate(methods):
        if progress:
            progress(step / len(methods), f"computing {method}")
        if method in BOUNDARY_METHODS and (boundary is None or not bool(boundary.found.all())):
            unavailable[method] = "no boundary point was found, so there is no x′ to attribute from"
            continue
        start = time.perf_counter()
        try:
            result = table[method]()
        except ValueError as error:  # e.g. DeepLIFT refused for this architecture
            unavailable[method] = str(error)
            continue
        maps[method], delta = result if isinstance(result, tuple) else (result, None)
        if delta is not None:
            deltas[method] = delta
        seconds[method] = time.perf_counter() - start
    return Attributions(maps, deltas, unavailable, seconds)


@dataclass(frozen=True)
class Explanation:
    """One image explained: prediction, boundary point and every attribution map."""

    x: Tensor  # (C, H, W) in [0, 1]
    class_names: tuple[str, ...]
    target: int
    probabilities: Tensor  # (K,) softmax at x
    boundary: BoundaryResult  # batch of one
    boundary_probabilities: Tensor | None  # (K,) softmax at x′, None if not found
    attributions: Attributions
    search_seconds: float

    @property
    def prediction(self) -> int:
        return int(self.probabilities.argmax())

    def summary(self) -> dict:
        """JSON-friendly numbers (the CLI's ``--json`` output)."""
        found = bool(self.boundary.found[0])
        boundary = self.boundary.row(0)
        boundary["label"] = self.class_names[boundary["index"]] if found else None
        boundary["probability"] = (
            float(self.boundary_probabilities.max())
            if self.boundary_probabilities is not None
            else None
        )
        boundary["seconds"] = round(self.search_seconds, 3)
        methods = {
            name: {"completeness_delta": float(self.attributions.deltas[name][0])}
            if name in self.attributions.deltas
            else {}
            for name in self.attributions.maps
        }
        for name in methods:
            methods[name]["seconds"] = round(self.attributions.seconds[name], 3)
        index = self.prediction
        return {
            "prediction": {
                "index": index,
                "label": self.class_names[index],
                "probability": float(self.probabilities[index]),
            },
            "target": {"index": self.target, "label": self.class_names[self.target]},
            "boundary": boundary,
            "methods": methods,
            "unavailable": dict(self.attributions.unavailable),
        }


def explain_image(
    model: nn.Module,
    x: Tensor,
    class_names: tuple[str, ...],
    *,
    methods=METHODS,
    preset: str = "fast",
    target: int | None = None,
    settings: Settings = Settings(),
    search_steps: int | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> Explanation:
    """Explain one image ``x (C, H, W)``: predict, search the boundary, attribute.

    ``target`` defaults to the predicted class; the boundary search always moves away from the
    predicted class (that is what x′ means), so BSM/BIG for another target use the same x′.
    """
    if x.dim() != 3:
        raise ValueError(f"expected one image (C, H, W), got shape {tuple(x.shape)}")
    batch = x[None]  # (1, C, H, W)
    with torch.no_grad():
        probabilities = model(batch).softmax(dim=1)[0]
    target = int(probabilities.argmax()) if target is None else int(target)
    if not 0 <= target < len(class_names):
        raise ValueError(
            f"target must be a class index in [0, {len(class_names) - 1}], got {target}"
        )
    start = time.perf_counter()
    boundary = find_boundary(
        model,
        batch,
        preset=preset,
        seed=settings.seed,
        steps=search_steps,
        progress=(lambda f, m: progress(0.5 * f, m)) if progress else None,
    )
    search_seconds = time.perf_counter() - start
    found = bool(boundary.found[0])
    with torch.no_grad():
        boundary_probabilities = model(boundary.point).softmax(dim=1)[0] if found else None
    attributions = attribute_all(
        model,
        batch,
        torch.tensor([target], device=x.device),
        boundary,
        tuple(methods),
        settings,
        (lambda f, m: progress(0.5 + 0.5 * f, m)) if progress else None,
    )
    return Explanation(
        x,
        tuple(class_names),
        target,
        probabilities,
        boundary,
        boundary_probabilities,
        attributions,
        search_seconds,
    )
