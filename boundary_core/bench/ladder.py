"""The robustness ladder (paper Table 1 as a curve): alignment against training ε over test images.

Runs ``evaluate_model`` on every model of a registry ladder (default: the shipped ``shapes``
family, standard through ℓ2 ε = 2.9) with SM, IG (black), BSM and BIG, and prints per model its
ε, clean accuracy (its card), the boundary distance per image (median, p95, max), and the mean
SM–BSM / IG–BIG distances, raw ℓ2 and 1 − cos, with BIG's EG. The paper's claim is that both
distances fall as ε grows; the table says what this data shows.
"""

import time

from boundary_core.device import default_device
from boundary_core.evaluation import evaluate_model
from boundary_core.methods import ALIGNMENT_PAIRS
from boundary_core.models import get_spec, ladders

METHODS = ("sm", "ig_black", "bsm", "big")
PAIRS = ("sm_bsm", "ig_big")


def add_arguments(parser) -> None:
    parser.add_argument("--family", default="shapes", help="a registry ladder (default shapes)")
    parser.add_argument("--n", type=int, default=200, help="test images per model")
    parser.add_argument("--batch-size", type=int, default=16)


def _number(value, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _row(name: str, summary: dict, seconds: float) -> str:
    spec = get_spec(name)
    accuracy = spec.card.get("clean_accuracy")
    distance = summary["boundary"]["distance"]
    cells = [
        f"`{name}`",
        f"{spec.epsilon:g}",
        "–" if accuracy is None else f"{100 * accuracy:.1f}%",
        f"{summary['n_evaluated']}/{summary['n_images']}",
        f"{_number(distance['median'])} / {_number(distance['p95'])} / {_number(distance['max'])}",
    ]
    for pair in PAIRS:
        alignment = summary["alignment"]
        cells.append(_number((alignment[f"{pair}_l2"] or {}).get("mean"), 2))
        cells.append(_number((alignment[f"{pair}_cosine"] or {}).get("mean")))
    cells.append(_number(summary["metrics"]["big"]["eg"]["mean"]))
    cells.append(f"{seconds:.0f}")
    return "| " + " | ".join(cells) + " |"


def run(args) -> str:
    family = ladders().get(args.family)
    if family is None:
        raise ValueError(f"no ladder {args.family!r}; known: {', '.join(ladders())}")
    missing = [name for name in family if not get_spec(name).available]
    if missing:
        raise ValueError(f"not on this machine: {', '.join(missing)} (models download NAME)")
    labels = [ALIGNMENT_PAIRS[pair].label for pair in PAIRS]
    head = " | ".join(f"{label} ℓ2 | {label} 1−cos" for label in labels)
    lines = [
        f"Ladder `{args.family}`: first {args.n} test images per model (correctly classified ones "
        "evaluated), fast search, methods SM, IG (black), BSM, BIG; means over images. Lower "
        "distances = the map is closer to its boundary version.",
        "",
        f"| model | ε | clean acc. (card) | evaluated | x′ distance median / p95 / max | {head} "
        "| BIG EG | s |",
        "|---|---:|---:|---:|---:|" + "---:|" * (2 * len(PAIRS) + 2),
    ]
    for name in family:
        start = time.perf_counter()
        summary = evaluate_model(
            name, args.n, batch_size=args.batch_size, methods=METHODS, device=default_device()
        )
        lines.append(_row(name, summary, time.perf_counter() - start))
        print(lines[-1], flush=True)
    return "\n".join(lines)
