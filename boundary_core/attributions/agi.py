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
Cost: all k paths of a sample start at x, so the first step is one forward and k + 1 backward
passes; every later step is one forward and two backward passes per path still running, in
batches of ``batch_size`` paths (a batch whose paths have all reached their class skips its
backward passes).
Written by hand: no maintained library implements AGI.
"""

import torch
from torch import Tensor, nn

from boundary_core.attributions.defaults import AGI_CLASSES, AGI_STEP_SIZE, AGI_STEPS, AGI_VARIANT
from boundary_core.checks import require_finite, require_int

VARIANTS = ("as_coded", "as_described")


def _probability_gradients(model, points, explained, false_class):
    """∇p_false, ∇p_explained at ``points (N, ...)`` and the predicted labels ``(N,)``.

    Rows whose prediction already is their false class stop there, so when every row has, the
    two backward passes are skipped (zero gradients, never used).
    """
    points = points.detach().requires_grad_(True)
    logits = model(points)
    predicted = logits.argmax(dim=1).detach()
    if bool((predicted == false_class).all()):
        zeros = torch.zeros_like(points)
        return zeros, zeros, predicted
    probabilities = logits.softmax(dim=1)
    p_false = probabilities.gather(1, false_class[:, None]).sum()
    p_explained = probabilities.gather(1, explained[:, None]).sum()
    (grad_false,) = torch.autograd.grad(p_false, points, retain_graph=True)
    (grad_explained,) = torch.autograd.grad(p_explained, points)
    return grad_false, grad_explained, predicted


def _gradients_in_batches(model, points, explained, false_class, batch_size):
    """``_probability_gradients`` over ``batch_size`` rows at a time (rows are independent)."""
    size = batch_size or len(points)
    parts = [
        _probability_gradients(
            model, points[i : i + size], explained[i : i + size], false_class[i : i + size]
        )
        for i in range(0, len(points), size)
    ]
    return tuple(torch.cat(column) for column in zip(*parts, strict=True))


def _first_step(model, x, target, false_classes, seed, share):
    """The false classes ``(B, k)`` and the gradients at x, shared by the k paths of a sample:
    one forward, one ∇p_explained and k ∇p_false (instead of k forwards and 2k backwards).
    Returns classes, ∇p_false ``(B·k, ...)``, ∇p_explained ``(B, ...)``, predictions ``(B,)``."""
    points = x.detach().requires_grad_(True)
    logits = model(points)  # (B, K)
    classes = sample_false_classes(target, logits.shape[1], false_classes, seed)[:, share]  # (B, k)
    if classes.shape[1] == 0:  # an empty share
        return classes, None, None, None
    probabilities = logits.softmax(dim=1)
    (grad_explained,) = torch.autograd.grad(
        probabilities.gather(1, target[:, None]).sum(), points, retain_graph=True
    )
    grad_false = []  # k × (B, C, H, W)
    for j in range(classes.shape[1]):
        p_false = probabilities.gather(1, classes[:, j : j + 1]).sum()
        last = j == classes.shape[1] - 1
        grad_false.append(torch.autograd.grad(p_false, points, retain_graph=not last)[0])
    grad_false = torch.stack(grad_false, dim=1).flatten(0, 1)  # (B, k, ...) -> (B·k, ...)
    return classes, grad_false, grad_explained, logits.argmax(dim=1).detach()


def sample_false_classes(target: Tensor, num_classes: int, k: int, seed: int) -> Tensor:
    """``(B, min(k, K−1))`` false classes per sample, uniform without replacement.

    Each row's draw depends only on ``seed`` and its own label, never on the rest of the batch.
    """
    rows = []  # drawn on the CPU (the same draw on every device), moved to target's device
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
    batch_size: int | None = None,
    share: slice = slice(None),
) -> Tensor:
    """AGI map ``(B, C, H, W)`` for ``target (B,)``; ``step_size`` is L∞ in [0, 1] pixels.

    ``batch_size``: paths stepped per forward pass (``None``: all B·k at once); the map does not
    depend on it, the speed does (small batches are cheaper per image on a CPU).
    ``share``: only the paths towards the drawn false classes ``[share]`` (of the k drawn). The map
    is a sum over classes, so the maps of shares that partition the draw add up to the whole
    map: two threads can each take one.
    """
    require_int("AGI false classes", false_classes)
    require_int("AGI steps", steps)
    require_finite("AGI step size", step_size, 0.0, strict=True)
    if batch_size is not None:
        require_int("AGI batch size", batch_size)
    if variant not in VARIANTS:
        raise ValueError(f"unknown AGI variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    classes, grad_false, grad_explained, predicted = _first_step(
        model, x, target, false_classes, seed, share
    )
    batch, k = classes.shape
    if k == 0:  # an empty share
        return torch.zeros_like(x)
    origin = x.detach().repeat_interleave(k, dim=0)  # (B·k, C, H, W)
    explained = target.repeat_interleave(k)
    false_class = classes.flatten()
    grad_explained, predicted = (
        grad_explained.repeat_interleave(k, 0),
        predicted.repeat_interleave(k),
    )
    current = origin.clone()
    total = torch.zeros_like(origin)
    running = torch.arange(batch * k, device=x.device)  # rows that have not reached their class
    for step in range(steps):
        if step > 0:
            grad_false, grad_explained, predicted = _gradients_in_batches(
                model, current[running], explained[running], false_class[running], batch_size
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
