"""``cifar10-resnet18``: the CIFAR-10 ResNet-18 whose weights ship inside ``pyautoattack==0.2.0``.

The architecture is rebuilt in ``cifar10_net.py`` (same parameter names, so the shipped state dict
loads as is) with one non-inplace ``nn.ReLU`` module per call site, which Captum's DeepLift needs
to apply its rescale rule; the original uses ``F.relu``. The network takes inputs in [0, 1] with no
normalisation. Its training recipe is undocumented: the registry card records what we measured.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from boundary_core.models.registry import ModelSpec, register
from boundary_core.paths import MODELS_DIR

CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
CARD_PATH = MODELS_DIR / "cifar10-resnet18.card.json"

if TYPE_CHECKING:  # the network (models/cifar10_net.py) is imported by its loader only
    from torch import nn


def pyautoattack_weights_path() -> Path:
    try:
        import pyautoattack
    except ImportError as error:
        raise OSError(
            "cifar10-resnet18 needs the package pyautoattack==0.2.0 (pip install)"
        ) from error
    path = Path(os.path.dirname(pyautoattack.__file__)) / "examples" / "model_test.pt"
    if not path.exists():
        raise OSError(f"pyautoattack is installed but {path} is missing; pin pyautoattack==0.2.0")
    return path


def load_cifar10_resnet18() -> nn.Module:
    import torch

    from boundary_core.models.cifar10_net import CifarResNet18

    model = CifarResNet18()
    state = torch.load(pyautoattack_weights_path(), map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    return model


def _card() -> dict:
    return json.loads(CARD_PATH.read_text()) if CARD_PATH.exists() else {}


register(
    ModelSpec(
        name="cifar10-resnet18",
        dataset="cifar10",
        input_size=(3, 32, 32),
        class_names=CIFAR10_CLASSES,
        training="unknown",
        offline=True,
        loader=load_cifar10_resnet18,
        description="CIFAR-10 ResNet-18 shipped with pyautoattack 0.2.0 (training undocumented).",
        card=_card(),
        partner="cifar10-resnet50-l2-0.5",  # MadryLab's robust CIFAR-10 net (models/zoo.py)
    )
)
