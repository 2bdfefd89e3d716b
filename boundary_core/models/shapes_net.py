"""``ShapesNet``: a small ResNet for the 64×64 shapes dataset, normalisation inside.

Layout: normalise → stem (3×3 conv, stride 2: 64² → 32²) → three stages of basic blocks at
32², 16², 8² with ``widths`` channels → global average pool → linear. Every ReLU call site is its
own non-inplace ``nn.ReLU`` module (none reused, no ``F.relu``) so Captum's DeepLift can apply its
rescale rule to each one; ``relu_modules`` lists them for the test that counts their calls.
"""

import json
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from boundary_core.models.blocks import BasicBlock

# Per-channel mean/std of the training stream (measured on 2,000 images of TRAIN_SEED).
SHAPES_MEAN = (0.496, 0.495, 0.492)
SHAPES_STD = (0.280, 0.282, 0.280)


class Normalize(nn.Module):
    """``(x − mean) / std`` per channel, so the model takes ``[0, 1]`` pixels."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        return (x - self.mean) / self.std


class ShapesNet(nn.Module):
    """Maps ``x (B, 3, 64, 64)`` in ``[0, 1]`` to logits ``(B, num_classes)``."""

    def __init__(
        self,
        num_classes: int = 10,
        widths: Sequence[int] = (16, 32, 64),
        blocks: int = 1,
        mean: Sequence[float] = SHAPES_MEAN,
        std: Sequence[float] = SHAPES_STD,
    ):
        super().__init__()
        self.architecture = {
            "num_classes": num_classes,
            "widths": list(widths),
            "blocks": blocks,
            "mean": list(mean),
            "std": list(std),
        }
        self.normalize = Normalize(mean, std)
        self.stem = nn.Sequential(
            nn.Conv2d(3, widths[0], 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(),
        )
        stages, planes = [], widths[0]
        for number, width in enumerate(widths):
            stride = 1 if number == 0 else 2
            layers = [BasicBlock(planes, width, stride)]
            layers += [BasicBlock(width, width) for _ in range(blocks - 1)]
            stages.append(nn.Sequential(*layers))
            planes = width
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.linear = nn.Linear(planes, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        features = self.stages(self.stem(self.normalize(x)))  # (B, C, 8, 8) for 64² inputs
        return self.linear(self.pool(features).flatten(1))  # (B, C) -> (B, num_classes)


def relu_modules(model: nn.Module) -> list[nn.ReLU]:
    """Every ``nn.ReLU`` in ``model`` (each must run exactly once per forward pass)."""
    return [module for module in model.modules() if isinstance(module, nn.ReLU)]


def save_shapes_net(model: ShapesNet, path: Path) -> None:
    """Weights as safetensors; the architecture (widths, blocks) goes in the file's metadata."""
    metadata = {"architecture": json.dumps(model.architecture)}
    state = {
        name: tensor.detach().cpu().contiguous() for name, tensor in model.state_dict().items()
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(path), metadata=metadata)


def load_shapes_net(path: Path) -> ShapesNet:
    """Rebuild a ``ShapesNet`` from a file written by ``save_shapes_net`` (CPU, train mode)."""
    if not Path(path).exists():
        raise OSError(
            f"no shapes model weights at {path}; train them with `python -m boundary_core train`"
        )
    with safe_open(str(path), framework="pt") as handle:
        architecture = json.loads((handle.metadata() or {}).get("architecture", "{}"))
    model = ShapesNet(**architecture)
    model.load_state_dict(load_file(str(path)))
    return model
