"""``python -m boundary_core models [--json]``: list the model registry;
``models download NAME``: fetch and check a model's weights (tqdm progress on stderr)."""

import json

from boundary_core.models import get_spec, list_models
from boundary_core.models.download import download_model


def register(subparsers) -> None:
    parser = subparsers.add_parser("models", help="list registered models, or download one")
    parser.add_argument("--json", action="store_true", help="print the registry as JSON")
    parser.set_defaults(func=run)
    actions = parser.add_subparsers(dest="action")
    download = actions.add_parser(
        "download", help="fetch a model's weights into the cache and check size and sha256"
    )
    download.add_argument("name", help="a registered model name (see `models`)")
    download.set_defaults(func=run_download)


def run(args) -> int:
    entries = [spec.summary() for spec in list_models()]
    if args.json:
        print(json.dumps(entries, indent=2))
        return 0
    for entry in entries:
        size = "×".join(map(str, entry["input_size"]))
        if entry["offline"]:
            where = "offline"
        else:
            where = "downloaded" if entry["available"] else "needs download"
        print(
            f"{entry['name']:<22} {entry['dataset']:<10} {size:<10} {entry['training']:<34} {where}"
        )
    return 0


def run_download(args) -> int:
    """Fetch, check, then load once (safe loader) so the tensors-only copy is written."""
    spec = get_spec(args.name)
    if spec.source is None:
        print(f"{spec.name} ships with the repository: nothing to download")
        return 0
    path = download_model(spec.name)
    print(f"{spec.name}: {path} ({spec.summary()['integrity']})")
    return 0
