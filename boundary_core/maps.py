"""One method table's maps for a batch: ``Attributions`` (signed maps per method, completeness
deltas, the reason for every map that could not be computed) and ``attribute_all``, which computes
them one method after another. ``schedule.py`` runs the same on two threads; ``explain.py`` adds
the prediction and the boundary search for one image."""

import time
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from boundary_core.attributions import DeepLiftRefused
from boundary_core.methods import (
    DEFAULT_METHODS,
    DEFAULT_SETTINGS,
    METHODS,
    MethodInput,
    Settings,
    parse_methods,
)
from boundary_core.search import BoundaryResult
from boundary_core.search.find import Progress


@dataclass(frozen=True)
class Attributions:
    """Signed maps ``(B, C, H, W)`` per method, completeness deltas ``(B,)`` where defined, and the
    reason for every method that could not be computed."""

    maps: dict[str, Tensor]
    deltas: dict[str, Tensor]
    unavailable: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def union(self, other: "Attributions", order: tuple[str, ...]) -> "Attributions":
        """The methods of both (computed on the same images), maps listed in ``order``."""
        maps = self.maps | other.maps
        return Attributions(
            maps={m: maps[m] for m in order if m in maps},
            deltas=self.deltas | other.deltas,
            unavailable=self.unavailable | other.unavailable,
            seconds=self.seconds | other.seconds,
        )

    @staticmethod
    def concatenate(parts: list["Attributions"]) -> "Attributions":
        """Rows of several batches stacked, for the methods every batch has; ``unavailable``
        collects every batch's reasons."""
        common = [m for m in parts[0].maps if all(m in part.maps for part in parts)]
        with_delta = [m for m in common if all(m in part.deltas for part in parts)]
        return Attributions(
            maps={m: torch.cat([part.maps[m] for part in parts]) for m in common},
            deltas={m: torch.cat([part.deltas[m] for part in parts]) for m in with_delta},
            unavailable={name: why for part in parts for name, why in part.unavailable.items()},
            seconds={m: sum(part.seconds.get(m, 0.0) for part in parts) for m in common},
        )


def attribute_all(
    model: nn.Module,
    x: Tensor,
    target: Tensor,
    boundary: BoundaryResult | None,
    methods: tuple[str, ...] = DEFAULT_METHODS,
    settings: Settings = DEFAULT_SETTINGS,
    progress: Progress | None = None,
) -> Attributions:
    """Compute ``methods`` (names of ``boundary_core.methods.METHODS``) for ``x (B, C, H, W)``.

    Methods that need x′ need ``boundary`` with every sample found, otherwise they are reported
    unavailable with the reason (never computed from a non-adversarial point); DeepLIFT on a
    model it would get wrong is reported unavailable too. Any other error propagates.
    """
    methods = parse_methods(methods, allow_empty=True)
    maps, deltas, unavailable, seconds = {}, {}, {}, {}
    found = boundary is not None and bool(boundary.found.all())
    point = boundary.point if found else None
    for step, name in enumerate(methods):
        if progress:
            progress(step / len(methods), f"computing {METHODS[name].label}")
        method = METHODS[name]
        if method.needs_boundary and not found:
            unavailable[name] = "no boundary point was found, so there is no x′ to attribute from"
            continue
        start = time.perf_counter()
        try:
            result = method.compute(MethodInput(model, x, target, point, settings))
        except DeepLiftRefused as refusal:
            unavailable[name] = str(refusal)
            continue
        maps[name], delta = result if isinstance(result, tuple) else (result, None)
        if delta is not None:
            deltas[name] = delta
        seconds[name] = time.perf_counter() - start
    return Attributions(maps, deltas, unavailable, seconds)
