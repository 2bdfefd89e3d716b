"""The Gaussian-smoothed counterpart of a toy net, sampled, and ‖SM − BSM‖ against σ (Fig. 11).

``f_σ(x) = E_ε f(x + ε)``, ε ~ N(0, σ² I), estimated with a fixed set of noise samples (common
random numbers, as the paper's App. B.8 does), so ``f_σ`` is a deterministic, differentiable
module and its saliency map is SmoothGrad (Theorem B.5). It is no longer piecewise linear: its
boundary is found by the boundary search, not enumerated. ``smoothed_query`` gives the playground's
numbers for the smoothed net at one query (its SM, closest boundary point and BSM);
``SampledGrid.boundary_lines`` traces its boundary on a grid with scikit-image's marching squares.
"""

from dataclasses import dataclass

import numpy as np
import torch
from skimage.measure import find_contours
from torch import Tensor, nn

from boundary_core.attributions import saliency
from boundary_core.metrics import (
    cosine_distance,
    cosine_distance_batch,
    l2_distance,
    l2_distance_batch,
)
from boundary_core.search import find_boundary
from boundary_core.search.geometry import logit_margin
from boundary_core.toy.threads import single_threaded


class SmoothedModel(nn.Module):
    """``x (B, 2) -> mean_s model(x + noise_s)  (B, K)`` over ``samples`` fixed noise draws."""

    def __init__(self, model: nn.Module, sigma: float, *, samples: int = 256, seed: int = 0):
        super().__init__()
        if sigma < 0 or samples < 1:
            raise ValueError(f"need sigma >= 0 and samples >= 1, got {sigma}, {samples}")
        self.model = model
        self.sigma = float(sigma)
        generator = torch.Generator().manual_seed(seed)
        noise = torch.randn(samples, 2, generator=generator, dtype=torch.float64)
        self.register_buffer("noise", sigma * noise)

    def forward(self, x: Tensor) -> Tensor:
        noisy = x[:, None, :] + self.noise.to(x.dtype)  # (B, S, 2)
        logits = self.model(noisy.reshape(-1, 2))  # (B * S, K)
        return logits.reshape(x.shape[0], self.noise.shape[0], -1).mean(dim=1)


@dataclass(frozen=True)
class SmoothedQuery:
    """The smoothed net ``f_σ`` at one query: its class, SM = ∇f_σ,c(x) (SmoothGrad), the
    searched closest point x′_σ across its boundary, and BSM = ∇f_σ,c(x′_σ); ``point``, ``bsm``
    are None and ``distance`` NaN when the search found no point."""

    sigma: float
    label: int
    sm: np.ndarray  # (2,)
    point: np.ndarray | None  # (2,)
    distance: float
    bsm: np.ndarray | None  # (2,)

    @property
    def sm_bsm_distance(self) -> float:
        return float("nan") if self.bsm is None else l2_distance(self.sm, self.bsm)

    @property
    def sm_bsm_cosine(self) -> float:
        return float("nan") if self.bsm is None else 1.0 - cosine_distance(self.sm, self.bsm)


@single_threaded
def smoothed_query(
    model: nn.Module, query, sigma: float, *, samples: int = 256, seed: int = 0
) -> SmoothedQuery:
    """SM, x′_σ and BSM of ``SmoothedModel(model, sigma)`` at ``query`` (2,), by the fast search."""
    if sigma <= 0:
        raise ValueError(f"the smoothed net needs sigma > 0, got {sigma}")
    smoothed = SmoothedModel(model, sigma, samples=samples, seed=seed)
    x = torch.as_tensor(np.asarray(query, dtype=np.float64).reshape(1, 2))
    result = find_boundary(smoothed, x, preset="fast", bounds=None, seed=seed)
    label = result.original_label[:1]
    sm = saliency(smoothed, x, label)[0].numpy()
    point = bsm = None
    if bool(result.found[0]):
        point = result.point[0].numpy()
        bsm = saliency(smoothed, result.point[:1], label)[0].numpy()
    return SmoothedQuery(float(sigma), int(label), sm, point, float(result.distance[0]), bsm)


