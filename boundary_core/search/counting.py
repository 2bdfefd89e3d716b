"""Counting model evaluations where they happen, per sample.

``Counted`` wraps the model every attack of a search calls. Each forward adds one to the forward
count of the sample that owns each row; when the output takes part in a backward pass, a tensor hook
on it adds one to the gradient count of each row's owner, once per backward pass (so a foolbox CW
that stops early is charged what it ran, not its budget). Rows map to samples through ``rows``: an
attack that runs on a subset of the batch, or on a batch replicated k times, enters
``with rows(model, index)`` so its rows are charged to the right samples.
"""

from contextlib import contextmanager

import torch
from torch import Tensor, nn


class Counted(nn.Module):
    """``model`` with per-sample forward and backward counts for a batch of ``batch`` samples."""

    def __init__(self, model: nn.Module, batch: int, device: torch.device):
        super().__init__()
        self.model = model
        self.training = model.training  # mirror the flag without touching the caller's model
        self.owners = [torch.arange(batch, device=device)]
        self.forwards = torch.zeros(batch, dtype=torch.long, device=device)
        self.gradients = torch.zeros(batch, dtype=torch.long, device=device)

    def forward(self, x: Tensor) -> Tensor:
        owner = self.owners[-1]
        if x.shape[0] != owner.shape[0]:
            raise RuntimeError(f"counted a batch of {x.shape[0]} rows in a scope of {len(owner)}")
        logits = self.model(x)
        self.forwards.index_add_(0, owner, torch.ones_like(owner))
        if logits.requires_grad:
            logits.register_hook(lambda gradient: self._backward(owner))
        return logits

    def _backward(self, owner: Tensor) -> None:
        self.gradients.index_add_(0, owner, torch.ones_like(owner))


@contextmanager
def rows(model: nn.Module, index: Tensor):
    """Charge the rows of the next calls to samples ``owner[index]`` of the current scope
    (``index (R,)`` into the current rows; a no-op for a model that does not count)."""
    if not isinstance(model, Counted):
        yield
        return
    model.owners.append(model.owners[-1][index])
    try:
        yield
    finally:
        model.owners.pop()
