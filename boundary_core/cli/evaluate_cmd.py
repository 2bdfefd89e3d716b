"""``python -m boundary_core evaluate``: the paper's tables on a model's boxed test split.

    python -m boundary_core evaluate --model shapes-robust --num-images 500 --json out.json \
        [--methods sm,big ...] [--search fast|paper] [--batch-size 16] [--seed 0] [--threads 1]

Prints markdown tables on stdout, a progress bar on stderr, and writes the JSON summary
(``boundary_core.evaluation.summary`` lists its keys).
"""

import json
from pathlib import Path

import torch

from boundary_core.device import default_device
from boundary_core.evaluation import BOXED_DATASETS, evaluate_model
from boundary_core.evaluation.tables import report, sanity_table
from boundary_core.methods import DEFAULT_METHODS, METHODS, Settings, parse_methods
from boundary_core.models import get_spec
from boundary_core.search import PRESETS


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="localization, alignment and boundary statistics over N test images"
    )
    parser.add_argument("--model", required=True, help="registered model with a boxed dataset")
    parser.add_argument(
        "--num-images",
        "--n",
        dest="n",
        type=int,
        required=True,
        metavar="N",
        help="test images to stream (≥ 1); under torchrun spell it --num-images (torchrun's own "
        "parser rejects --n as an ambiguous prefix of --nnodes, --nproc-per-node, ...)",
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        default=list(DEFAULT_METHODS),
        metavar="METHOD",
        help=f"attributions (default: {', '.join(DEFAULT_METHODS)}; also "
        f"{', '.join(m for m in METHODS if m not in DEFAULT_METHODS)}); comma- or space-separated",
    )
    parser.add_argument("--search", choices=PRESETS, default="fast", help="boundary-search preset")
    parser.add_argument(
        "--search-steps",
        type=int,
        default=None,
        metavar="N",
        help="iterations per attack (default: the preset's)",
    )
    parser.add_argument("--json", type=Path, required=True, metavar="OUT", help="JSON output path")
    parser.add_argument("--batch-size", type=int, default=16, help="images per batch (default 16)")
    parser.add_argument("--seed", type=int, default=0, help="seeds every random draw (default 0)")
    parser.add_argument(
        "--agi-variant", choices=("as_described", "as_coded"), default="as_described"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (1 on a shared box)"
    )
    parser.add_argument(
        "--sanity",
        type=int,
        default=0,
        metavar="N",
        help="also run the model-randomisation sanity check (App. B.7) on the first N test "
        "images (default 0: off)",
    )
    parser.set_defaults(func=run)


def check_arguments(args) -> tuple[str, ...]:
    """Every user mistake as one ``ValueError`` before any work starts."""
    for name, minimum in (
        ("n", 1),
        ("batch_size", 1),
        ("seed", 0),
        ("threads", 1),
        ("search_steps", 1),
        ("sanity", 0),
    ):
        value = getattr(args, name)
        if value is not None and value < minimum:
            flag = "--num-images/--n" if name == "n" else f"--{name.replace('_', '-')}"
            raise ValueError(f"{flag} must be >= {minimum}, got {value}")
    spec = get_spec(args.model)
    if spec.dataset not in BOXED_DATASETS:
        raise ValueError(
            f"model {args.model!r} is trained on {spec.dataset}, which has no ground-truth "
            f"boxes; evaluate needs one of {', '.join(BOXED_DATASETS)}"
        )
    if args.json.is_dir():
        raise ValueError(f"--json must be a file path, got the directory {args.json}")
    return parse_methods(args.methods)


def run(args) -> int:
    methods = check_arguments(args)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    from tqdm import tqdm

    bar = tqdm(total=args.n, desc=f"evaluate {args.model}", unit="img", mininterval=2.0)
    with bar:  # tqdm writes to stderr
        summary = evaluate_model(
            args.model,
            args.n,
            batch_size=args.batch_size,
            methods=methods,
            preset=args.search,
            steps=args.search_steps,
            settings=Settings(agi_variant=args.agi_variant, seed=args.seed),
            device=default_device(),
            progress=bar.update,
            sanity=args.sanity,
        )
    args.json.write_text(json.dumps(summary, indent=2) + "\n")
    print(report(summary, args.model))
    if "sanity" in summary:
        print("\nModel-randomisation sanity check (App. B.7; mean Spearman ρ, lower = passes)\n")
        print(sanity_table(summary["sanity"]))
    print(f"\nwrote {args.json}")
    return 0
