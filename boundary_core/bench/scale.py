"""Evaluate at dataset scale (issue 20): throughput against processes, memory against N, and the
per-image cost of a ResNet-50 at 224², with the projected wall time of 50,000 ImageNet images.

Three measurements, each in fresh processes so that start-up and peak memory are the real ones:

1. **Processes.** ``torchrun --standalone --nproc_per_node=P -m boundary_core evaluate ...`` for
   P = 1, 2 on the same shapes images. Images/s is reported twice: over the whole command
   (start-up, model load, merge included) and over the scoring alone (``seconds.total`` of each
   shard, summed per rank; the slowest rank sets the pace).
2. **Memory.** One process, the same evaluate for growing N; peak resident memory of that
   process (``os.wait4``'s ``ru_maxrss``). Shards are written per batch and the data set is read
   per batch, so the peak should not grow with N.
3. **ResNet-50, 224².** A random-init ImageNet ResNet-50 (the zoo's architecture; random weights
   cost what trained ones cost) scores photos exactly as ``evaluate`` does (``score_batch``),
   labels set to its own predictions so every image is kept. Seconds per image on this machine's
   device, gradient evaluations per image, and 50,000 × that ÷ 8 as the projection for 8 such
   devices (GPUs when this runs on one; a CPU figure projects 8 processes of one core each).

Wall times depend on the load; the load average before and after each part is printed.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import torch

from boundary_core.device import default_device, describe
from boundary_core.evaluation.shards import load_batch, shard_directory

SHAPES_METHODS = "sm,ig_black,bsm,big"  # cheap methods: the scaling, not the methods, is measured
IMAGENET_IMAGES = 50_000
PROJECTED_DEVICES = 8


def add_arguments(parser) -> None:
    parser.add_argument("--images", type=int, default=64, help="shapes images per run (part 1)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument(
        "--processes", type=int, nargs="+", default=[1, 2], help="torchrun processes (part 1)"
    )
    parser.add_argument(
        "--memory-n",
        type=int,
        nargs="+",
        default=[32, 128, 512],
        help="images per one-process run for the memory curve (part 2)",
    )
    parser.add_argument(
        "--resnet50-images", type=int, default=2, help="photos through ResNet-50 (part 3, 0: skip)"
    )
    parser.add_argument(
        "--resnet50-methods",
        default=None,
        help="comma-separated methods for part 3 (default: evaluate's default methods)",
    )


def _evaluate_command(n: int, batch_size: int, out: Path) -> list[str]:
    return [
        "-m",
        "boundary_core",
        "evaluate",
        "--model",
        "shapes-standard",
        "--num-images",
        str(n),
        "--batch-size",
        str(batch_size),
        "--methods",
        SHAPES_METHODS,
        "--threads",
        "1",
        "--json",
        str(out),
    ]


def _run(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (MB) of ``command`` and the children it waited for."""
    environment = os.environ | {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    start = time.perf_counter()
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:6])} ... exited with {process.returncode}")
    return wall, usage.ru_maxrss // 1024


def _scoring_seconds(out: Path, processes: int) -> float:
    """The slowest rank's summed batch time (batch ``b`` belongs to rank ``b mod processes``)."""
    per_rank = [0.0] * processes
    for shard in sorted(shard_directory(out).glob("batch-*.npz")):
        _, facts = load_batch(shard)
        index = int(shard.stem.split("-")[1])
        per_rank[index % processes] += facts["seconds"]["total"]
    return max(per_rank)


