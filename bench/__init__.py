"""``python -m bench NAME``: benchmarks that drive a front (the web app), outside the core.

They live here because the core imports no UI (STYLE rules 1 and 18). Like the core's own
benchmarks (``python -m boundary_core bench``), each prints a markdown table and records it in
BENCHMARKS.md through ``boundary_core.bench.record``; same ``--no-record`` and ``--threads``.
Run from the repository root (they import ``ui``).
"""

import argparse

from boundary_core.cli.bench_cmd import add_benchmarks

BENCHMARKS = {
    "app": "bench.app",
    "gradio": "bench.gradio",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    add_benchmarks(parser, BENCHMARKS, "python -m bench")
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)
