"""``python -m boundary_core <command>``: the command-line contract other tools rely on.

Each command lives in its own module exposing ``register(subparsers)``; the parser it adds sets
``func(args) -> int``. User mistakes (bad paths, unknown models, non-images) end as one line on
stderr and exit code 2, never a traceback.

Only the command being run is imported (torch, Captum and scipy cost seconds to import, and
``models --json`` needs none of them); the others appear in ``--help`` from ``COMMANDS``.
"""

import argparse
import importlib
import re
import sys
import warnings

from boundary_core.checks import one_line

# name: (module, one-line help). The module's own parser uses this help too (``command_help``).
COMMANDS = {
    "models": ("boundary_core.cli.models_cmd", "list registered models, or download one"),
    "explain": ("boundary_core.cli.explain_cmd", "explain one image with every attribution"),
    "bench": ("boundary_core.cli.bench_cmd", "run a benchmark and record it in BENCHMARKS.md"),
    "toy": ("boundary_core.cli.toy_cmd", "2-D toy ReLU net: exact regions and boundary"),
    "evaluate": (
        "boundary_core.cli.evaluate_cmd",
        "localization, alignment and boundary statistics over N test images",
    ),
    "train": ("boundary_core.cli.train_cmd", "train a shapes model or measure its card"),
}
COMMAND_MODULES = tuple(module for module, _ in COMMANDS.values())


def command_help(name: str) -> str:
    return COMMANDS[name][1]


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The full parser of the command named in ``argv`` (every command's when ``argv`` is None);
    the other commands are listed with their help only."""
    parser = argparse.ArgumentParser(
        prog="python -m boundary_core", description=__doc__.split("\n")[0]
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    chosen = _chosen_command(argv)
    for name, (module, help_text) in COMMANDS.items():
        if argv is None or name == chosen:
            importlib.import_module(module).register(subparsers)
        else:
            subparsers.add_parser(name, help=help_text)
    return parser


def _chosen_command(argv: list[str]) -> str | None:
    """The first argument that names a command (options before it take no values)."""
    return next((arg for arg in argv or () if arg in COMMANDS), None)


# A comma-separated list of numbers whose first is negative ("-0.5,0.3"): argparse takes it for an
# option unless it is written --query=-0.5,0.3, so main writes it that way.
NEGATIVE_LIST = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?,")


def joined_negative_values(argv: list[str]) -> list[str]:
    """``["--query", "-0.5,0.3"]`` → ``["--query=-0.5,0.3"]`` (long options only)."""
    joined: list[str] = []
    for arg in argv:
        previous = joined[-1] if joined else ""
        if NEGATIVE_LIST.match(arg) and previous.startswith("--") and "=" not in previous:
            joined[-1] = f"{previous}={arg}"
        else:
            joined.append(arg)
    return joined


def main(argv: list[str] | None = None) -> int:
    argv = joined_negative_values(sys.argv[1:] if argv is None else list(argv))
    args = build_parser(argv).parse_args(argv)
    # Captum warns on every call that inputs did not require grad / that it sets hooks: noise here.
    warnings.filterwarnings("ignore", module=r"captum\..*")
    try:
        return int(args.func(args) or 0)
    except (ValueError, OSError) as error:
        print(f"error: {one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
