"""``python -m boundary_core evaluate``: the paper's tables on a model's boxed test split.

    python -m boundary_core evaluate --model shapes-robust --num-images 500 --json out.json \
        [--methods sm,big ...] [--search fast|paper] [--batch-size 16] [--seed 0] [--threads 1]

Prints markdown tables on stdout, a progress bar on stderr, and writes the JSON summary
(``boundary_core.evaluation.summary`` lists its keys). Per-image scores go to ``OUT.shards/``, one
file per batch; a run stopped midway and started again with the same arguments resumes there.
Over several processes, GPUs or machines (``evaluation.distributed``):

    torchrun --standalone --nproc_per_node=2 -m boundary_core evaluate --model shapes-standard \
        --num-images 8 --json out.json

(``--n`` is ``--num-images`` for one process; torchrun's parser refuses it as ambiguous.)
"""

import json
import os
from pathlib import Path

import torch

from boundary_core.checks import require_int
from boundary_core.cli import command_help
from boundary_core.cli.arguments import add_methods_argument
from boundary_core.evaluation.data import (
    EVALUATION_DATA,
    BoxedData,
    imagenet_val_data,
    shapes_data,
)
from boundary_core.evaluation.distributed import (
    evaluate_sharded,
    process_group,
    rank_batches,
    world_from_environment,
)
from boundary_core.evaluation.shards import shard_directory
from boundary_core.evaluation.tables import report, sanity_table
from boundary_core.limits import MAX_SEARCH_STEPS, MAX_SEED
from boundary_core.methods import Settings, parse_methods
from boundary_core.models import get_spec
from boundary_core.search import PRESETS


def register(subparsers) -> None:
    parser = subparsers.add_parser("evaluate", help=command_help("evaluate"))
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
    add_methods_argument(parser)
    parser.add_argument(
        "--data",
        choices=EVALUATION_DATA,
        default="shapes",
        help="shapes: the shapes test split (default, shapes models); imagenet-val: ILSVRC2012 "
        "validation JPEGs with their VOC XML boxes under --root (ImageNet models)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        metavar="DIR",
        help="for --data imagenet-val: the folder with the validation JPEGs, one XML per image "
        "and the devkit's LOC_synset_mapping.txt",
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
    for name, minimum, maximum in (
        ("n", 1, None),
        ("batch_size", 1, None),
        ("seed", 0, MAX_SEED),
        ("threads", 1, None),
        ("search_steps", 1, MAX_SEARCH_STEPS),
        ("sanity", 0, None),
    ):
        value = getattr(args, name)
        if value is not None:
            flag = "--num-images/--n" if name == "n" else f"--{name.replace('_', '-')}"
            require_int(flag, value, minimum, maximum)
    spec = get_spec(args.model)
    if spec.dataset not in EVALUATION_DATA.values():
        raise ValueError(
            f"model {args.model!r} is trained on {spec.dataset}, which has no ground-truth "
            f"boxes; evaluate needs one of {', '.join(EVALUATION_DATA.values())}"
        )
    if spec.dataset != EVALUATION_DATA[args.data]:
        raise ValueError(
            f"--data {args.data} needs a model trained on {EVALUATION_DATA[args.data]}; "
            f"{args.model!r} is trained on {spec.dataset}"
        )
    if (args.root is None) != (args.data == "shapes"):
        raise ValueError("--root DIR goes with --data imagenet-val (and only with it)")
    if args.json.is_dir():
        raise ValueError(f"--json must be a file path, got the directory {args.json}")
    return parse_methods(args.methods)


def boxed_data(args) -> BoxedData:
    """The images ``--data`` names, as ``--model`` sees them."""
    if args.data == "shapes":
        return shapes_data(args.n)
    spec = get_spec(args.model)
    return imagenet_val_data(args.root, args.n, spec.input_size[-1], spec.crop_fraction)


def write_json(path: Path, document: dict) -> None:
    """Write ``document`` to ``path`` whole or not at all (temp file + rename)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(document, indent=2) + "\n")
    os.replace(temporary, path)


def run(args) -> int:
    methods = check_arguments(args)
    world = world_from_environment()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    from tqdm import tqdm

    data = boxed_data(args)
    mine = len(rank_batches(args.n, args.batch_size, world))  # batches, an upper bound on images
    label = f"evaluate {args.model}" + (
        f" [rank {world.rank}/{world.size}]" if world.launched else ""
    )
    bar = tqdm(total=min(args.n, mine * args.batch_size), desc=label, unit="img", mininterval=2.0)
    with bar, process_group(world):  # tqdm writes to stderr
        summary = evaluate_sharded(
            args.model,
            data,
            shard_directory(args.json),
            batch_size=args.batch_size,
            methods=methods,
            preset=args.search,
            steps=args.search_steps,
            settings=Settings(agi_variant=args.agi_variant, seed=args.seed),
            world=world,
            sanity=args.sanity,
            progress=bar.update,
        )
    if summary is None:  # a rank other than 0: its shards are written, rank 0 merges
        return 0
    write_json(args.json, summary)
    print(report(summary, args.model))
    if "sanity" in summary:
        print("\nModel-randomisation sanity check (App. B.7; mean Spearman ρ, lower = passes)\n")
        print(sanity_table(summary["sanity"]))
    print(f"\nwrote {args.json} (per-image scores in {summary['shards']['directory']})")
    return 0
