"""Named models: what each one is, and how to load it.

Every registered model maps ``x (B, C, H, W)`` in ``[0, 1]`` to logits ``(B, K)``; any input
normalisation is a layer inside it, so epsilons and distances are always in pixel units.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn


@dataclass(frozen=True)
class ModelSpec:
    """One registry entry.

    ``training`` is a plain description such as ``"standard"``, ``"adversarial l2 eps=0.5"`` or
    ``"unknown"``; ``card`` holds measured facts (accuracy, median boundary distance, ...).
    """

    name: str
    dataset: str
    input_size: tuple[int, int, int]  # (C, H, W)
    class_names: tuple[str, ...]
    training: str
    offline: bool
    loader: Callable[[], nn.Module] = field(repr=False, compare=False)
    description: str = ""
    card: dict = field(default_factory=dict, compare=False)

    def summary(self) -> dict:
        """JSON-friendly description (what ``models --json`` prints)."""
        return {
            "name": self.name,
            "dataset": self.dataset,
            "input_size": list(self.input_size),
            "num_classes": len(self.class_names),
            "class_names": list(self.class_names),
            "training": self.training,
            "offline": self.offline,
            "description": self.description,
            "card": self.card,
        }


_REGISTRY: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> ModelSpec:
    if spec.name in _REGISTRY:
        raise ValueError(f"model {spec.name!r} is registered twice")
    _REGISTRY[spec.name] = spec
    return spec


def _ensure_loaded() -> None:
    # Importing these modules registers their entries.
    from boundary_core.models import catalog  # noqa: F401


def list_models() -> list[ModelSpec]:
    _ensure_loaded()
    return list(_REGISTRY.values())


def get_spec(name: str) -> ModelSpec:
    _ensure_loaded()
    if name not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY))
        raise ValueError(f"unknown model {name!r}; known models: {known}")
    return _REGISTRY[name]


def load_model(name: str, device: torch.device | str = "cpu") -> nn.Module:
    """Build the named model in eval mode on ``device`` with gradients off for its parameters."""
    model = get_spec(name).loader()
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model.to(device)
