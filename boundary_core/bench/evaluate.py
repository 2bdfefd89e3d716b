"""Evaluate speed: all methods on 500 test images of one model in ≤ 15 minutes on this CPU.

Runs ``evaluate_model`` for each model (one after the other), writes each JSON to
``--out-dir`` (the cached results the app shows), and reports wall time next to the CPU time the
process actually received and the load average, so a contended run says so. The paper-comparison
tables of the results follow the timing table.
"""

import json
import os
import time
import warnings
from pathlib import Path

import torch

from boundary_core.device import default_device
from boundary_core.evaluation import evaluate_model
from boundary_core.evaluation.tables import paper_comparison
from boundary_core.models import shipped_pair
from boundary_core.paths import RESULTS_DIR

TARGET_SECONDS = 15 * 60
TARGET_IMAGES = 500


def add_arguments(parser) -> None:
    parser.add_argument(
        "--models", nargs="+", default=None, help="default: the shipped standard/robust pair"
    )
    parser.add_argument("--n", type=int, default=TARGET_IMAGES)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR, help="JSON results go here")


def timed(name: str, args) -> tuple[dict, dict]:
    """One model's summary (written to ``out-dir``) and its timing row."""
    load_before = os.getloadavg()[0]
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    summary = evaluate_model(name, args.n, batch_size=args.batch_size, device=default_device())
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    args.out_dir.mkdir(parents=True, exist_ok=True)
    path = args.out_dir / f"evaluate-{name}.json"
    path.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"  {name}: {wall:.0f} s wall, {cpu:.0f} s CPU -> {path}", flush=True)
    row = {
        "model": name,
        "wall": wall,
        "cpu": cpu,
        "load": (load_before, os.getloadavg()[0]),
        "evaluated": summary["n_evaluated"],
        "seconds": summary["seconds"],
    }
    return summary, row


def _timing_table(rows: list[dict], n: int) -> str:
    threads = torch.get_num_threads()
    lines = [
        f"All 9 methods, fast search preset, {n} test images per model, {threads} torch "
        f"thread(s), batch 16. CPU share = process CPU time / wall time per thread.",
        "",
        "| model | evaluated | wall | CPU | CPU share | load avg start → end | search | "
        "attributions | metrics |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        seconds = row["seconds"]
        attributions = sum(v for k, v in seconds.items() if k.startswith("attribution."))
        lines.append(
            f"| {row['model']} | {row['evaluated']} | {row['wall'] / 60:.1f} min | "
            f"{row['cpu'] / 60:.1f} min | {row['cpu'] / row['wall'] / threads:.0%} | "
            f"{row['load'][0]:.1f} → {row['load'][1]:.1f} | {seconds.get('search', 0):.0f} s | "
            f"{attributions:.0f} s | {seconds.get('metrics', 0):.0f} s |"
        )
    return "\n".join(lines)


def run(args) -> str:
    args.models = args.models or list(shipped_pair())  # the registry loads at run, not --help
    warnings.filterwarnings("ignore", module=r"captum\..*")
    summaries, rows = [], []
    for name in args.models:
        summary, row = timed(name, args)
        summaries.append(summary)
        rows.append(row)
    worst = max(row["wall"] for row in rows)
    scaled = worst * TARGET_IMAGES / args.n
    contended = any(
        max(row["load"]) > os.cpu_count() or row["cpu"] < 0.8 * row["wall"] for row in rows
    )
    lines = [
        _timing_table(rows, args.n),
        "",
        f"Target ≤ 15 min for all methods on {TARGET_IMAGES} images of one model: "
        f"**{'met' if scaled <= TARGET_SECONDS else 'NOT met'}** (slowest model "
        f"{scaled / 60:.1f} min per {TARGET_IMAGES} images"
        + (
            "; the box was contended by other jobs during the run, so this is an upper bound"
            if contended
            else ""
        )
        + ").",
    ]
    if len(summaries) == 2:
        lines += ["", paper_comparison(*summaries)]
    return "\n".join(lines)
