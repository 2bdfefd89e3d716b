"""``python -m boundary_core bench NAME``: run a benchmark, print its table, record it."""

import importlib

from boundary_core.bench import BENCHMARKS, record


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="run a benchmark and record it in BENCHMARKS.md")
    add_benchmarks(parser, BENCHMARKS, "python -m boundary_core bench")


def add_benchmarks(parser, benchmarks: dict[str, str], prog: str) -> None:
    """One sub-command per ``{name: module}`` of ``benchmarks`` under ``parser``, each with
    ``--no-record`` and ``--threads``; ``prog name`` is the command recorded in BENCHMARKS.md.
    Shared with the front benchmarks (``python -m bench``)."""
    names = parser.add_subparsers(dest="benchmark", required=True)
    for name, module_name in benchmarks.items():
        module = importlib.import_module(module_name)
        sub = names.add_parser(name, help=(module.__doc__ or "").split("\n")[0])
        sub.add_argument("--no-record", action="store_true", help="print only; leave BENCHMARKS.md")
        sub.add_argument(
            "--threads",
            type=int,
            default=None,
            help="torch CPU threads (default: torch's choice; 1 on a shared box)",
        )
        module.add_arguments(sub)
        sub.set_defaults(func=_runner(name, module, f"{prog} {name}"))


def _runner(name, module, command):
    def run(args) -> int:
        if args.threads is not None:
            import torch

            from boundary_core.checks import require_int

            torch.set_num_threads(require_int("--threads", args.threads))
        body = module.run(args)
        print(body)
        if not args.no_record:
            record(name, body, command=command)
        return 0

    return run
