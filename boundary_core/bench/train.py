"""Training speed: each shipped shapes recipe, from scratch, in ≤ 45 minutes on this 2-core CPU.

Times ``--batches`` real training steps of each recipe (same model, optimiser, PGD and data
stream as ``python -m boundary_core train``), with training images painted in a worker process
(the default) and in the training process, side by side in one run, and projects the full
recipe's time from the seconds per step. The wall time each shipped card recorded for its
actual training run is shown next to the projection.
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


def seconds_per_step(name: str, batches: int, prefetch: bool) -> float:
    config = recipe(name, epochs=1, max_batches=batches)
    start = time.perf_counter()
    train_shapes_net(config, log=lambda _: None, prefetch=prefetch)
    return (time.perf_counter() - start) / batches


def _shipped_minutes(name: str) -> str:
    train = read_card(name).get("train", {})
    if "seconds" not in train:
        return "–"
    worker = "worker" if train.get("data_worker") else "no worker"
    return f"{train['seconds'] / 60:.1f} min ({train.get('threads', '?')} thr, {worker})"


def run(args) -> str:
    if args.batches < 2:
        raise ValueError("--batches must be >= 2")
    threads = torch.get_num_threads()
    lines = [
        f"{args.batches} timed training steps per cell, {threads} torch thread(s); projection = "
        "s/step × steps per epoch × epochs of the recipe. Load average before → after.",
        "",
        "| recipe | steps | s/step, worker | s/step, no worker | speed-up | projected, worker | "
        "projected, no worker | shipped run | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for name in args.models:
        config = recipe(name)
        steps = config.epochs * (config.samples_per_epoch // config.batch_size)
        load_before = os.getloadavg()[0]
        with_worker = seconds_per_step(name, args.batches, prefetch=True)
        without = seconds_per_step(name, args.batches, prefetch=False)
        minutes = {key: value * steps / 60 for key, value in
                   (("worker", with_worker), ("plain", without))}  # fmt: skip
        print(f"  {name}: {with_worker:.3f} s/step with worker, {without:.3f} without", flush=True)
        lines.append(
            f"| {name} | {steps} | {with_worker:.3f} | {without:.3f} | "
            f"{without / with_worker:.2f}× | {minutes['worker']:.1f} min | "
            f"{minutes['plain']:.1f} min | {_shipped_minutes(name)} | "
            f"{load_before:.1f} → {os.getloadavg()[0]:.1f} |"
        )
        met = "met" if minutes["worker"] <= TARGET_MINUTES else "NOT met"
        verdicts.append(f"{name} **{met}** ({minutes['worker']:.1f} min projected)")
    lines += ["", f"Target ≤ {TARGET_MINUTES:g} min per model from scratch: " + "; ".join(verdicts)]
    return "\n".join(lines)
