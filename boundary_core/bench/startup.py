"""CLI start-up: wall seconds of fresh ``python -m boundary_core`` processes (target: ``models
--json`` ≤ 1.5 s), beside every command's parser built at once (what each command paid before
only the command being run was imported), with ``python -X importtime``'s heaviest imports.

Each run is a new interpreter (the operating system's file cache stays warm, as it would for a
user typing commands); runs alternate between the commands so load on the machine hits each alike.
"""

import os
import re
import resource
import statistics
import subprocess
import sys
import time

from boundary_core.paths import ROOT

TARGET_SECONDS = 1.5
COMMANDS = {
    "models --json": ["-m", "boundary_core", "models", "--json"],
    "--help": ["-m", "boundary_core", "--help"],
    "every parser (the old start-up)": [
        "-c",
        "from boundary_core.cli import build_parser; build_parser()",
    ],
}
HEAVY = ("torch", "torchvision", "captum", "scipy", "matplotlib")


def add_arguments(parser) -> None:
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per command")
    parser.add_argument("--top", type=int, default=8, help="heaviest imports listed")


def _environment() -> dict:
    return os.environ | {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}


def _seconds(arguments: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one fresh process; CPU time is what a
    loaded machine inflates least."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=_environment(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _import_times(arguments: list[str]) -> tuple[list[tuple[float, str]], set[str]]:
    """``-X importtime``: (cumulative seconds, module) of the top-level imports, and which
    heavy packages were imported at all."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *arguments],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    rows, heavy = [], set()
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if not match:
            continue
        name = match.group(3)
        if name.split(".")[0] in HEAVY:
            heavy.add(name.split(".")[0])
        if len(match.group(2)) == 1:  # top level: one space; nested imports are indented
            rows.append((int(match.group(1)) / 1e6, name))
    return sorted(rows, reverse=True), heavy


def run(args) -> str:
    if args.runs < 1:
        raise ValueError(f"--runs must be >= 1, got {args.runs}")
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpu: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, arguments in COMMANDS.items():
            wall, seconds = _seconds(arguments)
            times[name].append(wall)
            cpu[name].append(seconds)
    lines = [
        f"{args.runs} fresh processes per command, interleaved; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.",
        "",
        "| command | median s | max s | median CPU s | heavy packages imported |",
        "|---|---:|---:|---:|---|",
    ]
    breakdowns = {}
    for name, arguments in COMMANDS.items():
        rows, heavy = _import_times(arguments)
        breakdowns[name] = rows
        lines.append(
            f"| `{name}` | {statistics.median(times[name]):.2f} | {max(times[name]):.2f} | "
            f"{statistics.median(cpu[name]):.2f} | {', '.join(sorted(heavy)) or 'none'} |"
        )
    for name in ("models --json", "every parser (the old start-up)"):
        lines += [
            "",
            f"Heaviest top-level imports of `{name}` (`-X importtime`, cumulative s):",
            "",
        ]
        lines += ["| module | s |", "|---|---:|"]
        lines += [
            f"| {module} | {seconds:.2f} |" for seconds, module in breakdowns[name][: args.top]
        ]
    median = statistics.median(times["models --json"])
    verdict = "met" if median <= TARGET_SECONDS else "not met"
    lines += [
        "",
        f"Target `models --json` median ≤ {TARGET_SECONDS} s: {verdict} ({median:.2f} s wall, "
        f"{statistics.median(cpu['models --json']):.2f} s CPU).",
    ]
    return "\n".join(lines)
