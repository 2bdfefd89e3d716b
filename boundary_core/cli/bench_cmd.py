"""``python -m boundary_core bench NAME``: run a benchmark, print its table, record it."""

import importlib

from boundary_core.bench import BENCHMARKS, record


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="run a benchmark and record it in BENCHMARKS.md")
    names = parser.add_subparsers(dest="benchmark", required=True)
    for name, module_name in BENCHMARKS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name:
                continue
            raise
        sub = names.add_parser(name, help=(module.__doc__ or "").split("\n")[0])
        sub.add_argument("--no-record", action="store_true", help="print only; leave BENCHMARKS.md")
        sub.add_argument(
            "--threads",
            type=int,
            default=None,
            help="torch CPU threads (default: torch's choice; 1 on a shared box)",
        )
        module.add_arguments(sub)
        sub.set_defaults(func=_runner(name, module))


def _runner(name, module):
    def run(args) -> int:
        if args.threads is not None:
            import torch

            torch.set_num_threads(args.threads)
        body = module.run(args)
        print(body)
        if not args.no_record:
            record(name, body)
        return 0

    return run
