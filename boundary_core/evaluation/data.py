"""Where ``evaluate`` gets labelled images with boxes: the shapes test split, streamed."""

from collections.abc import Iterator

import torch

from boundary_core.data.shapes import TEST_SEED, make_batch
from boundary_core.evaluation.run import EvalBatch

BOXED_DATASETS = ("shapes64",)  # datasets whose images come with ground-truth object boxes


def shapes_test_batches(n: int, batch_size: int, *, start: int = 0) -> Iterator[EvalBatch]:
    """Images ``[start, start + n)`` of the fixed shapes test split in batches of ``batch_size``;
    each batch is generated when it is asked for (nothing is held in advance)."""
    if n < 1 or batch_size < 1 or start < 0:
        raise ValueError(
            f"need n >= 1, batch_size >= 1, start >= 0; got {n}, {batch_size}, {start}"
        )
    for first in range(start, start + n, batch_size):
        indices = range(first, min(first + batch_size, start + n))
        batch = make_batch(indices, seed=TEST_SEED)
        yield EvalBatch(batch.images, batch.labels, batch.boxes,
                        torch.tensor(list(indices), dtype=torch.long))  # fmt: skip
