"""A small ReLU MLP on 2-D inputs, its weights as float64 arrays, and its local affine maps.

The toy geometry is exact, so everything here is float64. The module layout is the contract the
CLI's safetensors file follows: ``layers.{i}.weight`` / ``layers.{i}.bias`` in forward order, ReLU
between layers, none after the last.
"""

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

Weights = list[tuple[np.ndarray, np.ndarray]]  # [(W (out, in), b (out,)), ...] forward order


class ToyMLP(nn.Module):
    """``x (B, 2) -> logits (B, K)``: Linear, ReLU, ..., Linear (no ReLU after the last)."""

    def __init__(self, widths: Sequence[int], *, generator: torch.Generator | None = None):
        super().__init__()
        if len(widths) < 2 or widths[0] != 2 or min(widths) < 1:
            raise ValueError(f"widths must start with 2 and be positive, got {tuple(widths)}")
        self.widths = tuple(int(w) for w in widths)
        self.layers = nn.ModuleList(
            nn.Linear(fan_in, fan_out, dtype=torch.float64)
            for fan_in, fan_out in zip(widths[:-1], widths[1:], strict=True)
        )
        with torch.no_grad():  # He-uniform from an explicit generator
            for layer in self.layers:
                bound = math.sqrt(6.0 / layer.in_features)
                layer.weight.uniform_(-bound, bound, generator=generator)
                layer.bias.uniform_(-0.1, 0.1, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x))
        return self.layers[-1](x)

    def __repr__(self) -> str:
        return f"ToyMLP(widths={'-'.join(map(str, self.widths))})"


def make_mlp(hidden: Sequence[int], classes: int, *, seed: int = 0) -> ToyMLP:
    """A freshly initialised ``2 -> hidden... -> classes`` MLP (float64)."""
    generator = torch.Generator().manual_seed(seed)
    return ToyMLP((2, *hidden, classes), generator=generator)


def layer_weights(model: nn.Module) -> Weights:
    """The ``(W, b)`` pairs of ``model.layers`` as float64 numpy arrays, forward order."""
    return [
        (
            layer.weight.detach().cpu().double().numpy().copy(),
            layer.bias.detach().cpu().double().numpy().copy(),
        )
        for layer in model.layers
    ]


def local_affine(weights: Weights, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The affine map ``logits = A x + c`` of the linear region holding each point.

    A neuron is ON where its pre-activation is ``>= 0`` (paper §3.2).

    Args:
        weights: from ``layer_weights``.
        points: ``(N, 2)``.
    Returns:
        ``A (N, K, 2)``, ``c (N, K)`` and the activation patterns ``(N, hidden_total)`` bool.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    h = points
    jacobian = np.broadcast_to(np.eye(2), (len(points), 2, 2))  # (N, width, 2)
    patterns = []
    for weight, bias in weights[:-1]:
        z = h @ weight.T + bias
        on = z >= 0
        patterns.append(on)
        h = z * on
        jacobian = on[:, :, None] * np.einsum("oi,nid->nod", weight, jacobian)
    weight, bias = weights[-1]
    logits = h @ weight.T + bias
    jacobian = np.einsum("oi,nid->nod", weight, jacobian)  # (N, K, 2)
    offset = logits - np.einsum("nkd,nd->nk", jacobian, points)
    pattern = np.concatenate(patterns, axis=1) if patterns else np.zeros((len(points), 0), bool)
    return jacobian, offset, pattern


def logits_numpy(weights: Weights, points: np.ndarray) -> np.ndarray:
    """Forward pass in float64 numpy: ``(N, 2) -> (N, K)``."""
    h = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    for weight, bias in weights[:-1]:
        h = np.maximum(h @ weight.T + bias, 0.0)
    weight, bias = weights[-1]
    return h @ weight.T + bias


def save_model(model: ToyMLP, path: str | Path) -> None:
    """Write ``layers.{i}.weight`` / ``layers.{i}.bias`` (forward order) as safetensors."""
    tensors = {name: tensor.detach().contiguous() for name, tensor in model.state_dict().items()}
    save_file(tensors, str(path))


def load_toy_model(path: str | Path) -> ToyMLP:
    """Rebuild a ``ToyMLP`` from a file written by ``save_model``."""
    tensors = load_file(str(path))
    count = len([name for name in tensors if name.endswith(".weight")])
    shapes = [tensors[f"layers.{i}.weight"].shape for i in range(count)]
    model = ToyMLP((shapes[0][1], *[shape[0] for shape in shapes]))
    model.load_state_dict({name: tensor.double() for name, tensor in tensors.items()})
    return model
