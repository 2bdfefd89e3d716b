"""The ``paper`` preset: PGD over a growing ε ladder, CW and AutoPGD (App. B.2, Table 7).

Table 7's CIFAR-10 budgets, translated to pixel units. The authors' ε were in normalised units
(inputs divided by the CIFAR-10 std ≈ 0.25), so a pixel-space ε is 0.25 × theirs:
- PGD ladder: standard rungs 0.2…1.0 and robust rungs 0.25…2.0 (normalised) → one merged ladder
  0.05…0.5 pixel, extended ×1.5 up to ``max_eps`` so large-margin models are covered too; 100
  steps a rung with the usual absolute step 2.5·ε/steps (their 2ε²/steps cannot cross small balls).
  Per-sample early exit: a sample leaves the ladder at its first successful rung.
- CW (foolbox ``L2CarliniWagnerAttack``): 100 steps, Adam step 1e-2, 5 binary-search steps.
- AutoPGD (pyautoattack ``APGDAttack``, losses ce and dlr): 100 iterations at the ε of the sample's
  first successful rung (or the largest rung), so its ball is sized to the sample.
Every candidate is tightened by the segment search and re-checked; the closest point wins.
Gradients are counted where they happen (``counting.py``): CW is charged the steps it ran before
stopping early, not its budget.
"""

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from boundary_core.search.bisection import Origin, bisect_to_boundary, closest, predict
from boundary_core.search.counting import rows
from boundary_core.search.geometry import Bounds
from boundary_core.search.pgd import pgd_l2
from boundary_core.search.result import BoundaryResult


@dataclass(frozen=True)
class PaperBudget:
    ladder: tuple[float, ...] = (0.05, 0.0625, 0.1, 0.125, 0.15, 0.2, 0.25, 0.375, 0.5)  # pixel ℓ2
    growth: float = 1.5  # rungs beyond the ladder: ×growth until max_eps
    max_eps: float = 16.0
    pgd_steps: int = 100
    cw_steps: int = 100
    cw_binary_steps: int = 5
    cw_stepsize: float = 1e-2
    apgd_steps: int = 100


def eps_ladder(budget: PaperBudget) -> list[float]:
    rungs = list(budget.ladder)
    while rungs[-1] * budget.growth <= budget.max_eps:
        rungs.append(rungs[-1] * budget.growth)
    return rungs


def pgd_ladder(
    model, origin: Origin, best, budget, bounds, generator, progress
) -> tuple[BoundaryResult, Tensor]:
    """Run the ladder with early exit; returns the updated result and each sample's rung ε."""
    x, labels = origin.x, origin.labels
    rung_eps = torch.full((x.shape[0],), float("nan"), device=x.device)
    active = torch.ones(x.shape[0], dtype=torch.bool, device=x.device)
    rungs = eps_ladder(budget)
    for step, eps in enumerate(rungs):
        if not active.any():
            break
        left = int(active.sum())
        progress(0.6 * step / len(rungs), f"PGD ε={eps:.3g} on {left} sample{'s' * (left != 1)}")
        index = active.nonzero().squeeze(1)
        with rows(model, index):
            adversarial = pgd_l2(
                model,
                x[index],
                labels[index],
                eps=eps,
                steps=budget.pgd_steps,
                bounds=bounds,
                generator=generator,
            )
            success = predict(model, adversarial) != labels[index]
            candidate = torch.full_like(x, float("nan"))
            candidate[index] = bisect_to_boundary(
                model, origin.rows(index), adversarial, bounds=bounds
            )
        best = closest(model, origin, best, candidate, "pgd")
        rung_eps[index[success]] = eps
        active[index[success]] = False
    rung_eps[torch.isnan(rung_eps)] = rungs[-1]
    return best, rung_eps


def carlini_wagner(model, origin: Origin, best, budget, bounds) -> BoundaryResult:
    import foolbox as fb

    attack = fb.attacks.L2CarliniWagnerAttack(
        binary_search_steps=budget.cw_binary_steps,
        steps=budget.cw_steps,
        stepsize=budget.cw_stepsize,
        confidence=0,
        initial_const=1e-3,
        abort_early=True,
    )
    fmodel = fb.PyTorchModel(model, bounds=bounds)
    raw, _, _ = attack(fmodel, origin.x, origin.labels, epsilons=None)
    candidate = bisect_to_boundary(model, origin, raw, bounds=bounds)
    return closest(model, origin, best, candidate, "cw")


class _Float32Inputs(nn.Module):
    """Lets pyautoattack (which builds float32 tensors) drive a model of another dtype."""

    def __init__(self, model: nn.Module, dtype: torch.dtype):
        super().__init__()
        self.model, self.dtype = model, dtype

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x.to(self.dtype)).float()


def auto_pgd(
    model, origin: Origin, best, budget, rung_eps, seed, bounds, progress
) -> BoundaryResult:
    from pyautoattack.autopgd_base import APGDAttack

    x, labels = origin.x, origin.labels
    attacked = model if x.dtype == torch.float32 else _Float32Inputs(model, x.dtype)

    for loss in ("ce", "dlr"):
        if loss == "dlr" and origin.classes < 3:
            continue  # DLR needs at least three classes
        candidate = torch.full_like(x, float("nan"))
        for eps in rung_eps.unique().tolist():
            index = (rung_eps == eps).nonzero().squeeze(1)
            progress(0.8 + (0.1 if loss == "dlr" else 0.0), f"AutoPGD-{loss} ε={eps:.3g}")
            attack = APGDAttack(
                attacked,
                norm="L2",
                eps=eps,
                n_iter=budget.apgd_steps,
                loss=loss,
                device=x.device,
                seed=seed,
            )
            with rows(model, index):
                adversarial = attack.perturb(x[index].float(), labels[index]).to(x.dtype)
                candidate[index] = bisect_to_boundary(
                    model, origin.rows(index), adversarial, bounds=bounds
                )
        best = closest(model, origin, best, candidate, f"apgd-{loss}")
    return best


def paper_search(
    model: nn.Module,
    origin: Origin,
    best: BoundaryResult,
    *,
    bounds: Bounds,
    seed: int,
    budget: PaperBudget = PaperBudget(),
    progress=lambda fraction, message: None,
) -> BoundaryResult:
    """The paper's ensemble; ``bounds`` must be finite (foolbox and AutoPGD clamp to them)."""
    if bounds is None:
        raise ValueError("the paper preset needs finite input bounds (its attacks clamp to them)")
    generator = torch.Generator(device=origin.x.device).manual_seed(seed)
    best, rung_eps = pgd_ladder(model, origin, best, budget, bounds, generator, progress)
    progress(0.6, "Carlini-Wagner")
    best = carlini_wagner(model, origin, best, budget, bounds)
    return auto_pgd(model, origin, best, budget, rung_eps, seed, bounds, progress)
