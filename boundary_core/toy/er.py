"""Theorem 3.3: a smoothed one-layer ReLU net is an "Er" net, in closed form (paper App. A.2).

For ``m(x) = ReLU(W x + b)`` and noise ``ε ~ N(0, σ² I)``, each output's expectation is
``E ReLU(w_i·(x + ε) + b_i) = Er(w_i·x + b_i; s_i)`` with ``s_i = σ ‖w_i‖`` (eq. 9-10; the paper
writes ``s ∝ σ``), and its gradient is ``Φ(u / s) w_i`` (eq. 13). The saliency maps at ``x`` and
at its boundary point ``x'`` then differ by at most ``λ = ‖w_i‖ erf(‖w_i‖(‖x‖ + r) / (√2 s))``
(eq. 19), which shrinks as σ grows.
"""

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from boundary_core.attributions import saliency
from boundary_core.metrics import l2_distance
from boundary_core.search import find_boundary
from boundary_core.toy.threads import single_threaded


def er_activation(u: Tensor, s: Tensor | float) -> Tensor:
    """Er(u; s) = s/√(2π) exp(−u²/2s²) + u/2 (1 + erf(u / (√2 s)))  (eq. 9), for ``s > 0``."""
    s = torch.as_tensor(s, dtype=u.dtype)
    gauss = torch.exp(-(u**2) / (2 * s**2)) * s / math.sqrt(2 * math.pi)
    return gauss + u / 2 * (1 + torch.erf(u / (math.sqrt(2) * s)))


def er_derivative(u: Tensor, s: Tensor | float) -> Tensor:
    """dEr/du = (1 + erf(u / (√2 s))) / 2 = Φ(u / s)  (eq. 13)."""
    s = torch.as_tensor(s, dtype=u.dtype)
    return (1 + torch.erf(u / (math.sqrt(2) * s))) / 2


def smoothed_relu_monte_carlo(
    u: Tensor, s: float, *, samples: int, generator: torch.Generator
) -> Tensor:
    """E ReLU(u + s ε), ε ~ N(0, 1), by sampling (the oracle for ``er_activation``)."""
    noise = torch.randn(samples, generator=generator, dtype=u.dtype)
    return torch.relu(u[..., None] + s * noise).mean(dim=-1)


class ErNet(nn.Module):
    """The closed-form Gaussian smoothing of ``x -> ReLU(x Wᵀ + b)``: ``(B, d) -> (B, K)``."""

    def __init__(self, weight: Tensor, bias: Tensor, sigma: float):
        super().__init__()
        if sigma <= 0:
            raise ValueError(f"sigma must be > 0, got {sigma}")
        self.register_buffer("weight", weight.detach().clone())
        self.register_buffer("bias", bias.detach().clone())
        self.sigma = float(sigma)

    def forward(self, x: Tensor) -> Tensor:
        s = self.sigma * self.weight.norm(dim=1)  # (K,) per-output noise scale
        return er_activation(x @ self.weight.T + self.bias, s)


def theorem_bound(weight_norm: float, x_norm: float, r: float, s: float) -> float:
    """λ = ‖w_i‖ · erf(‖w_i‖ (‖x‖ + r) / (√2 s))  (eq. 19)."""
    return weight_norm * math.erf(weight_norm * (x_norm + r) / (math.sqrt(2) * s))


@dataclass(frozen=True)
class OneLayerCurve:
    """‖g(x) − g(x')‖ measured on the Er net and the bound λ, per σ (boundary by search)."""

    sigmas: tuple[float, ...]
    measured: tuple[float, ...]  # NaN where the search found no boundary point
    bound: tuple[float, ...]
    distance: tuple[float, ...]  # r = ‖x − x'‖


@single_threaded
def one_layer_curve(weight: Tensor, bias: Tensor, query: Tensor, sigmas) -> OneLayerCurve:
    """Corollary 3.4 on a concrete one-layer net: measured saliency gap vs the bound, per σ.

    Args:
        weight: ``(K, d)``; bias: ``(K,)``; query: ``(d,)``; sigmas: positive noise levels.
    """
    measured, bounds, distances = [], [], []
    x = query.reshape(1, -1).to(weight.dtype)
    for sigma in sigmas:
        net = ErNet(weight, bias, sigma)
        label = int(net(x).argmax())
        result = find_boundary(net, x, preset="fast", bounds=None)
        r = float(result.distance[0])
        w_norm = float(weight[label].norm())
        s = sigma * w_norm
        bounds.append(
            theorem_bound(w_norm, float(x.norm()), r, s) if math.isfinite(r) else math.nan
        )
        distances.append(r)
        if not bool(result.found[0]):
            measured.append(math.nan)
            continue
        target = torch.tensor([label])
        sm, bsm = saliency(net, x, target), saliency(net, result.point, target)
        measured.append(l2_distance(sm, bsm))
    return OneLayerCurve(
        tuple(map(float, sigmas)), tuple(measured), tuple(bounds), tuple(distances)
    )
