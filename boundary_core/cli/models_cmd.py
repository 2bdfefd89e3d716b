"""``python -m boundary_core models [--json]``: list the model registry;
``models download NAME``: fetch and check a model's weights (tqdm progress on stderr);
``models add NAME ...`` / ``models remove NAME``: bring your own model (``models.user``)."""

import json

from boundary_core.cli import command_help
from boundary_core.models import get_spec, list_models, load_model
from boundary_core.models.download import fetch
from boundary_core.models.user import (
    add_user_model,
    config_problems,
    is_user_model,
    remove_user_model,
)
from boundary_core.models.user_config import ARCHS, INPUT_SIZES, config_path, read_class_names


def register(subparsers) -> None:
    parser = subparsers.add_parser("models", help=command_help("models"))
    parser.add_argument("--json", action="store_true", help="print the registry as JSON")
    parser.set_defaults(func=run)
    actions = parser.add_subparsers(dest="action")
    download = actions.add_parser(
        "download", help="fetch a model's weights into the cache and check size and sha256"
    )
    download.add_argument("name", help="a registered model name (see `models`)")
    download.set_defaults(func=run_download)
    register_add(actions)
    remove = actions.add_parser("remove", help="remove a model added with `models add`")
    remove.add_argument("name", help="a user model name")
    remove.set_defaults(func=run_remove)


def register_add(actions) -> None:
    # Values are parsed by the core (not argparse types), so a bad one is one line, exit 2.
    add = actions.add_parser(
        "add",
        help="register your own torchvision ResNet (checked by a strict load, then kept)",
        description=f"Registered in {config_path()} ($BAE_CONFIG/models.json); a tensors-only "
        "copy of the weights goes to the cache ($BAE_CACHE/user).",
    )
    add.add_argument("name", help="new model name: letters, digits, '-', '.', '_'")
    add.add_argument("--arch", required=True, help=f"one of {', '.join(ARCHS)}")
    add.add_argument(
        "--weights",
        required=True,
        help=".safetensors, or a weights-only .pt/.pth/.ckpt (pickled code is refused)",
    )
    add.add_argument("--classes", required=True, help="text file, one class name per line")
    for name, example in (("mean", "0.485 0.456 0.406"), ("std", "0.229 0.224 0.225")):
        add.add_argument(
            f"--{name}",
            required=True,
            nargs="+",
            metavar="X",
            help=f"three numbers R G B in [0, 1] pixel units, e.g. {example}",
        )
    low, high = INPUT_SIZES
    add.add_argument("--input-size", required=True, help=f"square side in pixels, {low}..{high}")
    add.add_argument("--dataset", default="user", help="label grouping comparable models")
    add.set_defaults(func=run_add)


def run(args) -> int:
    problems = config_problems()
    if problems:  # the listing would leave the user's broken entries out in silence
        more = f" ({len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ValueError(problems[0] + more)
    entries = [(spec.summary(), is_user_model(spec)) for spec in list_models()]
    if args.json:
        print(json.dumps([entry for entry, _ in entries], indent=2))
        return 0
    rows = []
    for entry, user in entries:
        if user:
            where = "user" if entry["available"] else "user, weights missing"
        elif entry["offline"]:
            where = "offline"
        else:
            where = "downloaded" if entry["available"] else "needs download"
        size = "×".join(map(str, entry["input_size"]))
        rows.append((entry["name"], entry["dataset"], size, entry["training"], where))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]  # columns fit the longest
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        print("  ".join([*cells, row[4]]))
    return 0


def run_download(args) -> int:
    """Fetch, check, then load once (safe loader) so the tensors-only copy is written."""
    spec = get_spec(args.name)
    if is_user_model(spec):
        print(f"{spec.name} is your own model: nothing to download")
        return 0
    if spec.source is None:
        print(f"{spec.name} ships with the repository: nothing to download")
        return 0
    path = fetch(spec.source)
    load_model(spec.name)
    print(f"{spec.name}: {path} ({spec.summary()['integrity']})")
    return 0


def run_add(args) -> int:
    try:
        input_size = int(args.input_size)
    except ValueError:
        raise ValueError(f"--input-size must be an integer, got {args.input_size!r}") from None
    spec = add_user_model(
        args.name,
        args.arch,
        args.weights,
        read_class_names(args.classes),
        args.mean,
        args.std,
        input_size,
        dataset=args.dataset,
    )
    print(f"added {spec.name}: {spec.description}")
    return 0


def run_remove(args) -> int:
    copy = remove_user_model(args.name)
    print(f"removed {args.name}" + (f" and its weights copy {copy}" if copy else ""))
    return 0
