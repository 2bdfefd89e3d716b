"""``python -m boundary_core toy``: train a 2-D toy net and explain one query exactly.

Prints (with ``--json``) the number of linear regions, the exact closest boundary point and its
distance, the fast boundary search's distance on the same net, the prediction, and SM, BSM,
IG and BIG as 2-vectors. ``--save-model`` writes the weights as safetensors.
"""

import json
import math
from pathlib import Path

import numpy as np

from boundary_core.checks import one_line, require_finite, require_int
from boundary_core.cli import command_help
from boundary_core.limits import MAX_SEED, TOY_MAX_LAYERS, TOY_MAX_WIDTH
from boundary_core.toy import (
    TOY_DATASETS,
    TRAININGS,
    ToyTrainConfig,
    accuracy,
    exact_geometry,
    explain_query,
    make_data,
    save_model,
    search_boundary,
    train_mlp,
)


def _floats(text: str, count: int | None, what: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"{what} must be comma-separated numbers, got {text!r}") from None
    if (count is not None and len(values) != count) or not all(map(math.isfinite, values)):
        raise ValueError(f"{what} must be {count or 'some'} finite numbers, got {text!r}")
    return values


def _hidden(text: str) -> tuple[int, ...]:
    widths = _floats(text, None, "--hidden")
    if (
        any(w < 1 or w > TOY_MAX_WIDTH or w != int(w) for w in widths)
        or len(widths) > TOY_MAX_LAYERS
    ):
        raise ValueError(
            f"--hidden must be 1 to {TOY_MAX_LAYERS} integers in [1, {TOY_MAX_WIDTH}] like "
            f"16,16, got {text!r}"
        )
    return tuple(int(w) for w in widths)


def check_arguments(args) -> None:
    """Every numeric mistake as one ``ValueError`` before any work starts."""
    require_int("--seed", args.seed, 0, MAX_SEED - 1)  # the trainer also seeds with seed + 1
    require_finite("--eps", args.eps, 0.0, strict=True)
    if args.save_model and Path(args.save_model).is_dir():
        raise ValueError(
            f"--save-model takes a file path (e.g. toy.safetensors), got the directory "
            f"{args.save_model}"
        )


def register(subparsers) -> None:
    parser = subparsers.add_parser("toy", help=command_help("toy"))
    parser.add_argument("--preset", default="moons", help=f"data: {', '.join(TOY_DATASETS)}")
    parser.add_argument("--seed", type=int, default=0, help="data, init and training seed")
    parser.add_argument("--hidden", default="16,16", help="hidden widths, e.g. 16,16")
    parser.add_argument("--train", default="standard", choices=TRAININGS)
    parser.add_argument("--eps", type=float, default=0.25, help="ℓ2 PGD radius (adversarial)")
    parser.add_argument("--query", default="0,0", help="query point X,Y")
    parser.add_argument("--baseline", default="0,0", help="IG baseline X,Y")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--save-model", metavar="PATH", help="write weights (safetensors)")
    parser.set_defaults(func=run)


def _save(model, path: Path) -> None:
    """``save_model`` with its failures (a missing folder, no permission) as one line."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_model(model, path)
    except Exception as error:  # noqa: BLE001 - SafetensorError is no OSError
        raise ValueError(f"could not write --save-model {path}: {one_line(error)}") from None


def _vector(values) -> list[float] | None:
    return None if values is None else [float(v) for v in np.asarray(values).reshape(-1)]


def summary(args) -> dict:
    """Everything the command reports, as a JSON-ready dict."""
    check_arguments(args)
    query = _floats(args.query, 2, "--query")
    baseline = _floats(args.baseline, 2, "--baseline")
    data = make_data(args.preset, seed=args.seed)
    config = ToyTrainConfig(mode=args.train, eps=args.eps)
    model = train_mlp(data, _hidden(args.hidden), config=config, seed=args.seed)
    if args.save_model:
        _save(model, Path(args.save_model))
    geometry = exact_geometry(model, data.box)
    explanation = explain_query(model, geometry, query, baseline=baseline)
    searched = search_boundary(model, [query], preset="fast")
    closest = explanation.boundary
    return {
        "preset": args.preset,
        "seed": args.seed,
        "hidden": list(_hidden(args.hidden)),
        "train": args.train,
        "train_accuracy": accuracy(model, data),
        "box": list(data.box),
        "query": list(query),
        "regions": len(geometry.regions),
        "boundary": {
            "segments": len(geometry.boundary),
            "exact_point": _vector(None if closest is None else closest.point),
            "exact_distance": None if closest is None else closest.distance,
            "normal": _vector(None if closest is None else closest.normal),
            "certified": None if closest is None else closest.certified,
            "search_point": _vector(searched.point[0]) if bool(searched.found[0]) else None,
            "search_distance": float(searched.distance[0]) if bool(searched.found[0]) else None,
            "search_method": searched.method[0],
        },
        "prediction": explanation.label,
        "class_name": data.class_names[explanation.label],
        "logits": _vector(explanation.logits),
        "sm": _vector(explanation.sm),
        "bsm": _vector(explanation.bsm),
        "baseline": list(baseline),
        "ig": _vector(explanation.ig),
        "big": _vector(explanation.big),
        "sm_bsm_distance": None if closest is None else explanation.sm_bsm_distance,
        "big_regions_crossed": 0 if explanation.big_path is None else len(explanation.big_path),
    }


def run(args) -> int:
    result = summary(args)
    if args.json:
        print(json.dumps(result, indent=2, allow_nan=False))  # NaN is not JSON: refuse it
        return 0
    boundary = result["boundary"]
    print(f"{args.preset} {result['hidden']} {args.train}: {result['regions']} linear regions")
    print(f"query {result['query']} -> class {result['prediction']} ({result['class_name']})")
    print(f"exact boundary distance {boundary['exact_distance']}")
    print(f"fast search distance    {boundary['search_distance']}")
    for name in ("sm", "bsm", "ig", "big"):
        print(f"{name.upper():>4} {result[name]}")
    return 0
