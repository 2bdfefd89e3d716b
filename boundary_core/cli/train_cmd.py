"""``python -m boundary_core train``: train a shapes model from scratch, or (re)measure its card.

    python -m boundary_core train --model shapes-standard [--epochs N] [--threads T] [--out PATH]
    python -m boundary_core train --model shapes-robust --card-only   # robust acc + distances

Training writes ``<out>.safetensors`` and ``<out>.card.json`` (clean accuracy); ``--card-only``
loads existing weights and adds robust accuracy (paper preset) and median boundary distance
(fast preset) to the card, keeping what the training step recorded.
"""

import time
from pathlib import Path

import torch

from boundary_core.cli import command_help
from boundary_core.models.shapes_net import load_shapes_net, save_shapes_net
from boundary_core.paths import MODELS_DIR
from boundary_core.training import RECIPES, recipe, train_shapes_net
from boundary_core.training_card import (
    card_path,
    clean_card,
    read_card_beside,
    robust_card,
    write_card,
)


def register(subparsers) -> None:
    parser = subparsers.add_parser("train", help=command_help("train"))
    parser.add_argument("--model", required=True, choices=sorted(RECIPES))
    parser.add_argument("--epochs", type=int, help="epochs (default: the recipe's)")
    parser.add_argument("--samples-per-epoch", type=int, help="fresh images per epoch")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--eps", type=float, help="ℓ2 PGD radius, pixel units (robust only)")
    parser.add_argument("--eps-warmup", type=float, help="fraction of training ramping ε up")
    parser.add_argument("--lr", type=float, help="peak learning rate (one-cycle)")
    parser.add_argument("--pgd-steps", type=int, help="PGD steps per batch (robust only)")
    parser.add_argument(
        "--widths", type=int, nargs="+", help="ShapesNet channels per stage (default: recipe's)"
    )
    parser.add_argument("--seed", type=int, help="initialisation/PGD seed (default 0)")
    parser.add_argument("--max-batches", type=int, help="cap batches per epoch (smoke tests)")
    parser.add_argument("--init", type=Path, help="fine-tune these weights instead of scratch")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: all)")
    parser.add_argument(
        "--no-prefetch",
        dest="prefetch",
        action="store_false",
        help="paint training images in the training process (default: one worker process)",
    )
    parser.add_argument(
        "--no-channels-last",
        dest="channels_last",
        action="store_false",
        help="train in the NCHW layout (default: channels-last, about 20%% faster on CPU)",
    )
    parser.add_argument("--out", type=Path, help="weights path (default assets/models/NAME)")
    parser.add_argument("--card-only", action="store_true", help="measure an existing model")
    parser.add_argument("--test-n", type=int, default=2000, help="images for clean accuracy")
    parser.add_argument("--robust-n", type=int, default=100, help="images for the paper search")
    parser.add_argument("--boundary-n", type=int, default=500, help="images for the fast search")
    parser.set_defaults(func=run)


def output_weights_path(args) -> Path:
    """Where this run writes its weights: ``--out``, by default the catalogue's file for NAME."""
    out = args.out or MODELS_DIR / f"{args.model}.safetensors"
    if out.suffix != ".safetensors":
        raise ValueError(f"--out must end in .safetensors, got {out}")
    return out


def run(args) -> int:
    if args.threads is not None:
        if args.threads < 1:
            raise ValueError(f"--threads must be >= 1, got {args.threads}")
        torch.set_num_threads(args.threads)
    for name in ("test_n", "robust_n", "boundary_n"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be >= 1")
    out = output_weights_path(args)
    if args.card_only:
        return measure(args, out)
    config = recipe(
        args.model,
        epochs=args.epochs,
        samples_per_epoch=args.samples_per_epoch,
        batch_size=args.batch_size,
        eps=args.eps,
        pgd_steps=args.pgd_steps,
        seed=args.seed,
        eps_warmup=args.eps_warmup,
        lr=args.lr,
        widths=tuple(args.widths) if args.widths else None,
        max_batches=args.max_batches,
        init=str(args.init) if args.init else None,
    )
    if args.init is not None and not args.init.exists():
        raise ValueError(f"--init weights not found: {args.init}")
    print(f"training {args.model}: {config.training}, {torch.get_num_threads()} threads")
    model, record = train_shapes_net(
        config,
        log=lambda line: print(line, flush=True),
        prefetch=args.prefetch,
        channels_last=args.channels_last,
    )
    model.eval()
    save_shapes_net(model, out)
    card = {"name": args.model, "training": config.training, "train": record}
    card.update(clean_card(model, args.test_n))
    write_card(out, card)
    print(f"clean accuracy {card['clean_accuracy']:.4f}  ->  {out}, {card_path(out)}")
    return 0


def measure(args, out: Path) -> int:
    model = load_shapes_net(out).eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    card = read_card_beside(out) | {"name": args.model}
    start = time.perf_counter()
    card.update(clean_card(model, args.test_n))
    print(
        f"clean accuracy {card['clean_accuracy']:.4f} (cue-conflict "
        f"{card['cue_conflict_accuracy']:.4f})",
        flush=True,
    )
    card.update(
        robust_card(
            model,
            robust_n=args.robust_n,
            boundary_n=args.boundary_n,
            log=lambda line: print(line, flush=True),
        )
    )
    card["card_threads"] = torch.get_num_threads()
    write_card(out, card)
    print(
        f"robust accuracy {card['robust_accuracy']}  median boundary distance "
        f"{card['boundary_distance_median']:.4f}  ({time.perf_counter() - start:.0f} s)"
    )
    return 0
