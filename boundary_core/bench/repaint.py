"""Boundary distance against the data: each model's minimal ℓ2 distance next to the repaint bound.

For the first ``--n`` test images: the nearest re-paint of another class
(``boundary_core.data.shapes_repaint``; a classifier right on both images has its boundary at
most that far away, and half of it is what a model could reach at both ends), and each model's
boundary distance (``find_boundary``, fast preset) over the images it classifies correctly, split
by the scene's polarity and by the repaint distance. The last lines give the ratio of the models'
median distances (the model-card target: robust ≥ 5× standard) with a paired bootstrap 95%
interval over images.
"""

import time

import numpy as np
import torch

from boundary_core.data.shapes import TEST_SEED, test_split
from boundary_core.data.shapes_repaint import repaint_distances
from boundary_core.data.shapes_scene import POLARITIES
from boundary_core.models import load_model, shipped_pair
from boundary_core.training import RECIPES
from boundary_core.training_card import boundary_distances, predictions

TARGET_RATIO = 5.0
# Bands of repaint distance in multiples of twice the robust recipe's training ε (0, 5.8, 11.6
# at ε = 2.9): below 2ε the ε-balls of adversarial training around an image and its re-paint
# overlap.
_TWO_EPS = 2 * RECIPES["shapes-robust"].eps
REPAINT_BINS = (0.0, _TWO_EPS, 2 * _TWO_EPS, np.inf)
BOOTSTRAP = 2000


def add_arguments(parser) -> None:
    parser.add_argument(
        "--models", nargs="+", default=None, help="default: the shipped standard/robust pair"
    )
    parser.add_argument("--n", type=int, default=500, help="test images")


def median_ratio_interval(first, second, mask_first, mask_second, seed: int = 0):
    """Paired bootstrap 95% interval of median(second[mask]) / median(first[mask]) over images."""
    rng = np.random.default_rng(seed)
    ratios = []
    for _ in range(BOOTSTRAP):
        pick = rng.integers(0, len(first), len(first))
        a, b = first[pick][mask_first[pick]], second[pick][mask_second[pick]]
        ratios.append(np.median(b) / np.median(a))
    return tuple(np.percentile(ratios, [2.5, 97.5]))


def run(args) -> str:
    args.models = args.models or list(shipped_pair())  # the registry loads at run, not --help
    if args.n < 2:
        raise ValueError("--n must be >= 2")
    start = time.perf_counter()
    test = test_split(args.n)
    repaint = np.array([r.distance for r in repaint_distances(args.n, seed=TEST_SEED)])
    print(f"  repaint distances: {time.perf_counter() - start:.0f} s", flush=True)
    polarity = np.array([flags.polarity for flags in test.flags])
    measured = {}
    for name in args.models:
        model = load_model(name)
        correct = (predictions(model, test.images) == test.labels).numpy()
        distance = boundary_distances(model, test.images, "fast", 128, lambda _: None).numpy()
        measured[name] = (correct, distance)
        print(f"  {name}: boundary distances done", flush=True)
    head = ["scenes", "images", "repaint median"]
    for name in args.models:
        head += [f"{name} accuracy", f"{name} median distance", f"{name} median d / repaint"]
    lines = [
        f"First {args.n} test images. Distances in ℓ2, [0, 1] pixel units; model distances from "
        "the fast preset over correctly classified images.",
        "",
        "| " + " | ".join(head) + " |",
        "|---|" + "---:|" * (len(head) - 1),
    ]
    groups = {"all": np.ones(args.n, bool)}
    groups |= {polarity_name: polarity == polarity_name for polarity_name in POLARITIES}
    for low, high in zip(REPAINT_BINS[:-1], REPAINT_BINS[1:], strict=True):
        label = f"repaint ≥ {low:g}" if high == np.inf else f"repaint {low:g}–{high:g}"
        groups[label] = (repaint >= low) & (repaint < high)
    for group, rows in groups.items():
        if not rows.any():
            continue
        cells = [group, str(rows.sum()), f"{np.median(repaint[rows]):.3f}"]
        for name in args.models:
            correct, distance = measured[name]
            keep = rows & correct
            cells.append(f"{correct[rows].mean():.1%}")
            if not keep.any():  # it got every image of the group wrong
                cells += ["–", "–"]
                continue
            cells += [
                f"{np.median(distance[keep]):.3f}",
                f"{np.median(distance[keep] / repaint[keep]):.3f}",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    if len(args.models) >= 2:
        (c0, d0), (c1, d1) = measured[args.models[0]], measured[args.models[-1]]
        ratio = np.median(d1[c1]) / np.median(d0[c0])
        low, high = median_ratio_interval(d0, d1, c0, c1)
        verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
        lines += [
            "",
            f"Median distance {args.models[-1]} / {args.models[0]}: **{ratio:.2f}×** "
            f"(paired bootstrap 95% interval {low:.2f}–{high:.2f}×, {BOOTSTRAP} resamples); "
            f"target ≥ {TARGET_RATIO:g}×: **{verdict}**.",
        ]
    lines.append(
        f"\n{torch.get_num_threads()} torch thread(s), {time.perf_counter() - start:.0f} s."
    )
    return "\n".join(lines)
