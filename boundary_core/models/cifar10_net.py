"""The CIFAR-10 ResNet-18 network of ``cifar10-resnet18`` (registered in ``models/cifar10.py``,
which imports this module only when the model is loaded, so listing models needs no torch)."""

import torch
from torch import nn

from boundary_core.models.blocks import BasicBlock


class CifarResNet18(nn.Module):
    """ResNet-18 for 32×32 inputs (Kuang Liu's layout, as in pyautoattack's examples)."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        planes, layers = 64, []
        for width, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            layers.append(
                nn.Sequential(BasicBlock(planes, width, stride), BasicBlock(width, width))
            )
            planes = width
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.pool = nn.AvgPool2d(4)
        self.linear = nn.Linear(512, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        return self.linear(self.pool(out).flatten(1))  # (B, 512) -> (B, 10)
