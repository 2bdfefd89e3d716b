"""``python -m boundary_core <command>``: the command-line contract other tools rely on.

Each command lives in its own module exposing ``register(subparsers)``; the parser it adds sets
``func(args) -> int``. User mistakes (bad paths, unknown models, non-images) end as one line on
stderr and exit code 2, never a traceback.
"""

import argparse
import importlib
import sys
import warnings

COMMAND_MODULES = (
    "boundary_core.cli.models_cmd",
    "boundary_core.cli.explain_cmd",
    "boundary_core.cli.bench_cmd",
    "boundary_core.cli.toy_cmd",
    "boundary_core.cli.evaluate_cmd",
    "boundary_core.cli.train_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m boundary_core", description=__doc__.split("\n")[0]
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Captum warns on every call that inputs did not require grad / that it sets hooks: noise here.
    warnings.filterwarnings("ignore", module=r"captum\..*")
    try:
        return int(args.func(args) or 0)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