@dataclass(frozen=True)
class SmoothingCurve:
    """Per σ, over the queries where a boundary point was found: mean ‖SM − BSM‖ and cosine."""

    sigmas: tuple[float, ...]
    distance: tuple[float, ...]  # mean ‖SM_σ(x) − SM_σ(x'_σ)‖
    cosine: tuple[float, ...]  # mean cos(SM_σ(x), SM_σ(x'_σ)) over the pairs with no zero map
    found: tuple[float, ...]  # fraction of queries with a boundary point


def mean_alignment(sm: Tensor, bsm: Tensor) -> tuple[float, float]:
    """Mean ‖SM − BSM‖ and mean cos(SM, BSM) over rows ``(F, 2)``, by the core's metrics.

    cos = 1 − ``cosine_distance``; a pair with a zero map has no cosine (NaN, the metrics' rule)
    and is left out of the cosine mean (NaN when every pair has one).
    """
    mean_distance = float(l2_distance_batch(sm, bsm).mean())
    cos = 1.0 - cosine_distance_batch(sm, bsm)  # (F,)
    defined = cos[~np.isnan(cos)]
    return mean_distance, float(defined.mean()) if defined.size else float("nan")


@single_threaded
def sm_bsm_curve(
    model: nn.Module, queries, sigmas, *, samples: int = 256, seed: int = 0
) -> SmoothingCurve:
    """The paper's Fig. 11 in 2-D: ‖SM − BSM‖ of the smoothed net as σ grows (σ = 0: the net).

    Args:
        queries: ``(N, 2)``; sigmas: noise levels (input units).
    """
    x = torch.as_tensor(np.asarray(queries, dtype=np.float64).reshape(-1, 2))
    distance, cosine, found = [], [], []
    for sigma in sigmas:
        smoothed = SmoothedModel(model, sigma, samples=samples, seed=seed) if sigma > 0 else model
        result = find_boundary(smoothed, x, preset="fast", bounds=None, seed=seed)
        ok = result.found
        labels = result.original_label
        if ok.any():
            sm = saliency(smoothed, x[ok], labels[ok])  # (F, 2)
            bsm = saliency(smoothed, result.point[ok], labels[ok])  # (F, 2)
            mean_distance, mean_cosine = mean_alignment(sm, bsm)
        else:
            mean_distance = mean_cosine = float("nan")
        distance.append(mean_distance)
        cosine.append(mean_cosine)
        found.append(float(ok.double().mean()))
    return SmoothingCurve(tuple(map(float, sigmas)), tuple(distance), tuple(cosine), tuple(found))


@dataclass(frozen=True)
class SampledGrid:
    """The smoothed net's own-class margins on a grid (sampled: no exact boundary exists)."""

    xs: np.ndarray  # (n,)
    ys: np.ndarray  # (n,)
    margins: np.ndarray  # (K, n, n): l_c − max_{k≠c} l_k at (ys[i], xs[j]); 0 on the boundary

    def boundary_lines(self) -> list[np.ndarray]:
        """The zero level lines of the margins as ``(M, 2)`` polylines in input coordinates,
        linearly interpolated between grid points (marching squares). Two classes: one margin
        is minus the other, so class 0's lines are the whole boundary."""
        classes = 1 if len(self.margins) == 2 else len(self.margins)
        lines = []
        for c in range(classes):
            for rows_cols in find_contours(self.margins[c], 0.0):  # (M, 2) fractional indices
                x = np.interp(rows_cols[:, 1], np.arange(len(self.xs)), self.xs)
                y = np.interp(rows_cols[:, 0], np.arange(len(self.ys)), self.ys)
                lines.append(np.column_stack([x, y]))
        return lines


@single_threaded
@torch.no_grad()
def sampled_grid(
    model: nn.Module, box, sigma: float, *, resolution: int = 80, samples: int = 64, seed: int = 0
) -> SampledGrid:
    """Evaluate ``SmoothedModel(model, sigma)`` on a ``resolution²`` grid over ``box``."""
    xs = np.linspace(box[0], box[1], resolution)
    ys = np.linspace(box[2], box[3], resolution)
    points = torch.as_tensor(np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2))  # (n², 2)
    smoothed = SmoothedModel(model, sigma, samples=samples, seed=seed) if sigma > 0 else model
    logits = smoothed(points)  # (n², K)
    margins = [
        logit_margin(logits, torch.full((len(points),), c)).reshape(resolution, resolution)
        for c in range(logits.shape[1])
    ]  # K × (n, n)
    return SampledGrid(xs, ys, torch.stack(margins).numpy())
