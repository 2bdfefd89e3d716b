"""Toy playground: exact geometry speed, query latency, and search distance ÷ exact distance."""

import statistics
import time

import numpy as np

from boundary_core.toy import (
    TOY_DATASETS,
    ToyTrainConfig,
    exact_geometry,
    explain_query,
    make_data,
    search_boundary,
    train_mlp,
)
from boundary_core.toy.threads import one_thread

GEOMETRY_TARGET_S = 0.3
QUERY_TARGET_S = 0.5
RATIO_MEDIAN_TARGET = 1.01
RATIO_MAX_TARGET = 1.02  # issue 16 (was 1.10)


def add_arguments(parser) -> None:
    parser.add_argument("--queries", type=int, default=200, help="random queries for the ratio")
    parser.add_argument("--repeats", type=int, default=5, help="timing repeats (median taken)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train", default="standard", choices=("standard", "adversarial"))
    parser.add_argument(
        "--paper-queries", type=int, default=20, help="queries for the paper preset"
    )


def _timed(function, repeats: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def _widened(box, factor: float = 3.0):
    """The box scaled about its centre, so every query inside ``box`` gets a certified answer."""
    cx, cy = (box[0] + box[1]) / 2, (box[2] + box[3]) / 2
    hx, hy = factor * (box[1] - box[0]) / 2, factor * (box[3] - box[2]) / 2
    return (cx - hx, cx + hx, cy - hy, cy + hy)


def _geometry_row(name, model, data, repeats, rng):
    query = rng.uniform([data.box[0], data.box[2]], [data.box[1], data.box[3]])
    seconds, geometry = _timed(
        lambda: (g := exact_geometry(model, data.box), explain_query(model, g, query))[0], repeats
    )
    interaction, _ = _timed(
        lambda: (explain_query(model, geometry, query), search_boundary(model, [query])), repeats
    )
    return seconds, interaction, geometry


def _ratios(model, data, count, rng, paper: int) -> tuple[np.ndarray, int, np.ndarray]:
    """Search distance ÷ exact distance at ``count`` uniform queries in the preset box (fast), and
    at the first ``paper`` of them (paper preset)."""
    geometry = exact_geometry(model, _widened(data.box))
    queries = rng.uniform([data.box[0], data.box[2]], [data.box[1], data.box[3]], size=(count, 2))
    exact = [explain_query(model, geometry, q).boundary for q in queries]
    keep = [i for i, e in enumerate(exact) if e is not None and e.certified]
    searched = search_boundary(model, queries[keep])
    distances = np.array([exact[i].distance for i in keep])
    slow = search_boundary(model, queries[keep][:paper], preset="paper", box=data.box)
    return (
        searched.distance.numpy() / distances,
        len(keep),
        slow.distance.numpy() / distances[:paper],
    )


def run(args) -> str:
    rng = np.random.default_rng(args.seed)
    per_preset = -(-args.queries // len(TOY_DATASETS))
    per_preset_paper = -(-args.paper_queries // len(TOY_DATASETS))
    rows, ratios, paper_ratios, certified = [], [], [], 0
    with one_thread():
        for name in TOY_DATASETS:
            data = make_data(name, seed=args.seed)
            config = ToyTrainConfig(mode=args.train)
            train_s, model = _timed(lambda d=data, c=config: train_mlp(d, (16, 16), config=c), 1)
            seconds, interaction, geometry = _geometry_row(name, model, data, args.repeats, rng)
            ratio, kept, paper = _ratios(model, data, per_preset, rng, per_preset_paper)
            ratios.append(ratio)
            paper_ratios.append(paper)
            certified += kept
            rows.append(
                f"| {name} | {len(geometry.regions)} | {len(geometry.boundary)} | {train_s:.2f} | "
                f"{seconds * 1e3:.1f} | {interaction * 1e3:.1f} | {np.median(ratio):.5f} | "
                f"{ratio.max():.4f} |"
            )
    all_ratios = np.concatenate(ratios)
    paper = np.concatenate(paper_ratios)
    worst_geometry = max(float(r.split("|")[5]) for r in rows) / 1e3
    worst_query = max(float(r.split("|")[6]) for r in rows) / 1e3
    median, worst = float(np.median(all_ratios)), float(all_ratios.max())
    return "\n".join(
        [
            f"2×16 ReLU MLPs, {args.train} training, one per preset (seed {args.seed}); torch "
            "single-threaded. Geometry = enumerate regions + boundary + exact closest point, "
            "median of repeats. Query = exact explanation (SM, x', BSM, IG, BIG) + fast search "
            "for one query (core only; plotly drawing not included). Ratio: fast preset ÷ exact "
            f"distance over {len(all_ratios)} uniform queries in the preset box ({certified} "
            "certified: exact geometry enumerated in a box 3× wider, so no closer boundary hides "
            "outside it).",
            "",
            "| preset | regions | boundary segments | train s | geometry ms | query ms "
            "| ratio median | ratio max |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"All ratios: median {median:.5f}, 95th percentile "
            f"{np.percentile(all_ratios, 95):.4f}, max {worst:.4f}, min {all_ratios.min():.6f}, "
            f"{int((all_ratios > RATIO_MAX_TARGET).sum())} of {len(all_ratios)} above "
            f"{RATIO_MAX_TARGET}.",
            f"Paper preset (PGD ladder + CW + AutoPGD, box bounds) on {len(paper)} of those "
            f"queries, for comparison: median {np.median(paper):.5f}, max {paper.max():.4f} "
            "(no target).",
            "",
            _target(
                "exact geometry ≤ 0.3 s",
                worst_geometry <= GEOMETRY_TARGET_S,
                f"worst preset {worst_geometry * 1e3:.1f} ms",
            ),
            _target(
                "query interaction ≤ 0.5 s",
                worst_query <= QUERY_TARGET_S,
                f"worst preset {worst_query * 1e3:.1f} ms",
            ),
            _target("search ÷ exact median ≤ 1.01", median <= RATIO_MEDIAN_TARGET, f"{median:.5f}"),
            _target(
                f"search ÷ exact max ≤ {RATIO_MAX_TARGET}",
                worst <= RATIO_MAX_TARGET,
                f"{worst:.4f}",
            ),
        ]
    )


def _target(name: str, met: bool, measured: str) -> str:
    return f"- Target {name}: **{'met' if met else 'NOT met'}** ({measured})."
