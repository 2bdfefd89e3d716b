"""Model cards: measured facts about a model, stored as JSON in ``assets/models``.

The registry shows them. The shapes models' cards are written by ``python -m boundary_core train``
next to their weights; the CIFAR-10 model's card (``cifar10_card``) by ``bench search``, which
measures the numbers it records.

Shapes cards are measured on the fixed test split (``TEST_SEED``):
- ``clean_accuracy``, and split by whether the marks carry the label's colour cue;
- ``cue_conflict_accuracy``: the same images with every mark painted in the cue colour of the
  next class, i.e. how much the model leans on clutter a person would ignore;
- ``robust_accuracy``: at each ℓ2 ε, the fraction of images that are correctly classified and
  whose boundary distance under ``find_boundary(preset="paper")`` exceeds ε;
- ``boundary_distance_median``: median minimal ℓ2 distance (``preset="fast"``) over the images
  the model classifies correctly (the paper evaluates correctly classified images only).
"""

import datetime
import json
import time
from pathlib import Path

import torch
from torch import Tensor, nn

from boundary_core.data.shapes import TEST_SEED, make_cue_conflict, test_split
from boundary_core.data.shapes_draw import SHAPE_CLASSES
from boundary_core.models.cifar10 import CARD_PATH, CIFAR10_CLASSES
from boundary_core.search import find_boundary
from boundary_core.training import Log

ROBUST_EPS = (0.25, 0.5, 1.0, 2.0)  # ℓ2, [0, 1] pixel units


def card_path(weights: Path) -> Path:
    """``x/shapes-robust.safetensors`` → ``x/shapes-robust.card.json``."""
    return weights.with_name(weights.name.removesuffix(".safetensors") + ".card.json")


def read_card_beside(weights: Path) -> dict:
    """The card next to ``weights`` (empty if there is none); a card that is not a JSON object
    is one ``ValueError``."""
    path = card_path(weights)
    if not path.exists():
        return {}
    try:
        card = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path.name} is not a JSON card ({error})") from None
    if not isinstance(card, dict):
        raise ValueError(f"{path.name} must hold a JSON object, got {type(card).__name__}")
    return card


def write_card(weights: Path, card: dict) -> Path:
    path = card_path(weights)
    path.write_text(json.dumps(card, indent=2) + "\n")
    return path


@torch.no_grad()
def predictions(model: nn.Module, images: Tensor, chunk: int = 256) -> Tensor:
    """Argmax labels ``(B,)`` of ``images (B, 3, H, W)``, ``chunk`` images at a time."""
    return torch.cat([model(part).argmax(1) for part in images.split(chunk)])


def clean_card(model: nn.Module, n: int) -> dict:
    """Clean, cue / no-cue and cue-conflict accuracy on the first ``n`` test images."""
    test = test_split(n)
    correct = predictions(model, test.images) == test.labels
    cue = torch.tensor([flags.cue for flags in test.flags])
    conflict = torch.stack(
        [
            make_cue_conflict(i, seed=TEST_SEED, cue_label=(int(label) + 1) % len(SHAPE_CLASSES))
            for i, label in enumerate(test.labels)
        ]
    )
    conflict_correct = predictions(model, conflict) == test.labels
    return {
        "test_seed": TEST_SEED,
        "test_n": n,
        "clean_accuracy": round(correct.float().mean().item(), 4),
        "clean_accuracy_cue": round(correct[cue].float().mean().item(), 4),
        "clean_accuracy_no_cue": round(correct[~cue].float().mean().item(), 4),
        "cue_conflict_accuracy": round(conflict_correct.float().mean().item(), 4),
    }


def boundary_distances(model: nn.Module, images: Tensor, preset: str, chunk: int, log: Log):
    """``find_boundary`` distances ``(B,)`` (inf where nothing was found), ``chunk`` at a time."""
    distances = []
    for number, part in enumerate(images.split(chunk)):
        distances.append(find_boundary(model, part, preset=preset, seed=number).distance)
        log(f"  {preset} search: {min((number + 1) * chunk, len(images))}/{len(images)}")
    return torch.cat(distances)


def robust_card(
    model: nn.Module, *, robust_n: int, boundary_n: int, chunk: int = 32, log: Log = print
) -> dict:
    """Robust accuracy (paper preset) at ``ROBUST_EPS`` and median boundary distance (fast)."""
    start = time.perf_counter()
    test = test_split(max(robust_n, boundary_n))
    correct = predictions(model, test.images) == test.labels
    fast = boundary_distances(model, test.images[:boundary_n], "fast", 4 * chunk, log)
    fast_correct = fast[correct[:boundary_n]]
    fast_seconds = time.perf_counter() - start
    paper = boundary_distances(model, test.images[:robust_n], "paper", chunk, log)
    robust = {
        f"{eps:g}": round((correct[:robust_n] & (paper > eps)).float().mean().item(), 4)
        for eps in ROBUST_EPS
    }
    return {
        "robust_accuracy": robust,
        "robust_preset": "paper",
        "robust_n": robust_n,
        "boundary_preset": "fast",
        "boundary_n": boundary_n,
        "boundary_found": round(torch.isfinite(fast).float().mean().item(), 4),
        "boundary_distance_median": round(fast_correct.median().item(), 4),
        "boundary_distance_median_paper": round(paper[correct[:robust_n]].median().item(), 4),
        "card_seconds": {
            "fast": round(fast_seconds, 1),
            "paper": round(time.perf_counter() - start - fast_seconds, 1),
        },
    }


def assessment(median: float) -> str:
    """Compare the measured median distance with the ε = 0.5 of ℓ2-robust CIFAR-10 models."""
    factor = 0.5 / median
    verdict = (
        "it behaves like a standard, non-robust model"
        if factor >= 3
        else "its margins are comparable to an adversarially trained model's"
    )
    return (
        f"Median minimal ℓ2 distance to the boundary {median:.3f} (pixel units, 32×32 photos), "
        f"{factor:.1f}× below the ε = 0.5 that ℓ2-robust CIFAR-10 models are trained to "
        f"withstand: {verdict}."
    )


def cifar10_card(
    model: nn.Module, x: Tensor, names: list[str], *, fast_median: float, paper_median: float
) -> dict:
    """What the undocumented pyautoattack model measurably is: its predictions on the un-zoomed
    gallery photos among ``x (B, 3, 32, 32)`` (``names`` without a ``/``) and the median boundary
    distances the search benchmark measured on all of ``x``."""
    with torch.no_grad():
        probabilities = model(x).softmax(dim=1)
    predictions = {
        name: {"label": CIFAR10_CLASSES[int(p.argmax())], "probability": round(float(p.max()), 3)}
        for name, p in zip(names, probabilities, strict=True)
        if "/" not in name  # the un-zoomed gallery photos
    }
    return {
        "measured_on": datetime.date.today().isoformat(),
        "photo_predictions": predictions,
        "median_l2_boundary_distance_fast": round(fast_median, 4),
        "median_l2_boundary_distance_paper": round(paper_median, 4),
        "photos": len(x),
        "assessment": assessment(min(fast_median, paper_median)),
    }


def write_cifar10_card(card: dict) -> Path:
    """Write ``card`` where the registry reads it (``assets/models/cifar10-resnet18.card.json``)."""
    CARD_PATH.parent.mkdir(parents=True, exist_ok=True)
    CARD_PATH.write_text(json.dumps(card, indent=2) + "\n")
    return CARD_PATH
