"""Train ``ShapesNet`` on the shapes stream: standard, or ℓ2 PGD adversarial training.

Adversarial training follows Madry et al. (2018): every step trains on untargeted ℓ2 PGD points
(``boundary_core.search.pgd.pgd_l2``, random start, step 2.5·ε/steps) instead of clean images,
with ε ramped up linearly over the first ``eps_warmup`` of training so the net learns the task
before its margins are widened. Each epoch sees fresh images (indices continue through the seeded
stream), so there is no fixed training set to overfit. Everything is seeded: same seed, same
weights (up to the non-determinism of CPU kernels across thread counts).
"""

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.data import DataLoader, IterableDataset

from boundary_core.checks import require_finite, require_int
from boundary_core.data.shapes import DEFAULT_CONFIG, ShapesConfig, train_batches
from boundary_core.limits import MAX_SEED
from boundary_core.models.shapes_net import ShapesNet, check_widths, load_shapes_net
from boundary_core.recipes import (  # noqa: F401  (re-exported: their old home)
    LADDER_EPSILONS,
    MODES,
    RECIPES,
    TrainConfig,
)
from boundary_core.search.pgd import pgd_l2

Log = Callable[[str], None]


def recipe(name: str, **overrides) -> TrainConfig:
    """The named recipe with ``overrides`` (None values are ignored) applied and checked."""
    if name not in RECIPES:
        raise ValueError(f"no training recipe for {name!r}; known: {', '.join(RECIPES)}")
    config = replace(RECIPES[name], **{k: v for k, v in overrides.items() if v is not None})
    check_config(config)
    return config


def check_config(config: TrainConfig) -> None:
    """Every number of ``config`` finite, in range and an integer where it must be: one
    ``ValueError`` naming the setting (as the ``train`` command spells it)."""
    if config.mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {config.mode!r}")
    for name in ("epochs", "batch_size", "pgd_steps", "blocks"):
        require_int(f"--{name.replace('_', '-')}", getattr(config, name), 1)
    require_int("--seed", config.seed, 0, MAX_SEED - 1)  # PGD draws from seed + 1
    require_int("--samples-per-epoch", config.samples_per_epoch, config.batch_size)
    if config.max_batches is not None:
        require_int("--max-batches", config.max_batches, 1)
    require_finite("--lr", config.lr, 0.0, strict=True)
    require_finite("--eps", config.eps, 0.0)
    if not 0.0 <= require_finite("--eps-warmup", config.eps_warmup) <= 1.0:
        raise ValueError(f"--eps-warmup must be in [0, 1], got {config.eps_warmup}")
    check_widths(config.widths, config.blocks)
    if config.mode == "adversarial" and config.eps <= 0:
        raise ValueError(f"adversarial training needs --eps > 0, got {config.eps}")


def epsilon_at(config: TrainConfig, progress: float) -> float:
    """ε for the step at ``progress`` ∈ [0, 1] of training (linear warm-up, then constant)."""
    if config.eps_warmup <= 0:
        return config.eps
    return config.eps * min(1.0, progress / config.eps_warmup)


def adversarial_inputs(
    model: nn.Module, x: Tensor, labels: Tensor, *, eps: float, steps: int, generator
) -> Tensor:
    """ℓ2 PGD training points (the model stays in train mode, as in Madry et al.)."""
    if eps <= 0:
        return x
    for parameter in model.parameters():
        parameter.requires_grad_(False)  # the attack needs input gradients only
    try:
        return pgd_l2(
            model,
            x,
            labels,
            eps=eps,
            steps=steps,
            generator=generator,
        )
    finally:
        for parameter in model.parameters():
            parameter.requires_grad_(True)


class _TrainingStream(IterableDataset):
    """``(images, labels)`` batches of ``train_batches``, for a one-worker ``DataLoader``."""

    def __init__(self, batch_size: int, seed: int, data_config: ShapesConfig):
        self.batch_size, self.seed, self.data_config = batch_size, seed, data_config

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        for batch in train_batches(self.batch_size, seed=self.seed, config=self.data_config):
            yield batch.images, batch.labels


