"""ResNets rebuilt with one non-inplace ``nn.ReLU`` module per call site, same parameter names.

torchvision's blocks call one shared, in-place ``self.relu`` two or three times, and MadryLab's
CIFAR ResNets call ``F.relu``; Captum's DeepLift attaches its rescale rule to ReLU *modules* and
needs each call to be a distinct, non-inplace one. These classes change only that (and write the
residual sum out of place), so the published state dicts load unchanged and outputs are identical
(``tests/test_checkpoints.py`` compares them with torchvision's own resnet50).
"""

from collections import OrderedDict
from collections.abc import Sequence

from torch import Tensor, nn
from torchvision.models import resnet as tv

from boundary_core.models.facts import (  # noqa: F401  (re-exported: the constants' old home)
    CIFAR10_MEAN,
    CIFAR10_STD,
    IMAGENET_MEAN,
    IMAGENET_STD,
    RESNET_LAYOUTS,
)
from boundary_core.models.shapes_net import Normalize


class TorchvisionBasicBlock(tv.BasicBlock):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.relu
        self.relu1, self.relu2 = nn.ReLU(), nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu2(out + identity)


class Bottleneck(tv.Bottleneck):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.relu
        self.relu1, self.relu2, self.relu3 = nn.ReLU(), nn.ReLU(), nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.relu2(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu3(out + identity)


BLOCKS = {"basic": TorchvisionBasicBlock, "bottleneck": Bottleneck}
TORCHVISION_LAYOUTS = {
    name: (BLOCKS[kind], layers) for name, (kind, layers) in RESNET_LAYOUTS.items()
}


def torchvision_resnet(arch: str, num_classes: int = 1000) -> tv.ResNet:
    """torchvision's ``arch`` (random init) with one non-inplace ReLU per call site."""
    if arch not in TORCHVISION_LAYOUTS:
        raise ValueError(f"arch must be one of {sorted(TORCHVISION_LAYOUTS)}, got {arch!r}")
    block, layers = TORCHVISION_LAYOUTS[arch]
    model = tv.ResNet(block, list(layers), num_classes=num_classes)
    model.relu = nn.ReLU()  # the stem's single call site, no longer in place
    return model


class CifarBottleneck(nn.Module):
    """MadryLab ``robustness.cifar_models.resnet.Bottleneck`` (Kuang Liu's layout), ReLUs split."""

    expansion = 4

    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        width = self.expansion * planes
        self.conv1 = nn.Conv2d(in_planes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, width, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(width)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != width:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, width, 1, stride=stride, bias=False), nn.BatchNorm2d(width)
            )
        self.relu1, self.relu2, self.relu3 = nn.ReLU(), nn.ReLU(), nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.relu2(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu3(out + self.shortcut(x))


class CifarResNet50(nn.Module):
    """MadryLab's CIFAR ResNet-50 (32×32 inputs, 3×3 stem, 4×4 average pool, ``linear`` head)."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        planes, stages = 64, []
        for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
            stage = []
            for index in range(blocks):
                stage.append(CifarBottleneck(planes, width, stride if index == 0 else 1))
                planes = width * CifarBottleneck.expansion
            stages.append(nn.Sequential(*stage))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.pool = nn.AvgPool2d(4)
        self.linear = nn.Linear(planes, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        return self.linear(self.pool(out).flatten(1))  # (B, 2048) -> (B, 10)


def build(arch: str, num_classes: int) -> nn.Module:
    """The bare network (no normalisation): a torchvision ResNet name or ``cifar_resnet50``."""
    if arch == "cifar_resnet50":
        return CifarResNet50(num_classes)
    return torchvision_resnet(arch, num_classes)


def normalized(network: nn.Module, mean: Sequence[float], std: Sequence[float]) -> nn.Sequential:
    """``[0, 1]`` pixels → ``normalize`` → ``model``; keys ``normalize.*`` and ``model.*``."""
    return nn.Sequential(OrderedDict(normalize=Normalize(mean, std), model=network))
