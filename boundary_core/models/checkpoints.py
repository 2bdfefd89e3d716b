"""Read weights without running pickle code: ``torch.load(weights_only=True)`` or safetensors.

A checkpoint that needs any other Python global (a dill-saved MadryLab file, a pickled class, a
``__reduce__`` payload) is refused, naming the global torch's restricted unpickler stopped at; it
is never executed and there is no fallback to full unpickling.

Layouts accepted:
- MadryLab ``robustness`` (Engstrom et al. 2019; Salman et al. 2020 on the Hub):
  ``{"model" or "state_dict": {"module.normalizer.new_mean", "module.normalizer.new_std",
  "module.model.<net keys>", "module.attacker.*"}, "optimizer": ..., "epoch": ...}``;
  ``module.model.*`` is kept with its prefix stripped, the normaliser read when present.
- A plain state dict (torchvision's files), optionally wrapped in ``"state_dict"``/``"model"``
  or prefixed ``module.`` by DataParallel.
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported where tensors are read: the registry lists models without it
    from torch import Tensor, nn

MADRY_PREFIX = "module.model."
MADRY_MEAN, MADRY_STD = "module.normalizer.new_mean", "module.normalizer.new_std"


class CheckpointError(ValueError):
    """A weights file that is refused (needs unsafe globals) or does not fit the architecture."""


def read_tensors(path: str | Path) -> dict:
    """The file's content using tensors-only readers; raises CheckpointError for anything else."""
    import torch
    from safetensors.torch import load_file

    path = Path(path)
    if path.suffix == ".safetensors":
        try:
            return load_file(path, device="cpu")
        except Exception as error:  # SafetensorError (not a ValueError): a header that lies
            reason = f"{type(error).__name__}: {error}".splitlines()[0]
            message = f"{path.name} is not a readable safetensors file ({reason})"
            raise CheckpointError(message) from None
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointError(refusal_message(path, error)) from None
    except Exception as error:  # not a torch file at all, a truncated zip, a garbled pickle
        reason = f"{type(error).__name__}: {error}".splitlines()[0]
        raise CheckpointError(f"{path.name} is not a readable weights file ({reason})") from None


def refusal_message(path: Path, error: Exception) -> str:
    """One readable line saying which global a weights-only load refused."""
    text = str(error)
    match = re.search(r"GLOBAL ([\w.]+)", text)
    reason = f"the global {match.group(1)}" if match else _last_reason(text)
    return (
        f"refused {path.name}: loading it would run pickled code ({reason}); only weights-only "
        "files (.safetensors, or a .pt/.pth/.ckpt of plain tensors) are loaded, never unpickled "
        "in full. Convert it to safetensors in a trusted environment."
    )


def _last_reason(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    useful = [line for line in lines if "Unsupported" in line or "WeightsUnpickler" in line]
    return (useful or lines or ["not a weights-only pickle"])[-1]


def state_dict_of(checkpoint: object) -> tuple[dict[str, Tensor], tuple[Tensor, Tensor] | None]:
    """The network's state dict and the ``(mean, std)`` normaliser (each ``(3,)``) if present."""
    from torch import Tensor

    if not isinstance(checkpoint, dict):
        raise CheckpointError(f"expected a dict of tensors, got {type(checkpoint).__name__}")
    for key in ("model", "state_dict"):
        if isinstance(checkpoint.get(key), dict):
            checkpoint = checkpoint[key]
            break
    tensors = {key: value for key, value in checkpoint.items() if isinstance(value, Tensor)}
    if not tensors:
        raise CheckpointError("the checkpoint holds no tensors")
    normalizer = None
    if MADRY_MEAN in tensors and MADRY_STD in tensors:
        normalizer = (tensors[MADRY_MEAN].flatten(), tensors[MADRY_STD].flatten())
    if any(key.startswith(MADRY_PREFIX) for key in tensors):
        prefix = MADRY_PREFIX
    elif all(key.startswith("module.") for key in tensors):
        prefix = "module."
    else:
        return tensors, normalizer
    kept = {key[len(prefix) :]: value for key, value in tensors.items() if key.startswith(prefix)}
    return kept, normalizer


def load_strict(module: nn.Module, state: dict[str, Tensor], what: str = "checkpoint") -> None:
    """``module.load_state_dict(state, strict=True)`` with an error naming the first mismatch."""
    expected = module.state_dict()
    missing = [key for key in expected if key not in state]
    unexpected = [key for key in state if key not in expected]
    if missing or unexpected:
        first = f"missing key {missing[0]!r}" if missing else f"unexpected key {unexpected[0]!r}"
        raise CheckpointError(
            f"{what} does not fit the architecture: {first} "
            f"({len(missing)} missing, {len(unexpected)} unexpected)"
        )
    for key, tensor in expected.items():
        if tuple(state[key].shape) != tuple(tensor.shape):
            raise CheckpointError(
                f"{what} does not fit the architecture: {key!r} has shape "
                f"{tuple(state[key].shape)}, expected {tuple(tensor.shape)}"
            )
    module.load_state_dict(state, strict=True)


def save_tensors_copy(module: nn.Module, path: Path, metadata: dict[str, str]) -> None:
    """Write ``module``'s state dict as safetensors (temp file, then rename)."""
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    state = {key: value.contiguous() for key, value in module.state_dict().items()}
    save_file(state, partial, metadata=metadata)
    partial.replace(path)