def training_batches(
    config: TrainConfig, data_config: ShapesConfig = DEFAULT_CONFIG, *, prefetch: bool = True
) -> Iterator[tuple[Tensor, Tensor]]:
    """The training stream's ``(images, labels)`` batches, in order.

    Painting a batch costs about as much as a clean forward-backward pass (0.10 vs 0.16 s for 64
    images on one core), so with ``prefetch`` one worker process paints the next batches while
    the model trains. It is the same stream batch for batch: exactly one worker, so no reordering.
    """
    stream = _TrainingStream(config.batch_size, config.data_seed, data_config)
    if not prefetch:
        return iter(stream)
    loader = DataLoader(stream, batch_size=None, num_workers=1, prefetch_factor=4)
    return iter(loader)


def initial_model(config: TrainConfig) -> ShapesNet:
    """Seeded fresh weights (global RNG left untouched), or the ``config.init`` checkpoint."""
    if config.init is not None:
        return load_shapes_net(Path(config.init))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        return ShapesNet(widths=config.widths, blocks=config.blocks)


def make_optimiser(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            model.parameters(),
            lr=config.lr,
            momentum=0.9,
            nesterov=True,
            weight_decay=config.weight_decay,
        )
    if config.optimizer == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    raise ValueError(f"optimizer must be 'sgd' or 'adamw', got {config.optimizer!r}")


def train_shapes_net(
    config: TrainConfig,
    *,
    data_config: ShapesConfig = DEFAULT_CONFIG,
    log: Log = print,
    prefetch: bool = True,
    channels_last: bool = True,
) -> tuple[ShapesNet, dict]:
    """Train a ``ShapesNet`` from scratch with ``config`` (``prefetch``: see ``training_batches``).

    ``channels_last`` runs the convolutions on NHWC tensors: on this CPU a robust-recipe step
    (PGD-2 + update) takes about 20% less time than in the default NCHW layout (``bench train``
    measures it). It changes the memory layout only; the weights are saved contiguous as always.

    Returns:
        the model (train mode) and a JSON-friendly record of the run (config, seconds, final
        training loss and accuracy).
    """
    layout = torch.channels_last if channels_last else torch.contiguous_format
    model = initial_model(config).to(memory_format=layout)
    generator = torch.Generator().manual_seed(config.seed + 1)
    optimiser = make_optimiser(model, config)
    steps_per_epoch = config.samples_per_epoch // config.batch_size
    if config.max_batches is not None:
        steps_per_epoch = min(steps_per_epoch, config.max_batches)
    total = config.epochs * steps_per_epoch
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, config.lr, total_steps=total)
    batches = training_batches(config, data_config, prefetch=prefetch)
    model.train()
    start, step = time.perf_counter(), 0
    for epoch in range(config.epochs):
        loss_sum = correct = seen = 0.0
        for _ in range(steps_per_epoch):
            images, labels = next(batches)
            images = images.contiguous(memory_format=layout)
            eps = epsilon_at(config, step / total) if config.mode == "adversarial" else 0.0
            inputs = adversarial_inputs(
                model, images, labels, eps=eps, steps=config.pgd_steps, generator=generator
            )
            logits = model(inputs)
            loss = F.cross_entropy(logits, labels)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            step += 1
            loss_sum += loss.item() * len(labels)
            correct += (logits.argmax(1) == labels).sum().item()
            seen += len(labels)
        elapsed = time.perf_counter() - start
        log(
            f"epoch {epoch + 1}/{config.epochs}  loss {loss_sum / seen:.4f}  "
            f"train acc {correct / seen:.3f}  eps {eps:.3g}  {elapsed / 60:.1f} min"
        )
    record = {
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(config).items()},
        "training": config.training,
        "seconds": round(time.perf_counter() - start, 1),
        "threads": torch.get_num_threads(),
        "data_worker": prefetch,
        "memory_format": "channels_last" if channels_last else "contiguous",
        "torch": torch.__version__,
        "final_train_loss": round(loss_sum / seen, 4),
        "final_train_accuracy": round(correct / seen, 4),
        "train_samples": int(step * config.batch_size),
    }
    if not math.isfinite(record["final_train_loss"]):
        raise RuntimeError(f"training diverged: final loss {record['final_train_loss']}")
    return model, record