def processes_table(args, scratch: Path) -> list[str]:
    torchrun = str(Path(sys.executable).with_name("torchrun"))
    lines = [
        f"**Processes** (`torchrun --standalone --nproc_per_node=P -m boundary_core evaluate "
        f"--model shapes-standard --num-images {args.images} --batch-size {args.batch_size} "
        f"--methods {SHAPES_METHODS} --threads 1`), load {os.getloadavg()[0]:.2f} before:",
        "",
        "| processes | wall s | images/s (command) | scoring s (slowest rank) | images/s "
        "(scoring) | speed-up (scoring) |",
        "|---|---|---|---|---|---|",
    ]
    base = None
    for processes in args.processes:
        out = scratch / f"processes-{processes}.json"
        command = [torchrun, "--standalone", f"--nproc_per_node={processes}"]
        wall, _ = _run(command + _evaluate_command(args.images, args.batch_size, out))
        scoring = _scoring_seconds(out, processes)
        base = base or scoring  # the first row (one process) is the reference
        lines.append(
            f"| {processes} | {wall:.1f} | {args.images / wall:.2f} | {scoring:.1f} | "
            f"{args.images / scoring:.2f} | {base / scoring:.2f}× |"
        )
    lines.append(f"\nLoad {os.getloadavg()[0]:.2f} after.")
    return lines


def memory_table(args, scratch: Path) -> list[str]:
    lines = [
        f"**Memory against N** (one process, same command without torchrun), load "
        f"{os.getloadavg()[0]:.2f} before:",
        "",
        "| images | wall s | peak resident MB |",
        "|---|---|---|",
    ]
    peaks = []
    for n in args.memory_n:
        out = scratch / f"memory-{n}.json"
        wall, peak = _run([sys.executable, *_evaluate_command(n, args.batch_size, out)])
        peaks.append(peak)
        lines.append(f"| {n} | {wall:.1f} | {peak} |")
    growth = (peaks[-1] - peaks[0]) / max(args.memory_n[-1] - args.memory_n[0], 1)
    lines.append(
        f"\nPeak memory grows {peaks[-1] - peaks[0]:+d} MB from {args.memory_n[0]} to "
        f"{args.memory_n[-1]} images ({growth * 1000:.1f} MB per 1000 images)."
    )
    return lines


def resnet50_table(args) -> list[str]:
    from boundary_core.bench.resnet50 import random_imagenet_resnet50
    from boundary_core.data.photos import PHOTO_NAMES, load_photo
    from boundary_core.evaluation.run import EvalBatch, score_batch
    from boundary_core.methods import DEFAULT_METHODS, Settings, parse_methods

    device = default_device()
    methods = parse_methods(args.resnet50_methods or DEFAULT_METHODS)
    model = random_imagenet_resnet50(device=device)
    names = PHOTO_NAMES[: args.resnet50_images]
    images = torch.stack([load_photo(name, 224) for name in names]).to(device)
    with torch.no_grad():
        labels = model(images).argmax(dim=1)
    count = len(names)
    boxes = torch.tensor([[56, 56, 168, 168]] * count)  # a centred box: metrics need one
    batch = EvalBatch(images, labels, boxes, torch.arange(count))
    warnings.filterwarnings("ignore", module=r"captum\..*")
    load = os.getloadavg()[0]
    start = time.perf_counter()
    scores, facts = score_batch(
        model, batch, methods=methods, preset="fast", steps=None, settings=Settings()
    )
    seconds = (time.perf_counter() - start) / count
    gradients = statistics.mean(scores["boundary.gradient_evals"].tolist())
    projected = IMAGENET_IMAGES * seconds / PROJECTED_DEVICES
    where = "GPUs" if device.type == "cuda" else "processes of one CPU core each"
    parts = ", ".join(
        f"{key} {value / count:.1f}" for key, value in facts["seconds"].items() if key != "total"
    )
    return [
        f"**ResNet-50, 224²** ({describe(device)}; random-init ImageNet ResNet-50, {count} "
        f"photos in one batch, methods {','.join(methods)}, fast search; load {load:.2f}):",
        "",
        "| s / image | search gradients / image | 50,000 images on 8 devices |",
        "|---|---|---|",
        f"| {seconds:.1f} | {gradients:.0f} | {projected / 3600:.1f} h |",
        "",
        f"Seconds per image by part: {parts}. The projection assumes 8 {where} at this rate and "
        f"perfect scaling (part 1 measures how close two processes get).",
    ]


def run(args) -> str:
    lines = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
        scratch = Path(scratch)
        if args.processes:
            lines += processes_table(args, scratch) + [""]
        if args.memory_n:
            lines += memory_table(args, scratch) + [""]
    if args.resnet50_images > 0:
        lines += resnet50_table(args)
    return "\n".join(lines)
