"""``python -m boundary_core models [--json]``: list the model registry."""

import json

from boundary_core.models import list_models


def register(subparsers) -> None:
    parser = subparsers.add_parser("models", help="list registered models")
    parser.add_argument("--json", action="store_true", help="print the registry as JSON")
    parser.set_defaults(func=run)


def run(args) -> int:
    entries = [spec.summary() for spec in list_models()]
    if args.json:
        print(json.dumps(entries, indent=2))
        return 0
    for entry in entries:
        size = "×".join(map(str, entry["input_size"]))
        offline = "offline" if entry["offline"] else "needs download"
        print(
            f"{entry['name']:<22} {entry['dataset']:<10} {size:<10} "
            f"{entry['training']:<34} {offline}"
        )
    return 0
