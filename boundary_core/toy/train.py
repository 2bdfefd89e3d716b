"""Train a toy MLP in a few seconds: standard, or ℓ2 PGD adversarial training (Madry et al. 2018).

Full-batch Adam on a few hundred points. Adversarial training reuses the project's ℓ2 PGD
(``boundary_core.search.pgd``) on unbounded inputs, with ε ramped up over the first half so the
net first learns the task and then widens its margins.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from boundary_core.search.pgd import pgd_l2
from boundary_core.toy.data import ToyData
from boundary_core.toy.model import ToyMLP, make_mlp
from boundary_core.toy.threads import single_threaded

TRAININGS = ("standard", "adversarial")


@dataclass(frozen=True)
class ToyTrainConfig:
    mode: str = "standard"  # "standard" or "adversarial"
    eps: float = 0.25  # ℓ2 radius of the PGD ball (adversarial only), input units
    epochs: int = 400  # full-batch Adam steps
    lr: float = 0.02  # Adam learning rate
    pgd_steps: int = 5  # PGD iterations per epoch (adversarial only)
    weight_decay: float = 1e-4  # decoupled (AdamW) weight decay


@single_threaded
def train_mlp(
    data: ToyData,
    hidden: Sequence[int],
    *,
    config: ToyTrainConfig = ToyTrainConfig(),
    seed: int = 0,
) -> ToyMLP:
    """A ``2 -> hidden -> K`` MLP fitted to ``data`` (float64, CPU, deterministic for ``seed``).

    Returns the trained model in eval mode (it has no dropout or normalisation, so the mode only
    quiets libraries that warn about training mode).
    """
    if config.mode not in TRAININGS:
        raise ValueError(f"unknown training {config.mode!r}; choose one of {', '.join(TRAININGS)}")
    if config.mode == "adversarial" and config.eps <= 0:
        raise ValueError(f"adversarial training needs eps > 0, got {config.eps}")
    model = make_mlp(hidden, data.classes, seed=seed)
    generator = torch.Generator().manual_seed(seed + 1)
    optimiser = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, config.epochs)
    for epoch in range(config.epochs):
        inputs = data.x
        if config.mode == "adversarial":
            eps = config.eps * min(1.0, 2.0 * (epoch + 1) / config.epochs)
            inputs = pgd_l2(
                model,
                data.x,
                data.y,
                eps=eps,
                steps=config.pgd_steps,
                bounds=None,
                generator=generator,
            )
        loss = F.cross_entropy(model(inputs), data.y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
    return model.eval()


@torch.no_grad()
def accuracy(model: ToyMLP, data: ToyData) -> float:
    """Fraction of ``data`` points the model classifies correctly."""
    return float((model(data.x).argmax(dim=1) == data.y).double().mean())
