"""2-D data presets for the toy playground: two moons, circles, spirals, apple vs banana, 3 blobs.

Each preset (``TOY_DATASETS``) is generated from an explicit ``torch.Generator`` and comes with a
fixed window ``ToyBox`` (where the geometry is enumerated exactly and the page draws).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from boundary_core.toy.polygons import ToyBox


@dataclass(frozen=True)
class ToyData:
    """Points ``x (N, 2)`` float64, labels ``y (N,)`` long, class names, and the drawing box."""

    name: str
    x: Tensor
    y: Tensor
    class_names: tuple[str, ...]
    box: ToyBox

    @property
    def classes(self) -> int:
        return len(self.class_names)

    def __repr__(self) -> str:
        return (
            f"ToyData({self.name!r}, n={len(self.y)}, classes={self.class_names}, box={self.box})"
        )


def _noise(n: int, scale: float, generator: torch.Generator) -> Tensor:
    return scale * torch.randn(n, 2, generator=generator, dtype=torch.float64)


def _moons(n: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    half = n // 2
    t = math.pi * torch.rand(n, generator=generator, dtype=torch.float64)
    upper = torch.stack([torch.cos(t[:half]), torch.sin(t[:half])], dim=1)
    lower = torch.stack([1 - torch.cos(t[half:]), 0.5 - torch.sin(t[half:])], dim=1)
    x = torch.cat([upper, lower]) - torch.tensor([0.5, 0.25], dtype=torch.float64)
    return x + _noise(n, 0.1, generator), torch.arange(n) >= half


def _circles(n: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    half = n // 2
    t = 2 * math.pi * torch.rand(n, generator=generator, dtype=torch.float64)
    radius = torch.where(torch.arange(n) < half, 0.5, 1.2).double()
    x = radius[:, None] * torch.stack([torch.cos(t), torch.sin(t)], dim=1)
    return x + _noise(n, 0.1, generator), torch.arange(n) < half


def _spirals(n: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    half = n // 2
    t = 0.25 + 2.75 * math.pi * torch.rand(half, generator=generator, dtype=torch.float64)
    arm = torch.stack([t * torch.cos(t), t * torch.sin(t)], dim=1) / (2.75 * math.pi) * 1.6
    x = torch.cat([arm, -arm])
    return x + _noise(2 * half, 0.05, generator), torch.arange(2 * half) >= half


def _apple_banana(n: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """Round apples in the middle, a crescent of bananas curving around them (paper Fig. 2)."""
    half = n // 2
    apples = _noise(half, 0.3, generator) + torch.tensor([0.0, -0.2], dtype=torch.float64)
    t = math.pi * (0.15 + 0.7 * torch.rand(n - half, generator=generator, dtype=torch.float64))
    bananas = 1.3 * torch.stack([torch.cos(t), torch.sin(t)], dim=1) - torch.tensor([0.0, 0.4])
    x = torch.cat([apples, bananas + _noise(n - half, 0.1, generator)])
    return x, torch.arange(n) >= half


def _three_blobs(n: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    labels = torch.arange(n) % 3
    angles = 2 * math.pi * labels.double() / 3 + math.pi / 2
    centres = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return centres + _noise(n, 0.35, generator), labels


Generate = Callable[[int, torch.Generator], tuple[Tensor, Tensor]]
TOY_DATASETS: dict[str, tuple[Generate, tuple[str, ...], ToyBox]] = {
    "moons": (_moons, ("upper moon", "lower moon"), (-2.0, 2.0, -1.5, 1.5)),
    "circles": (_circles, ("inner", "outer"), (-2.0, 2.0, -2.0, 2.0)),
    "spirals": (_spirals, ("arm A", "arm B"), (-2.0, 2.0, -2.0, 2.0)),
    "apple_banana": (_apple_banana, ("apple", "banana"), (-2.0, 2.0, -1.5, 1.5)),
    "three_blobs": (_three_blobs, ("blue", "orange", "green"), (-2.2, 2.2, -2.0, 2.0)),
}


def make_data(preset: str, *, n: int = 240, seed: int = 0) -> ToyData:
    """Sample ``n`` points of a preset (see ``TOY_DATASETS``) with a seeded generator."""
    if preset not in TOY_DATASETS:
        raise ValueError(f"unknown toy preset {preset!r}; choose one of {', '.join(TOY_DATASETS)}")
    generate, class_names, box = TOY_DATASETS[preset]
    x, y = generate(n, torch.Generator().manual_seed(seed))
    return ToyData(preset, x.double(), y.long(), class_names, box)
