"""``python -m boundary_core explain``: every attribution for one image, as JSON, NPY and PNG."""

import json
from pathlib import Path

import numpy as np

from boundary_core.cli import command_help
from boundary_core.cli.arguments import add_methods_argument
from boundary_core.data.images import load_image, quiet_native_stderr
from boundary_core.device import apply_thread_policy, default_device
from boundary_core.explain import explain_image
from boundary_core.methods import Settings, parse_methods
from boundary_core.models import get_spec, load_model
from boundary_core.search import PRESETS
from boundary_core.search.find import check_search_arguments


def register(subparsers) -> None:
    parser = subparsers.add_parser("explain", help=command_help("explain"))
    parser.add_argument("--model", required=True, help="registered model name (see `models`)")
    parser.add_argument("--image", required=True, help="path to an image file")
    parser.add_argument("--search", choices=PRESETS, default="fast", help="boundary-search preset")
    add_methods_argument(parser)
    parser.add_argument(
        "--search-steps",
        type=int,
        default=None,
        metavar="N",
        help="iterations per attack (fast: DDN steps, default 50; paper: each attack, default 100)",
    )
    parser.add_argument("--target", type=int, default=None, help="class index (default: predicted)")
    parser.add_argument(
        "--agi-variant", choices=("as_described", "as_coded"), default="as_described"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch CPU threads (default: $BAE_TORCH_THREADS or 1, as the app)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="write NPY arrays and PNG heatmaps here"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args) -> int:
    methods = parse_methods(args.methods)
    check_search_arguments(steps=args.search_steps, restarts=None, seed=args.seed)
    apply_thread_policy(args.threads)
    spec = get_spec(args.model)
    device = default_device()
    with quiet_native_stderr():  # libtiff's own lines: a refused image is one line
        x = load_image(args.image, spec.input_size[1], spec.crop_fraction).to(device)
    model = load_model(args.model, device)
    settings = Settings(agi_variant=args.agi_variant, seed=args.seed)
    explanation = explain_image(
        model,
        x,
        spec.class_names,
        methods=methods,
        preset=args.search,
        target=args.target,
        settings=settings,
        search_steps=args.search_steps,
    )
    summary = {"model": args.model, "image": str(args.image), "device": device.type}
    summary |= explanation.summary()
    if args.out is not None:
        summary["files"] = write_outputs(explanation, args.out)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print_summary(summary)
    return 0


def write_outputs(explanation, out: Path) -> list[str]:
    """``input.npy``, ``boundary.npy`` (if found), ``<method>.npy`` and ``<method>.png``."""
    out.mkdir(parents=True, exist_ok=True)
    image = explanation.x.cpu().numpy().astype(np.float32)  # (C, H, W)
    written = {"input.npy": image}
    if bool(explanation.boundary.found[0]):
        written["boundary.npy"] = explanation.boundary.point[0].cpu().numpy().astype(np.float32)
    for name, values in explanation.attributions.maps.items():
        written[f"{name}.npy"] = values[0].cpu().numpy().astype(np.float32)
    for filename, array in written.items():
        np.save(out / filename, array)
    names = list(written)
    for name, values in explanation.attributions.maps.items():
        save_heatmap_png(out / f"{name}.png", values[0].cpu().numpy(), image)
        names.append(f"{name}.png")
    return names


def save_heatmap_png(path: Path, attribution: np.ndarray, image: np.ndarray) -> None:
    """The paper-style overlay (signed_max + blur on a fixed [−1, 1] range, the default
    blue–white–red palette: red pushes towards the class) as a PNG."""
    from PIL import Image

    from boundary_core.heatmap import paper_overlay, to_uint8

    Image.fromarray(to_uint8(paper_overlay(image, attribution))).save(path)


def print_summary(summary: dict) -> None:
    prediction, boundary = summary["prediction"], summary["boundary"]
    print(f"prediction: {prediction['label']} ({prediction['probability']:.3f})")
    if boundary["found"]:
        print(
            f"boundary:   {boundary['label']} at ℓ2 {boundary['distance_l2']:.4f} "
            f"({boundary['method']}, {boundary['gradient_evals']} gradients)"
        )
    else:
        print("boundary:   not found")
    for name, info in summary["methods"].items():
        delta = info.get("completeness_delta")
        extra = f"  completeness delta {delta:+.4f}" if delta is not None else ""
        print(f"  {name:<10} {info['seconds']:.2f} s{extra}")
    for name, reason in summary["unavailable"].items():
        print(f"  {name:<10} unavailable: {reason}")
