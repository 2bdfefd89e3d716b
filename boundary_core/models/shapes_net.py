"""``ShapesNet``: a small ResNet for the 64×64 shapes dataset, normalisation inside.

Layout: normalise → stem (3×3 conv, stride 2: 64² → 32²) → three stages of basic blocks at
32², 16², 8² with ``widths`` channels → global average pool → linear. Every ReLU call site is its
own non-inplace ``nn.ReLU`` module (none reused, no ``F.relu``) so Captum's DeepLift can apply its
rescale rule to each one; ``relu_modules`` lists them for the test that counts their calls.
"""

import inspect
import json
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from boundary_core.checks import one_line, require_finite, require_int
from boundary_core.limits import (
    SHAPES_MAX_BLOCKS,
    SHAPES_MAX_CLASSES,
    SHAPES_MAX_PARAMETERS,
    SHAPES_MAX_STAGES,
    SHAPES_MAX_WIDTH,
)
from boundary_core.models.blocks import BasicBlock
from boundary_core.models.checkpoints import CheckpointError, load_strict

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


# ShapesNet's keyword arguments and defaults, as a file's metadata spells them (lists, not tuples)
ARCHITECTURE_DEFAULTS = {
    name: list(parameter.default) if isinstance(parameter.default, tuple) else parameter.default
    for name, parameter in inspect.signature(ShapesNet.__init__).parameters.items()
    if name != "self"
}


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
    """Rebuild a ``ShapesNet`` from a file written by ``save_shapes_net`` (CPU, train mode).

    The file is data from anyone: its header, metadata and tensor shapes are checked against the
    architecture's schema and ``boundary_core.limits`` before any module is built, and every
    refusal is one ``CheckpointError`` (a ``ValueError``) line naming the file.
    """
    path = Path(path)
    if not path.exists():
        raise OSError(
            f"no shapes model weights at {path}; train them with `python -m boundary_core train`"
        )
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
            shapes = {key: tuple(handle.get_slice(key).get_shape()) for key in handle.keys()}  # noqa: SIM118
    except Exception as error:  # noqa: BLE001 - SafetensorError is no ValueError
        raise CheckpointError(
            f"{path.name} is not a readable safetensors file ({one_line(error)})"
        ) from None
    architecture = architecture_from_metadata(metadata, path.name)
    model = ShapesNet(**architecture)
    expected = {key: tuple(value.shape) for key, value in model.state_dict().items()}
    if shapes != expected:
        raise CheckpointError(f"{path.name}: {_first_difference(shapes, expected)}")
    load_strict(model, load_file(str(path)), what=path.name)
    return model


def architecture_from_metadata(metadata: dict, name: str = "the file") -> dict:
    """The ``ShapesNet`` keyword arguments in a file's ``architecture`` metadata, checked (types,
    ranges, size) before anything is built. Missing keys take ``ShapesNet``'s defaults."""
    try:
        architecture = json.loads(metadata.get("architecture", "{}"))
    except json.JSONDecodeError as error:
        raise CheckpointError(f"{name}: architecture metadata is not JSON ({error})") from None
    if not isinstance(architecture, dict):
        raise CheckpointError(f"{name}: architecture metadata must be a JSON object")
    unknown = sorted(set(architecture) - set(ARCHITECTURE_DEFAULTS))
    if unknown:
        raise CheckpointError(f"{name}: unknown architecture key(s) {', '.join(unknown)}")
    architecture = ARCHITECTURE_DEFAULTS | architecture
    try:
        require_int("num_classes", architecture["num_classes"], 2, SHAPES_MAX_CLASSES)
        check_widths(architecture["widths"], architecture["blocks"])
        for key, low in (("mean", None), ("std", 0.0)):
            values = architecture[key]
            if not isinstance(values, list) or len(values) != 3:
                raise ValueError(f"{key} must be a list of 3 numbers, got {values!r}")
            for value in values:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError(f"{key} must hold numbers, got {value!r}")
                require_finite(key, value, low, strict=True)
    except ValueError as error:
        raise CheckpointError(f"{name}: {error}") from None
    return architecture


def check_widths(widths, blocks) -> None:
    """Stage widths and blocks per stage within ``boundary_core.limits`` (one ``ValueError``)."""
    if not isinstance(widths, list | tuple) or not 1 <= len(widths) <= SHAPES_MAX_STAGES:
        raise ValueError(f"widths must be 1 to {SHAPES_MAX_STAGES} integers, got {widths!r}")
    for width in widths:
        require_int("each width", width, 1, SHAPES_MAX_WIDTH)
    require_int("blocks", blocks, 1, SHAPES_MAX_BLOCKS)
    parameters = sum(
        9 * width * (planes + width) + 18 * width * width * (blocks - 1)
        for planes, width in zip((widths[0], *widths[:-1]), widths, strict=True)
    )
    if parameters > SHAPES_MAX_PARAMETERS:
        raise ValueError(
            f"widths {list(widths)} with {blocks} blocks make ~{parameters:,} parameters; "
            f"the limit is {SHAPES_MAX_PARAMETERS:,}"
        )


def _first_difference(found: dict, expected: dict) -> str:
    """The first tensor that is missing, extra or of the wrong shape, and the counts."""
    missing = [key for key in expected if key not in found]
    extra = [key for key in found if key not in expected]
    wrong = [key for key in expected if key in found and found[key] != expected[key]]
    if missing or extra:
        first = f"missing tensor {missing[0]!r}" if missing else f"unexpected tensor {extra[0]!r}"
        return (
            f"tensors do not fit the architecture: {first} "
            f"({len(missing)} missing, {len(extra)} unexpected)"
        )
    key = wrong[0]
    return f"tensor {key!r} has shape {found[key]}, the architecture needs {expected[key]}"
