"""Gradio front: time to first result, per-request latency, and 10 concurrent API clients.

Starts ``gradio_app`` on 127.0.0.1 in this process and drives ``/explain`` through
``gradio_client`` on shapes gallery images with shapes-standard: one cold request (first result
after start), then ``--repeats`` sequential ones on fresh images (no cache hit), then 10 clients
at once, each on its own image, checking that each gets its own image's prediction (no
cross-talk). Server memory (this process's resident set) before and after.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from bench.app import free_port
from boundary_core.data.gallery import shapes_names

MODEL, STEPS, CLIENTS = "shapes-standard", 50, 10


def add_arguments(parser) -> None:
    parser.add_argument("--repeats", type=int, default=3, help="sequential requests timed")


def _rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _explain(url: str, name: str, steps: int) -> tuple[float, dict]:
    from gradio_client import Client

    start = time.perf_counter()
    _, _, summary, _ = Client(url, verbose=False).predict(
        "shapes", name, None, MODEL, ["black"], "fast", steps, api_name="/explain"
    )
    return time.perf_counter() - start, summary


def run(args) -> str:
    import gradio_app

    names = shapes_names()
    if not 1 <= args.repeats < len(names):
        raise ValueError(f"--repeats must be in [1, {len(names) - 1}] (one gallery image each)")
    memory_before = _rss_mb()
    start = time.perf_counter()
    url = gradio_app.launch_local(free_port())
    try:
        cold, _ = _explain(url, names[0], STEPS)
        first = time.perf_counter() - start
        sequential = [_explain(url, names[1 + i], STEPS)[0] for i in range(args.repeats)]
        # Client i: image i (the gallery has 12), and its own search budget, so no two requests
        # share a cache entry.
        batch = [(names[i % len(names)], STEPS - 1 - i) for i in range(CLIENTS)]
        wall = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(pool.map(lambda job: (job[0], _explain(url, *job)), batch))
        wall = time.perf_counter() - wall
    finally:
        gradio_app.demo.close()
    own = sum(summary["image"].endswith(name) for name, (_, summary) in results)
    latencies = np.array([seconds for _, (seconds, _) in results])
    p50, p95 = np.percentile(latencies, [50, 95])
    return "\n".join(
        [
            f"`{MODEL}`, 64×64 shapes images, fast search ({STEPS} steps), every default panel; "
            "no request repeats another's image and budget (no cache hits).",
            "",
            "| measure | value |",
            "|---|---:|",
            f"| server start + first result | {first:.1f} s (request alone {cold:.1f} s) |",
            f"| sequential request, median of {args.repeats} | {np.median(sequential):.1f} s |",
            f"| {CLIENTS} clients at once: completed | {len(results)} of {CLIENTS} |",
            f"| … each got its own image's result | {own} of {CLIENTS} |",
            f"| … latency p50 / p95 / max | {p50:.1f} / {p95:.1f} / {latencies.max():.1f} s |",
            f"| … wall for all {CLIENTS} | {wall:.1f} s |",
            f"| server memory before start → after | {memory_before:.0f} → {_rss_mb():.0f} MB |",
        ]
    )
