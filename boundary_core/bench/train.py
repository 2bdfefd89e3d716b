"""Training speed: each shipped shapes recipe, from scratch, in ≤ 45 minutes on this 2-core CPU.

Times ``--batches`` real training steps of each recipe (same model, optimiser, PGD and data
stream as ``python -m boundary_core train``) in three set-ups side by side in one run: the
default (images painted in a worker process, channels-last convolutions), the worker alone, and
neither (plain), and projects the full recipe's time from the seconds per step. The wall time
each shipped card recorded for its actual training run is shown next to the projection.
"""

import os
import time

import torch

from boundary_core.models.shapes import read_card
from boundary_core.training import RECIPES, recipe, train_shapes_net

TARGET_MINUTES = 45.0


def add_arguments(parser) -> None:
    parser.add_argument("--models", nargs="+", default=sorted(RECIPES), choices=sorted(RECIPES))
    parser.add_argument("--batches", type=int, default=40, help="timed training steps per run")


# (column label, prefetch, channels_last); the first is what `train` does by default.
SETUPS = (("default", True, True), ("worker only", True, False), ("plain", False, False))


def seconds_per_step(name: str, batches: int, prefetch: bool, channels_last: bool) -> float:
    config = recipe(name, epochs=1, max_batches=batches)
    start = time.perf_counter()
    train_shapes_net(config, log=lambda _: None, prefetch=prefetch, channels_last=channels_last)
    return (time.perf_counter() - start) / batches


def _shipped_minutes(name: str) -> str:
    train = read_card(name).get("train", {})
    if "seconds" not in train:
        return "–"
    worker = "worker" if train.get("data_worker") else "no worker"
    layout = train.get("memory_format", "contiguous")  # cards before channels-last: NCHW
    return f"{train['seconds'] / 60:.1f} min ({train.get('threads', '?')} thr, {worker}, {layout})"


def run(args) -> str:
    if args.batches < 2:
        raise ValueError("--batches must be >= 2")
    threads = torch.get_num_threads()
    lines = [
        f"{args.batches} timed training steps per cell, {threads} torch thread(s). default = "
        "training images painted in one worker process + channels-last convolutions (what "
        "`train` does); worker only = NCHW layout; plain = neither. Projection = s/step × steps "
        "per epoch × epochs of the recipe. Load average before → after.",
        "",
        "| recipe | steps | s/step, default | s/step, worker only | s/step, plain | "
        "speed-up vs plain | projected, default | projected, plain | shipped run | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for name in args.models:
        config = recipe(name)
        steps = config.epochs * (config.samples_per_epoch // config.batch_size)
        load_before = os.getloadavg()[0]
        seconds = {
            label: seconds_per_step(name, args.batches, prefetch, channels_last)
            for label, prefetch, channels_last in SETUPS
        }
        default, plain = seconds["default"], seconds["plain"]
        print(f"  {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in seconds.items()) + " s/step",
              flush=True)  # fmt: skip
        minutes = {"default": default * steps / 60, "plain": plain * steps / 60}
        lines.append(
            f"| {name} | {steps} | {default:.3f} | {seconds['worker only']:.3f} | {plain:.3f} | "
            f"{plain / default:.2f}× | {minutes['default']:.1f} min | "
            f"{minutes['plain']:.1f} min | {_shipped_minutes(name)} | "
            f"{load_before:.1f} → {os.getloadavg()[0]:.1f} |"
        )
        met = "met" if minutes["default"] <= TARGET_MINUTES else "NOT met"
        verdicts.append(f"{name} **{met}** ({minutes['default']:.1f} min projected)")
    lines += ["", f"Target ≤ {TARGET_MINUTES:g} min per model from scratch: " + "; ".join(verdicts)]
    return "\n".join(lines)
