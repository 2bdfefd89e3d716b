"""Boundary-search presets on the offline photo set: success, distance, gradients, wall time.

Target (issue 3): ``fast`` reaches a median ℓ2 ≤ that of ``paper`` with ≤ 1/5 of its gradient
evaluations and 100% success. Both presets run in the same process, one after the other, on the
same inputs; gradient counts and distances are deterministic, wall times are noisy.
"""

import time

from boundary_core.data.photos import photo_set
from boundary_core.models import load_model
from boundary_core.search import find_boundary
from boundary_core.search.find import FAST_STEPS
from boundary_core.training_card import cifar10_card, write_cifar10_card


def add_arguments(parser) -> None:
    parser.add_argument("--model", default="cifar10-resnet18")
    parser.add_argument("--variants", type=int, default=4, help="zoomed crops per gallery photo")
    parser.add_argument(
        "--fast-steps",
        type=int,
        nargs="+",
        default=[25, 50, 100],
        help="extra rows: the fast preset at these DDN step counts",
    )


def _row(name, result, seconds) -> dict:
    found = result.found
    distance = result.distance[found]
    return {
        "preset": name,
        "success": float(found.float().mean()),
        "median": float(distance.median()) if found.any() else float("nan"),
        "mean": float(distance.mean()) if found.any() else float("nan"),
        "grads": float(result.gradient_evals.float().mean()),
        "seconds": seconds,
        "result": result,
    }


def run(args) -> str:
    model = load_model(args.model)
    x, names = photo_set(size=32, variants=args.variants)
    rows = []
    for preset, steps in [("paper", None)] + [("fast", s) for s in args.fast_steps]:
        start = time.perf_counter()
        result = find_boundary(model, x, preset=preset, steps=steps)
        label = preset if steps is None else f"fast (DDN-{steps})"
        rows.append(_row(label, result, time.perf_counter() - start))
        print(f"  {label}: {result}", flush=True)
    if args.model == "cifar10-resnet18" and not args.no_record:
        fast = next(r for r in rows if r["preset"] == f"fast (DDN-{FAST_STEPS})")
        card = cifar10_card(
            model, x, names, fast_median=fast["median"], paper_median=rows[0]["median"]
        )
        write_cifar10_card(card)
    return _report(rows, len(x), args)


def _report(rows, count, args) -> str:
    paper = rows[0]
    lines = [
        f"Model `{args.model}`, {count} photos (gallery × {args.variants + 1} crops), 32×32, CPU.",
        "",
        "| preset | success | median ℓ2 | mean ℓ2 | gradients / image | wall s | ÷ paper |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['preset']} | {row['success']:.0%} | {row['median']:.4f} | {row['mean']:.4f} "
            f"| {row['grads']:.0f} | {row['seconds']:.1f} | {row['grads'] / paper['grads']:.3f} |"
        )
    default = next(r for r in rows if r["preset"] == f"fast (DDN-{FAST_STEPS})")
    methods = paper["result"].method
    wins = {m: methods.count(m) for m in sorted(set(methods))}
    closer = (default["result"].distance <= paper["result"].distance * 1.0001).float().mean()
    met = (
        default["median"] <= paper["median"]
        and default["grads"] <= paper["grads"] / 5
        and default["success"] == 1.0
    )
    lines += [
        "",
        f"Paper-preset winners per image: {wins}. Default fast (DDN-{FAST_STEPS}) is at least as "
        f"close as paper on {closer:.0%} of images.",
        "",
        f"Target (fast median ≤ paper median, ≤ 1/5 of its gradients, 100% success): "
        f"**{'met' if met else 'NOT met'}** — median {default['median']:.4f} vs "
        f"{paper['median']:.4f}, gradients {default['grads']:.0f} vs {paper['grads']:.0f} "
        f"({default['grads'] / paper['grads']:.3f}×), success {default['success']:.0%}.",
    ]
    return "\n".join(lines)
