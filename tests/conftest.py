import os
import warnings

import pytest
import torch
from torch import nn

warnings.filterwarnings("ignore", module=r"captum\..*")
# No maps computed ahead in the background (ui/prefetch.py) unless a test turns it on: counts of
# the maps a page computes stay exact, and no stray thread competes with the timed tests.
os.environ["BAE_AHEAD"] = "0"


class LinearTwoClass(nn.Module):
    """logits = [w·x + b, −(w·x + b)]: boundary w·x + b = 0, ∂f_0/∂x = w everywhere."""

    def __init__(self, weight: torch.Tensor, bias: float):
        super().__init__()
        self.weight = nn.Parameter(weight.flatten().clone(), requires_grad=False)
        self.bias = bias

    def forward(self, x):
        score = x.flatten(1) @ self.weight + self.bias
        return torch.stack([score, -score], dim=1)


class TinyCNN(nn.Module):
    """A small ReLU CNN with one ReLU module per call site (DeepLIFT-safe)."""

    def __init__(self, classes: int = 4, seed: int = 0):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.fc1 = nn.Linear(24, 16)
        self.relu2 = nn.ReLU()
        self.fc2 = nn.Linear(16, classes)
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.5)
                parameter.requires_grad_(False)
            # Centre the logits over random inputs so every class occurs and margins are small.
            probe = torch.rand(256, 3, 8, 8, generator=generator)
            self.fc2.bias -= self(probe).mean(dim=0)

    def forward(self, x):
        out = self.pool(self.relu1(self.conv(x))).flatten(1)  # (B, 6, 2, 2) -> (B, 24)
        return self.fc2(self.relu2(self.fc1(out)))


@pytest.fixture
def tiny_cnn():
    return TinyCNN().eval()


@pytest.fixture
def images():
    return torch.rand(6, 3, 8, 8, generator=torch.Generator().manual_seed(1))


@pytest.fixture(scope="session")
def cifar_model():
    from boundary_core.models import load_model

    return load_model("cifar10-resnet18")
