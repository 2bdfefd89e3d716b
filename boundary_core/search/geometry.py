"""ℓ2 geometry on batches: per-sample norms, projection, normalised directions, clamping, and
the logit margin whose zero set is the decision boundary.

Every tensor here is ``(B, ...)``; norms are taken over all dimensions but the first.
"""

import torch
from torch import Tensor

Bounds = tuple[float, float] | None


def batch_norm_l2(t: Tensor) -> Tensor:
    """Per-sample ℓ2 norm: ``(B, ...) -> (B,)``."""
    return t.flatten(1).norm(dim=1)


def per_sample(values: Tensor, like: Tensor) -> Tensor:
    """Reshape ``(B,)`` so it broadcasts against ``like (B, ...)``."""
    return values.view(-1, *([1] * (like.dim() - 1)))


def normalize_l2(t: Tensor, tiny: float = 1e-12) -> Tensor:
    """Scale each sample to unit ℓ2 norm (zero samples stay zero)."""
    return t / per_sample(batch_norm_l2(t).clamp_min(tiny), t)


def project_l2(delta: Tensor, eps: Tensor | float) -> Tensor:
    """Project each ``delta`` sample onto the ℓ2 ball of radius ``eps`` (scalar or ``(B,)``)."""
    eps = torch.as_tensor(eps, dtype=delta.dtype, device=delta.device).expand(delta.shape[0])
    norms = batch_norm_l2(delta)
    factor = torch.where(norms > eps, eps / norms.clamp_min(1e-12), torch.ones_like(norms))
    return delta * per_sample(factor, delta)


def other_logits(logits: Tensor, labels: Tensor) -> Tensor:
    """``logits (B, K)`` with each row's ``labels`` entry set to −inf: the competing classes."""
    return logits.scatter(1, labels[:, None], float("-inf"))


def logit_margin(logits: Tensor, labels: Tensor) -> Tensor:
    """``f_c − max_{k≠c} f_k`` per row: ``(B, K), (B,) -> (B,)``; > 0 where ``c`` wins, 0 on the
    boundary. Needs K ≥ 2."""
    own = logits.gather(1, labels[:, None]).squeeze(1)
    return own - other_logits(logits, labels).amax(dim=1)


def clamp_bounds(x: Tensor, bounds: Bounds) -> Tensor:
    return x if bounds is None else x.clamp(*bounds)


def random_in_ball(like: Tensor, eps: float, generator: torch.Generator | None) -> Tensor:
    """Uniform samples in the ℓ2 ball of radius ``eps`` (direction Gaussian, radius u^(1/d))."""
    direction = normalize_l2(
        torch.randn(like.shape, generator=generator, device=like.device, dtype=like.dtype)
    )
    dims = like[0].numel()
    u = torch.rand(like.shape[0], generator=generator, device=like.device, dtype=like.dtype)
    return direction * per_sample(eps * u ** (1.0 / dims), like)
