"""Adversarial Gradient Integration (Pan et al., IJCAI 2021), in two documented variants.

For each of ``k`` false classes y, walk towards y with L∞ FGSM steps of size ``step_size`` on the
softmax probability p_y, for at most ``steps`` steps or until the model predicts y, and accumulate
−∇p_c ⊙ Δ (c = the explained class). The map sums over classes.

- ``"as_coded"`` (the public repo pd90506/AGI): every step restarts from the original x
  (x_t = clip(x + ε·sign ∇p_y(x_{t−1}))) and Δ = x_t − x, so the "path" never accumulates.
- ``"as_described"`` (the paper's path integral): x_{t+1} = clip(x_t + ε·sign ∇p_y(x_t)) and
  Δ = x_{t+1} − x_t, a Riemann sum of −∇p_c along the cumulative path, so Σ map ≈ Σ_y
  [p_c(x) − p_c(x_end,y)] (first-order).
False classes are drawn uniformly without replacement (as the repo does), not by score.
Written by hand: no maintained library implements AGI.
"""

import torch
from torch import Tensor, nn

from boundary_core.attributions.defaults import AGI_CLASSES, AGI_STEP_SIZE, AGI_STEPS, AGI_VARIANT
from boundary_core.checks import require_finite, require_int

VARIANTS = ("as_coded", "as_described")


def _probability_gradients(model, points, explained, false_class):
    """∇p_false, ∇p_explained at ``points (N, ...)`` and the predicted labels ``(N,)``."""
    points = points.detach().requires_grad_(True)
    logits = model(points)
    probabilities = logits.softmax(dim=1)
    p_false = probabilities.gather(1, false_class[:, None]).sum()
    p_explained = probabilities.gather(1, explained[:, None]).sum()
    (grad_false,) = torch.autograd.grad(p_false, points, retain_graph=True)
    (grad_explained,) = torch.autograd.grad(p_explained, points)
    return grad_false, grad_explained, logits.argmax(dim=1).detach()


def sample_false_classes(target: Tensor, num_classes: int, k: int, seed: int) -> Tensor:
    """``(B, min(k, K−1))`` false classes per sample, uniform without replacement.

    Each row's draw depends only on ``seed`` and its own label, never on the rest of the batch.
    """
    rows = []
    for label in target.tolist():
        generator = torch.Generator().manual_seed(seed)
        others = torch.tensor([c for c in range(num_classes) if c != label])
        rows.append(others[torch.randperm(len(others), generator=generator)[: min(k, len(others))]])
    return torch.stack(rows).to(target.device)


def agi(
    model: nn.Module,
    x: Tensor,
    target: Tensor,
    *,
    false_classes: int = AGI_CLASSES,
    steps: int = AGI_STEPS,
    step_size: float = AGI_STEP_SIZE,
    variant: str = AGI_VARIANT,
    seed: int = 0,
) -> Tensor:
    """AGI map ``(B, C, H, W)`` for ``target (B,)``; ``step_size`` is L∞ in [0, 1] pixels."""
    require_int("AGI false classes", false_classes)
    require_int("AGI steps", steps)
    require_finite("AGI step size", step_size, 0.0, strict=True)
    if variant not in VARIANTS:
        raise ValueError(f"unknown AGI variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    num_classes = model(x[:1]).shape[1]
    classes = sample_false_classes(target, num_classes, false_classes, seed)  # (B, k)
    batch, k = classes.shape
    origin = x.detach().repeat_interleave(k, dim=0)  # (B·k, C, H, W)
    explained = target.repeat_interleave(k)
    false_class = classes.flatten()
    current = origin.clone()
    total = torch.zeros_like(origin)
    running = torch.arange(batch * k, device=x.device)  # rows that have not reached their class
    for _ in range(steps):
        grad_false, grad_explained, predicted = _probability_gradients(
            model, current[running], explained[running], false_class[running]
        )
        keep = predicted != false_class[running]  # the repo stops once the false class is reached
        running, grad_false, grad_explained = running[keep], grad_false[keep], grad_explained[keep]
        if running.numel() == 0:
            break
        start = origin[running] if variant == "as_coded" else current[running]
        stepped = (start + step_size * grad_false.sign()).clamp(0, 1)
        total[running] += -grad_explained * (stepped - start)
        current[running] = stepped
    return total.view(batch, k, *x.shape[1:]).sum(dim=1)  # (B·k, ...) -> (B, ...)
