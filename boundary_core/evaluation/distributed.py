"""``evaluate`` over many processes with torchrun (``torch.distributed``), resumable.

    torchrun --standalone --nproc_per_node=2 -m boundary_core evaluate --num-images 8 ...

torchrun starts the processes and sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``; multi-node runs
use its rendezvous (the shard folder must then be on a filesystem every node sees). Rank ``r`` of
``w`` takes batches ``r, r + w, r + 2w, ...`` of the one-process run, each on GPU ``LOCAL_RANK``
when there are GPUs (else the CPU), and writes each batch's per-image scores as its own shard
(``evaluation.shards``); after a barrier, rank 0 merges them in order into the one-process JSON.
The process group (gloo) only carries that barrier: the ranks share nothing else. Without torchrun
this is one process (rank 0 of 1) writing the same shards, so any run resumes the same way.
"""

import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

import torch
import torch.distributed as dist

from boundary_core.device import default_device
from boundary_core.evaluation.data import BoxedData, evaluation_header, weights_digest
from boundary_core.evaluation.run import score_batch
from boundary_core.evaluation.sanity import sanity_summary
from boundary_core.evaluation.shards import (
    batch_path,
    claim_directory,
    mark_finished,
    merge,
    missing_batches,
    save_batch,
)
from boundary_core.methods import Settings
from boundary_core.models import load_model

BARRIER_TIMEOUT = timedelta(days=2)  # ranks wait for the slowest one before the merge


@dataclass(frozen=True)
class World:
    """This process's place in a torchrun job (rank 0 of 1 without torchrun)."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0
    launched: bool = False  # started by torchrun (RANK and WORLD_SIZE set)


def world_from_environment(environ=os.environ) -> World:
    """The ``World`` torchrun describes in ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``."""
    if "RANK" not in environ or "WORLD_SIZE" not in environ:
        return World()
    rank, size = int(environ["RANK"]), int(environ["WORLD_SIZE"])
    local_rank = int(environ.get("LOCAL_RANK", rank))
    if not 0 <= rank < size:
        raise ValueError(f"RANK must be in [0, WORLD_SIZE), got RANK={rank}, WORLD_SIZE={size}")
    return World(rank, size, local_rank, launched=True)


def rank_device(world: World) -> torch.device:
    """GPU ``LOCAL_RANK`` (modulo the GPUs there are) under torchrun, else the default device."""
    if world.launched and torch.cuda.is_available():
        device = torch.device("cuda", world.local_rank % torch.cuda.device_count())
        torch.cuda.set_device(device)
        return device
    return default_device()


@contextmanager
def process_group(world: World) -> Iterator[None]:
    """A gloo group for the job's barrier (nothing when not launched by torchrun)."""
    if not world.launched:
        yield
        return
    dist.init_process_group("gloo", rank=world.rank, world_size=world.size, timeout=BARRIER_TIMEOUT)
    try:
        yield
    finally:
        dist.destroy_process_group()


def rank_batches(n: int, batch_size: int, world: World) -> range:
    """The one-process batches (images ``[c·B, (c+1)·B)``) that rank ``world.rank`` computes."""
    return range(world.rank, math.ceil(n / batch_size), world.size)


def run_arguments(
    name: str,
    data: BoxedData,
    batch_size: int,
    methods,
    preset,
    steps,
    settings,
    device: torch.device,
) -> dict:
    """What the shards depend on: a restart must match it exactly."""
    return {
        "model": name,
        "weights_sha256": weights_digest(name),
        "dataset": data.dataset,
        "split": data.split,
        "batch_size": batch_size,
        "methods": list(methods),
        "search": {"preset": preset, "steps": steps},
        "settings": asdict(settings),
        "device": device.type,
    }


def evaluate_sharded(
    name: str,
    data: BoxedData,
    directory: Path,
    *,
    batch_size: int,
    methods: tuple[str, ...],
    preset: str,
    steps: int | None,
    settings: Settings,
    world: World,
    sanity: int = 0,
    progress: Callable[[int], None] | None = None,
) -> dict | None:
    """This rank's missing batches, written to ``directory``; on rank 0, then the merged JSON
    document of ``evaluate`` (``None`` on the other ranks).

    Per-image values are the one-process ones: each batch is the one-process batch, scored the
    same way. ``progress`` is called with the images of each batch this rank scores.
    """
    device = rank_device(world)
    arguments = run_arguments(name, data, batch_size, methods, preset, steps, settings, device)
    claim_directory(directory, arguments, replace_finished=not world.launched)
    todo = missing_batches(directory, rank_batches(data.n, batch_size, world))
    model = load_model(name, device)
    for index in todo:
        first = index * batch_size
        batch = data.batch(first, min(batch_size, data.n - first))
        scores, facts = score_batch(
            model, batch, methods=methods, preset=preset, steps=steps, settings=settings
        )
        save_batch(batch_path(directory, index), scores, facts)
        if progress:
            progress(len(batch))
    if world.launched:
        dist.barrier()
    if world.rank != 0:
        return None
    evaluation, counts = merge(
        directory,
        math.ceil(data.n / batch_size),
        methods=methods,
        preset=preset,
        steps=steps,
        settings=settings,
    )
    summary = evaluation_header(name, data.split, batch_size, device, data.dataset)
    summary |= evaluation.summary()
    summary |= {key: value for key, value in counts.items() if key != "n_images"}
    summary["machine"]["processes"] = world.size
    summary["shards"] = {"directory": str(directory), "batches": math.ceil(data.n / batch_size)}
    mark_finished(directory)
    if sanity > 0:
        images = data.batch(0, sanity).images.to(device)
        summary["sanity"] = sanity_summary(model, images, evaluation.methods, settings)
        summary["sanity_images"] = sanity
    return summary
