"""Benchmarks: ``python -m boundary_core bench NAME`` prints a markdown table and records it.

Each module named in ``BENCHMARKS`` exposes ``add_arguments(parser)`` and ``run(args) -> str`` (a
markdown body: tables plus one line per target saying met / not met). ``record`` writes it into
BENCHMARKS.md under ``## NAME`` with the date and the machine, replacing the previous run's section.
These benchmarks import only the core; the ones that drive the web app live in the top-level
``bench`` package (``python -m bench app``) and record through the same ``record``.
"""

import datetime
import os
import platform
import re
from pathlib import Path

import torch

BENCHMARKS = {
    "search": "boundary_core.bench.search",
    "explain": "boundary_core.bench.explain",
    "toy": "boundary_core.bench.toy",
    "evaluate": "boundary_core.bench.evaluate",
    "train": "boundary_core.bench.train",
    "repaint": "boundary_core.bench.repaint",
    "ladder": "boundary_core.bench.ladder",
    "uploads": "boundary_core.bench.uploads",
    "resnet50": "boundary_core.bench.resnet50",
    "scale": "boundary_core.bench.scale",
    "budgets": "boundary_core.bench.budgets",
    "startup": "boundary_core.bench.startup",
}


def machine() -> str:
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), {gpu}"
    )


def record(
    name: str, body: str, path: str | Path = "BENCHMARKS.md", command: str | None = None
) -> None:
    """Replace (or append) the ``## name`` section of BENCHMARKS.md with ``body``; the section
    names the ``command`` that measured it (default ``python -m boundary_core bench name``)."""
    path = Path(path)
    text = (
        path.read_text()
        if path.exists()
        else "# Benchmarks\n\nMeasured numbers, newest run per benchmark.\n"
    )
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    command = command or f"python -m boundary_core bench {name}"
    section = f"## {name}\n\n_{stamp}; {machine()}; `{command}`_\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = (
        pattern.sub(lambda _: section + "\n", text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + section
    )
    path.write_text(text)
