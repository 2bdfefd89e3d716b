"""Training speed: each shipped shapes recipe, from scratch, in ≤ 45 minutes on this 2-core CPU.

Times ``--batches`` real training steps of each recipe (same model, optimiser, PGD and data
stream as ``python -m boundary_core train``) in three set-ups side by side in one run: the
default (images painted in a worker process, channels-last convolutions), the worker alone, and
neither (plain), and projects the full recipe's time from the seconds per step and the start-up.
The wall time each shipped card recorded for its actual training run is shown next to it.
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


def short_run(batches: int) -> int:
    """Steps of the shorter of the two timed runs (see ``timed_steps``)."""
    return max(2, batches // 4)


def timed_steps(
    name: str, batches: int, prefetch: bool, channels_last: bool
) -> tuple[float, float]:
    """``(seconds per step, one-time start-up seconds)`` of a recipe's training loop.

    Two runs, of ``short`` and ``short + batches`` steps: the per-step time is their difference
    over ``batches``, so the start-up (building the net and optimiser, starting the worker process
    and painting its first batches) enters a projection once, not once per timed step.
    """
    short, seconds = short_run(batches), []
    for steps in (short, short + batches):
        config = recipe(name, epochs=1, max_batches=steps)
        start = time.perf_counter()
        train_shapes_net(config, log=lambda _: None, prefetch=prefetch, channels_last=channels_last)
        seconds.append(time.perf_counter() - start)
    per_step = (seconds[1] - seconds[0]) / batches
    return per_step, max(0.0, seconds[0] - short * per_step)


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
        f"{args.batches} timed training steps per cell (the difference of a run of "
        f"{short_run(args.batches)} steps and one of {args.batches} more, so start-up counts "
        f"once), {threads} torch thread(s). default = training images painted in one worker "
        "process + channels-last convolutions (what `train` does); worker only = NCHW layout; "
        "plain = neither. Projection = start-up + s/step × steps per epoch × epochs of the "
        "recipe. Load average before → after.",
        "",
        "| recipe | steps | s/step, default | s/step, worker only | s/step, plain | "
        "speed-up vs plain | start-up, default | projected, default | projected, plain | "
        "shipped run | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for name in args.models:
        config = recipe(name)
        steps = config.epochs * (config.samples_per_epoch // config.batch_size)
        load_before = os.getloadavg()[0]
        timed = {
            label: timed_steps(name, args.batches, prefetch, channels_last)
            for label, prefetch, channels_last in SETUPS
        }
        seconds = {label: per_step for label, (per_step, _) in timed.items()}
        default, plain = seconds["default"], seconds["plain"]
        print(
            f"  {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in seconds.items()) + " s/step",
            flush=True,
        )
        minutes = {
            label: (startup + per_step * steps) / 60 for label, (per_step, startup) in timed.items()
        }
        lines.append(
            f"| {name} | {steps} | {default:.3f} | {seconds['worker only']:.3f} | {plain:.3f} | "
            f"{plain / default:.2f}× | {timed['default'][1]:.1f} s | "
            f"{minutes['default']:.1f} min | {minutes['plain']:.1f} min | "
            f"{_shipped_minutes(name)} | {load_before:.1f} → {os.getloadavg()[0]:.1f} |"
        )
        met = "met" if minutes["default"] <= TARGET_MINUTES else "NOT met"
        verdicts.append(f"{name} **{met}** ({minutes['default']:.1f} min projected)")
    lines += ["", f"Target ≤ {TARGET_MINUTES:g} min per model from scratch: " + "; ".join(verdicts)]
    return "\n".join(lines)
