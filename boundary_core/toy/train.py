"""Train a toy MLP in a few seconds: standard, or ℓ2 PGD adversarial training (Madry et al. 2018).

Full-batch Adam on a few hundred points. Adversarial training reuses the project's ℓ2 PGD
(``boundary_core.search.pgd``) on unbounded inputs, with ε ramped up over the first half so the
net first learns the task and then widens its margins.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

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


@dataclass
class TrainingRun:
    """A training in progress, to be continued a few epochs at a time (the playground's
    Step/Play, as in TensorFlow Playground). Mutable on purpose: ``train_epochs`` advances it.

    ``losses[e]`` is the cross-entropy of epoch ``e`` (on the PGD points when adversarial).
    """

    model: ToyMLP
    data: ToyData
    config: ToyTrainConfig
    optimiser: torch.optim.Optimizer
    schedule: torch.optim.lr_scheduler.LRScheduler
    generator: torch.Generator
    losses: list[float] = field(default_factory=list)

    @property
    def epoch(self) -> int:
        return len(self.losses)

    @property
    def done(self) -> bool:
        return self.epoch >= self.config.epochs

    def __repr__(self) -> str:
        return f"TrainingRun({self.model!r}, epoch {self.epoch}/{self.config.epochs})"


def start_training(
    data: ToyData,
    hidden: Sequence[int],
    *,
    config: ToyTrainConfig = ToyTrainConfig(),
    seed: int = 0,
) -> TrainingRun:
    """A freshly initialised net (epoch 0) with its AdamW optimiser and cosine schedule."""
    if config.mode not in TRAININGS:
        raise ValueError(f"unknown training {config.mode!r}; choose one of {', '.join(TRAININGS)}")
    if config.mode == "adversarial" and config.eps <= 0:
        raise ValueError(f"adversarial training needs eps > 0, got {config.eps}")
    model = make_mlp(hidden, data.classes, seed=seed)
    optimiser = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, config.epochs)
    generator = torch.Generator().manual_seed(seed + 1)
    return TrainingRun(model, data, config, optimiser, schedule, generator)


@single_threaded
def train_epochs(run: TrainingRun, epochs: int) -> TrainingRun:
    """Advance ``run`` by up to ``epochs`` full-batch steps (never past ``config.epochs``).

    Chunks add up: ``train_epochs`` by 7 then by 13 gives the same net as by 20 at once.
    """
    config, data = run.config, run.data
    run.model.train()
    for epoch in range(run.epoch, min(run.epoch + epochs, config.epochs)):
        inputs = data.x
        if config.mode == "adversarial":
            eps = config.eps * min(1.0, 2.0 * (epoch + 1) / config.epochs)
            inputs = pgd_l2(
                run.model,
                data.x,
                data.y,
                eps=eps,
                steps=config.pgd_steps,
                bounds=None,
                generator=run.generator,
            )
        loss = F.cross_entropy(run.model(inputs), data.y)
        run.optimiser.zero_grad()
        loss.backward()
        run.optimiser.step()
        run.schedule.step()
        run.losses.append(float(loss.detach()))
    run.model.eval()
    return run


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
    run = start_training(data, hidden, config=config, seed=seed)
    return train_epochs(run, config.epochs).model


@torch.no_grad()
def accuracy(model: ToyMLP, data: ToyData) -> float:
    """Fraction of ``data`` points the model classifies correctly."""
    return float((model(data.x).argmax(dim=1) == data.y).double().mean())
