"""Model-randomisation sanity check (Adebayo et al. 2018) as the paper runs it (appendix B.7).

Parameters are randomised top-down (reverse ``model.parameters()`` order, cumulatively); each
is replaced by a Gaussian tensor rescaled to the original's Frobenius norm so outputs stay
finite. An attribution that passes the check decorrelates from the original as layers go.

Differences from the paper's listing, on purpose: it mutates the caller's model (we randomise a
deep copy); it yields after parameter 1, 1+k, 1+2k, ... and its end condition never fires (we
yield after every ``block`` parameters and once more after the last one).
"""

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from scipy import stats
from torch import nn

from boundary_core.metrics.maps import as_array


def randomize_top_down(
    model: nn.Module, *, generator: torch.Generator, block: int = 5
) -> Iterator[tuple[int, str, nn.Module]]:
    """Yield ``(count, name, randomised)`` after every ``block`` parameters, top layer first.

    Args:
        model: left untouched; a deep copy is randomised.
        generator: source of the random tensors (on its own device; results move to the param's).
        block: parameter tensors randomised between two yields (the paper uses 5).

    Yields:
        ``count`` parameter tensors randomised so far, ``name`` of the last one, and the copy.
        It is one copy, randomised further at each step: ``copy.deepcopy`` it to keep a stage.
    """
    if block < 1:
        raise ValueError(f"block must be a positive integer, got {block}")
    randomised = copy.deepcopy(model)
    named = list(randomised.named_parameters())[::-1]
    for count, (name, param) in enumerate(named, start=1):
        noise = torch.randn(
            param.shape, generator=generator, dtype=param.dtype, device=generator.device
        ).to(param.device)
        with torch.no_grad():
            param.copy_(noise * (param.norm() / noise.norm()))
        if count % block == 0 or count == len(named):
            yield count, name, randomised


def spearman_per_sample(a, b) -> np.ndarray:
    """Spearman ρ between ``a[i]`` and ``b[i]`` flattened, ``(B, ...) -> (B,)``; NaN if constant."""
    a, b = as_array(a), as_array(b)
    a, b = a.reshape(a.shape[0], -1), b.reshape(b.shape[0], -1)  # (B, D)
    out = np.full(a.shape[0], np.nan)
    for i, (row_a, row_b) in enumerate(zip(a, b, strict=True)):
        if np.ptp(row_a) > 0 and np.ptp(row_b) > 0:  # spearmanr warns on constant input
            out[i] = stats.spearmanr(row_a, row_b).statistic
    return out


@dataclass(frozen=True)
class SanityCurve:
    """Rank correlations of ``|attribution|`` with the original model's, per randomisation stage.

    Attributes:
        randomized: ``(S,)`` parameter tensors randomised at each stage.
        last_parameter: ``(S,)`` name of the deepest parameter randomised at each stage.
        correlation: ``(S, B)`` Spearman ρ per stage and image (NaN for a constant map).
    """

    randomized: tuple[int, ...]
    last_parameter: tuple[str, ...]
    correlation: np.ndarray

    def __repr__(self) -> str:
        means = ", ".join(f"{n}:{m:.2f}" for n, m in zip(self.randomized, self.mean(), strict=True))
        return f"SanityCurve(mean ρ by parameters randomised: {means})"

    def mean(self) -> np.ndarray:
        """``(S,)`` mean ρ over images, ignoring NaN."""
        valid = ~np.isnan(self.correlation)
        total = np.where(valid, self.correlation, 0.0).sum(axis=1)
        count = valid.sum(axis=1)
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def rank_correlations(
    attribute_fn: Callable[[nn.Module, torch.Tensor], torch.Tensor | np.ndarray],
    model: nn.Module,
    x: torch.Tensor,
    *,
    generator: torch.Generator,
    block: int = 5,
) -> SanityCurve:
    """Sanity check of appendix B.7: Spearman ρ of ``|attribute_fn(m, x)|`` vs the original.

    ρ is taken per image over every channel and pixel of the absolute map (no channel reduction).

    Args:
        attribute_fn: ``(model, x (B, C, H, W)) -> (B, ...)``; it should fix the target class
            (e.g. the original model's prediction) so only the weights change between stages.
        model: the trained model; never modified.
        x: ``(B, C, H, W)`` inputs in [0, 1].
        generator, block: as in ``randomize_top_down``.
    """
    reference = np.abs(as_array(attribute_fn(model, x)))
    counts, names, rows = [], [], []
    for count, name, randomised in randomize_top_down(model, generator=generator, block=block):
        counts.append(count)
        names.append(name)
        rows.append(spearman_per_sample(reference, np.abs(as_array(attribute_fn(randomised, x)))))
    correlation = np.stack(rows) if rows else np.zeros((0, reference.shape[0]))
    return SanityCurve(tuple(counts), tuple(names), correlation)
