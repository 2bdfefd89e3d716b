"""Where ``evaluate`` gets labelled images with boxes (the shapes test split, streamed), and
``evaluate_model``: a registered model by name, as the CLI and the benchmark run it."""

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from boundary_core.data.imagenet_val import ImageNetVal
from boundary_core.data.shapes import TEST_SEED, make_batch
from boundary_core.evaluation.run import EvalBatch, evaluate
from boundary_core.evaluation.sanity import sanity_summary
from boundary_core.methods import DEFAULT_METHODS, DEFAULT_SETTINGS, Settings
from boundary_core.models import get_spec, load_model
from boundary_core.models.shapes import weights_path

BOXED_DATASETS = ("shapes64",)  # datasets whose images come with ground-truth object boxes
# evaluate --data NAME -> the dataset a model must be trained on to be evaluated there
EVALUATION_DATA = {"shapes": "shapes64", "imagenet-val": "imagenet"}


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
        yield EvalBatch(
            batch.images, batch.labels, batch.boxes, torch.tensor(list(indices), dtype=torch.long)
        )


@dataclass(frozen=True)
class BoxedData:
    """A boxed evaluation set read in any order: ``batch(first, count)`` is images
    ``[first, first + count)`` (the same images whoever asks, so ranks can split them)."""

    dataset: str  # the JSON's "dataset"
    n: int  # images
    split: dict  # the JSON's "split"
    batch: Callable[[int, int], EvalBatch]


def shapes_data(n: int) -> BoxedData:
    """The first ``n`` images of the fixed shapes test split."""
    return BoxedData(
        dataset="shapes64",
        n=n,
        split=shapes_split(n),
        batch=lambda first, count: next(shapes_test_batches(count, count, start=first)),
    )


def imagenet_val_data(root: Path, n: int, size: int, crop_fraction: float) -> BoxedData:
    """The first ``n`` ILSVRC2012 validation images under ``root`` (sorted by file name) with
    their boxes, as a model with input ``size`` and ``crop_fraction`` sees them; images whose
    boxes the crop removes (or that have no annotation) are skipped and counted."""
    dataset = ImageNetVal(root)
    if n > len(dataset):
        raise ValueError(f"--num-images {n} exceeds the {len(dataset)} JPEG images under {root}")

    def batch(first: int, count: int) -> EvalBatch:
        items, skipped = {}, Counter()
        for position in range(first, min(first + count, n)):
            item = dataset.item(position, size, crop_fraction)
            if isinstance(item, str):
                skipped[item] += 1
            else:
                items[position] = item
        shape = (0, 3, size, size)
        return EvalBatch(
            torch.stack([image for image, _, _ in items.values()]) if items else torch.zeros(shape),
            torch.tensor([label for _, label, _ in items.values()], dtype=torch.long),
            torch.tensor([box for _, _, box in items.values()], dtype=torch.long).reshape(-1, 4),
            torch.tensor(list(items), dtype=torch.long),
            dict(skipped),
        )

    split = {"name": "val", "root": str(Path(root).resolve()), "first_index": 0, "n": n}
    return BoxedData(dataset="imagenet-val", n=n, split=split, batch=batch)


def weights_digest(name: str) -> str | None:
    """SHA-256 of a shapes model's shipped weights file (``None`` if it has none)."""
    path = weights_path(name)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def shapes_split(n: int) -> dict:
    """The ``split`` entry of the JSON for the first ``n`` shapes test images."""
    return {"name": "test", "seed": TEST_SEED, "first_index": 0, "n": n}


def evaluation_header(
    name: str, split: dict, batch_size: int, device: torch.device | str, dataset: str | None = None
) -> dict:
    """The first keys of the ``evaluate`` JSON: which model, weights, data, batching, device."""
    spec = get_spec(name)
    return {
        "model": name,
        "training": spec.training,
        "weights_sha256": weights_digest(name),  # which weights these numbers belong to
        "dataset": dataset or spec.dataset,
        "split": split,
        "batch_size": batch_size,
        "device": torch.device(device).type,
    }


def evaluate_model(
    name: str,
    n: int,
    *,
    batch_size: int = 16,
    methods: tuple[str, ...] = DEFAULT_METHODS,
    preset: str = "fast",
    steps: int | None = None,
    settings: Settings | None = None,
    device: torch.device | str = "cpu",
    progress: Callable[[int], None] | None = None,
    sanity: int = 0,
) -> dict:
    """``evaluate`` a registered model on the first ``n`` test images of its boxed dataset.

    Returns the JSON document of the ``evaluate`` command: the model, split and device, then
    ``Evaluation.summary()``; with ``sanity > 0``, also ``sanity``: the model-randomisation check
    on the first ``sanity`` test images (``evaluation.sanity``).
    """
    spec = get_spec(name)
    if spec.dataset not in BOXED_DATASETS:
        raise ValueError(
            f"model {name!r} is trained on {spec.dataset}, which has no ground-truth boxes; "
            f"evaluate needs one of {', '.join(BOXED_DATASETS)}"
        )
    model = load_model(name, device)
    evaluation = evaluate(
        model,
        shapes_test_batches(n, batch_size),
        methods=methods,
        preset=preset,
        steps=steps,
        settings=settings,
        progress=progress,
    )
    summary = evaluation_header(name, shapes_split(n), batch_size, device) | evaluation.summary()
    if sanity > 0:
        images = next(shapes_test_batches(sanity, sanity)).images.to(device)
        summary["sanity"] = sanity_summary(
            model, images, evaluation.methods, settings or DEFAULT_SETTINGS
        )
        summary["sanity_images"] = sanity
    return summary
