"""Per-batch shard files of a sharded, resumable ``evaluate``: written atomically, merged in order.

Layout: ``OUT.json`` has its shards in ``OUT.json.shards/``: ``arguments.json`` (what the run
computes: a restart with other arguments is refused) and ``batch-<c>.npz`` per batch ``c`` of the
one-process run (images ``[c·B, (c+1)·B)``), holding that batch's per-image scores and its facts
(images streamed, winning attacks, unavailable methods, seconds). Batches, not ranks, are the unit:
a rank computes exactly the batches a single process would, so the merged per-image values are
bit-for-bit the one-process ones, and a restart (with any number of processes) skips every batch
already on disk. A file appears only complete (temp file + ``os.replace``), so a killed run leaves
no half-written shard; leftover temp files are ignored.
"""

import json
import os
import shutil
from pathlib import Path

import numpy as np

from boundary_core.evaluation.run import Evaluation, _concatenate
from boundary_core.methods import Settings

FACTS = "__facts__"  # the npz entry holding a batch's facts as JSON text


def shard_directory(json_path: Path) -> Path:
    """Where the shards of the run writing ``json_path`` live."""
    return json_path.with_name(json_path.name + ".shards")


def batch_path(directory: Path, batch: int) -> Path:
    return directory / f"batch-{batch:06d}.npz"


def _atomic_write(path: Path, write) -> None:
    """``write(file)`` into a temp file beside ``path``, then rename it onto ``path``."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as file:
        write(file)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


FINISHED = "finished"  # written beside the shards once rank 0 has merged them


def mark_finished(directory: Path) -> None:
    (directory / FINISHED).write_text("merged into the JSON\n")


def claim_directory(directory: Path, arguments: dict, *, replace_finished: bool = False) -> None:
    """Create ``directory`` for a run with ``arguments`` (JSON-able), or check that the run
    already there computed the same thing; ``ValueError`` naming the differences otherwise.

    ``replace_finished`` (one process only): shards of a different run that finished (its JSON
    was written) are replaced instead of refused, so ``--n 100`` then ``--n 500`` just works;
    an unfinished different run is still refused (nothing of it is lost).
    Every rank may call this at once: they write the same bytes, and the rename is atomic.
    """
    arguments = json.loads(json.dumps(arguments))  # tuples -> lists, as read back
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "arguments.json"
    if path.exists():
        recorded = json.loads(path.read_text())
        if recorded != arguments and replace_finished and (directory / FINISHED).exists():
            shutil.rmtree(directory)
            claim_directory(directory, arguments)
            return
        if recorded != arguments:
            keys = sorted(
                k for k in set(recorded) | set(arguments) if recorded.get(k) != arguments.get(k)
            )
            differences = "; ".join(
                f"{k}: {recorded.get(k)!r} there, {arguments.get(k)!r} now" for k in keys
            )
            raise ValueError(
                f"{directory} holds shards of a different evaluate run ({differences}); "
                "rerun with the same arguments to resume, or delete the folder to start afresh"
            )
        return
    text = (json.dumps(arguments, indent=2, sort_keys=True) + "\n").encode()
    _atomic_write(path, lambda file: file.write(text))


def save_batch(path: Path, scores: dict[str, np.ndarray], facts: dict) -> None:
    """One batch's per-image ``scores`` (``(R, ...)`` arrays) and ``facts`` (JSON-able)."""
    arrays = dict(scores) | {FACTS: np.array(json.dumps(facts))}
    _atomic_write(path, lambda file: np.savez(file, **arrays))


def load_batch(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    with np.load(path, allow_pickle=False) as data:
        scores = {name: data[name] for name in data.files if name != FACTS}
        facts = json.loads(str(data[FACTS]))
    return scores, facts


def missing_batches(directory: Path, batches: range) -> list[int]:
    return [batch for batch in batches if not batch_path(directory, batch).exists()]


def merge(
    directory: Path,
    n_batches: int,
    *,
    methods: tuple[str, ...],
    preset: str,
    steps: int | None,
    settings: Settings,
) -> tuple[Evaluation, dict]:
    """The ``Evaluation`` of batches ``0 .. n_batches - 1`` read from ``directory``, in order
    (the one-process order), and the facts summed over them (``n_skipped`` and the like)."""
    missing = missing_batches(directory, range(n_batches))
    if missing:
        raise ValueError(f"{directory} lacks {len(missing)} batch shard(s), e.g. {missing[:5]}")
    parts, winners, unavailable, seconds, counts = [], {}, {}, {}, {}
    for batch in range(n_batches):
        scores, facts = load_batch(batch_path(directory, batch))
        parts.append(scores)
        for name, count in facts["winners"].items():
            winners[name] = winners.get(name, 0) + count
        for name, value in facts["counts"].items():
            counts[name] = counts.get(name, 0) + value
        for name, value in facts["seconds"].items():  # summed over batches (CPU-side work)
            seconds[name] = seconds.get(name, 0.0) + value
        unavailable |= facts["unavailable"]
    evaluation = Evaluation(
        methods=methods,
        scores=_concatenate(parts),
        n_images=counts.get("n_images", 0),
        preset=preset,
        search_steps=steps,
        settings=settings,
        boundary_methods=winners,
        unavailable=unavailable,
        seconds=seconds,
    )
    return evaluation, counts
