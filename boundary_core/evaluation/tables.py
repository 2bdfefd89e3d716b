"""Markdown tables from ``evaluate`` summaries, next to the paper's numbers (Tables 1, 2, 3, 5).

Pure string building on the JSON dicts, so the CLI, the benchmark and the README share one
rendering. Paper numbers are copied from Wang et al. 2022 (ImageNet, ResNet-50) for comparison.
Method, metric and pair labels come from the core's tables (``methods``, ``metrics``).
"""

from boundary_core.methods import ALIGNMENT_PAIRS
from boundary_core.methods import label as method_label
from boundary_core.metrics import LOCALIZATION_METRICS, METRICS

METRIC_LABELS = {name: METRICS[name].label for name in LOCALIZATION_METRICS}

# Table 3 (ImageNet, 1500 images): standard and ℓ2 ε = 3.0 ResNet-50.
PAPER_TABLE3 = {
    "standard": {
        "loc": {
            "big": 0.38,
            "bsm": 0.33,
            "agi": 0.33,
            "sm": 0.33,
            "gxi": 0.35,
            "sg": 0.34,
            "ig_black": 0.34,
            "deeplift": 0.34,
        },
        "eg": {
            "big": 0.54,
            "bsm": 0.47,
            "agi": 0.48,
            "sm": 0.47,
            "gxi": 0.46,
            "sg": 0.55,
            "ig_black": 0.50,
            "deeplift": 0.49,
        },
        "pp": {
            "big": 0.87,
            "bsm": 0.50,
            "agi": 0.58,
            "sm": 0.50,
            "gxi": 0.50,
            "sg": 0.50,
            "ig_black": 0.51,
            "deeplift": 0.53,
        },
        "con": {
            "big": 4.35,
            "bsm": 3.88,
            "agi": 4.01,
            "sm": 3.92,
            "gxi": 3.94,
            "sg": 4.06,
            "ig_black": 3.97,
            "deeplift": 3.93,
        },
    },
    "robust": {
        "loc": {
            "big": 0.39,
            "bsm": 0.33,
            "agi": 0.39,
            "sm": 0.33,
            "gxi": 0.33,
            "sg": 0.34,
            "ig_black": 0.33,
            "deeplift": 0.33,
        },
        "eg": {
            "big": 0.74,
            "bsm": 0.60,
            "agi": 0.64,
            "sm": 0.60,
            "gxi": 0.63,
            "sg": 0.62,
            "ig_black": 0.65,
            "deeplift": 0.64,
        },
        "pp": {
            "big": 0.92,
            "bsm": 0.50,
            "agi": 0.88,
            "sm": 0.50,
            "gxi": 0.55,
            "sg": 0.51,
            "ig_black": 0.65,
            "deeplift": 0.77,
        },
        "con": {
            "big": 5.03,
            "bsm": 4.12,
            "agi": 4.32,
            "sm": 4.10,
            "gxi": 4.25,
            "sg": 4.23,
            "ig_black": 4.37,
            "deeplift": 4.34,
        },
    },
}
# Table 1: raw ℓ2 distances; CIFAR-10 (standard, ℓ2 0.5) and ImageNet (standard, ℓ2 3.0).
PAPER_TABLE1 = {
    "sm_bsm": {
        "cifar_standard": 59.96,
        "cifar_robust": 1.23,
        "imagenet_standard": 8.48,
        "imagenet_robust": 0.41,
    },
    "ig_agi": {
        "cifar_standard": 28.20,
        "cifar_robust": 1.43,
        "imagenet_standard": 13.52,
        "imagenet_robust": 0.36,
    },
    "ig_big": {
        "cifar_standard": 31.22,
        "cifar_robust": 2.73,
        "imagenet_standard": 17.07,
        "imagenet_robust": 0.69,
    },
}


def _number(value, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _mean(summary: dict, method: str, metric: str):
    return summary["metrics"].get(method, {}).get(metric, {}).get("mean")


def table3(summary: dict, paper: str | None = None) -> str:
    """Loc/EG/PP/Con means per method (best in bold); ``paper`` adds that model's paper row."""
    methods = list(summary["metrics"])
    lines = [
        "| metric | " + " | ".join(method_label(m) for m in methods) + " |",
        "|---|" + "---:|" * len(methods),
    ]
    for metric, label in METRIC_LABELS.items():
        values = [_mean(summary, m, metric) for m in methods]
        best = max((v for v in values if v is not None), default=None)
        cells = [f"**{_number(v)}**" if v is not None and v == best else _number(v) for v in values]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
        if paper:
            reference = PAPER_TABLE3[paper][metric]
            cells = [_number(reference.get(m)) for m in methods]
            lines.append(f"| _{label} paper_ | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table1(summaries: dict[str, dict]) -> str:
    """Alignment per pair for each named summary: mean raw ℓ2 (median) and mean 1 − cos."""
    names = list(summaries)
    head = " | ".join(f"{n} ℓ2 mean (median) | {n} 1−cos" for n in names)
    lines = [f"| pair | {head} |", "|---|" + "---:|" * (2 * len(names))]
    for pair, pair_label in ((p.name, p.label) for p in ALIGNMENT_PAIRS.values()):
        cells = []
        for name in names:
            l2 = summaries[name]["alignment"].get(f"{pair}_l2") or {}
            cosine = summaries[name]["alignment"].get(f"{pair}_cosine") or {}
            cells.append(f"{_number(l2.get('mean'))} ({_number(l2.get('median'))})")
            cells.append(_number(cosine.get("mean"), 3))
        lines.append(f"| {pair_label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table2(summary: dict, key: str = "correlation") -> str:
    """Pearson r of −‖X − Y‖ with X's Loc/EG/PP/Con (X = SM for SM–BSM, IG otherwise)."""
    lines = ["| r | " + " | ".join(METRIC_LABELS.values()) + " |", "|---|" + "---:|" * 4]
    for pair, pair_label in ((p.name, p.label) for p in ALIGNMENT_PAIRS.values()):
        if pair not in summary[key]:  # a pair added after this summary was written
            continue
        row = summary[key][pair]
        lines.append(
            f"| {pair_label} | " + " | ".join(_number(row[m]) for m in METRIC_LABELS) + " |"
        )
    return "\n".join(lines)


def gt_loc_table(summary: dict, percentiles=(50, 70, 80, 85, 90, 95)) -> str:
    """GT-Loc (fraction of images with IoU > 0.5) at a few percentiles, plain | blurred σ = 3,
    and each curve's best percentile."""
    lines = [
        "| method | "
        + " | ".join(f"q={q}" for q in percentiles)
        + " | best (q) | blurred: "
        + " | ".join(f"q={q}" for q in percentiles)
        + " | blurred best (q) |",
        "|---|" + "---:|" * (2 * len(percentiles) + 2),
    ]
    for method, entry in summary["metrics"].items():
        cells = []
        for key in ("gt_loc_curve", "gt_loc_curve_blur"):
            curve = entry[key]
            at = dict(zip(curve["percentiles"], curve["gt_loc"], strict=True))
            cells += [_number(at.get(float(q))) for q in percentiles]
            best_q = curve["best_percentile"]
            cells.append(f"{_number(curve['best'])} ({'–' if best_q is None else int(best_q)})")
        lines.append(f"| {method_label(method)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table5(summaries: dict[str, dict]) -> str:
    """Boundary search per summary: success, ℓ2 distance (median, mean), gradients per image."""
    lines = [
        "| model | images evaluated (skipped) | success | median ℓ2 | mean ℓ2 | gradients |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, summary in summaries.items():
        b = summary["boundary"]
        lines.append(
            f"| {name} | {summary['n_evaluated']} ({summary['n_skipped_misclassified']}) | "
            f"{_number(b['success'] and 100 * b['success'], 1)}% | "
            f"{_number(b['distance_median'], 3)} | {_number(b['distance_mean'], 3)} | "
            f"{_number(b['gradient_evals_mean'], 1)} |"
        )
    return "\n".join(lines)


def report(summary: dict, name: str = "model") -> str:
    """Everything for one model: what the CLI prints."""
    seconds = summary["seconds"].get("total")
    return "\n\n".join(
        [
            f"{name}: {summary['n_evaluated']} of {summary['n_images']} images evaluated "
            f"({summary['n_skipped_misclassified']} misclassified, skipped); search preset "
            f"{summary['search']['preset']}; {_number(seconds, 1)} s",
            "Localization (Table 3; means, higher is better)\n\n" + table3(summary),
            "GT-Loc (Fig. 5/6, 13/14)\n\n" + gt_loc_table(summary),
            "Alignment (Table 1; lower is closer)\n\n" + table1({name: summary}),
            "Alignment vs localization (Table 2)\n\n" + table2(summary),
            "Boundary search (Table 5)\n\n" + table5({name: summary}),
        ]
    )


def table1_comparison(standard: dict, robust: dict) -> str:
    """Table 1 for a standard and a robust model, their ratio, and the paper's raw ℓ2 numbers."""
    lines = [
        "| pair | standard ℓ2 | robust ℓ2 | standard/robust | standard 1−cos | robust 1−cos "
        "| paper CIFAR std / robust | paper ImageNet std / robust |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for pair in PAPER_TABLE1:  # the paper's Table 1 pairs, beside its numbers
        pair_label = ALIGNMENT_PAIRS[pair].label
        mean = {}
        for name, summary in (("standard", standard), ("robust", robust)):
            for kind in ("l2", "cosine"):
                mean[name, kind] = (summary["alignment"].get(f"{pair}_{kind}") or {}).get("mean")
        ratio = (
            mean["standard", "l2"] / mean["robust", "l2"]
            if mean["standard", "l2"] is not None and mean["robust", "l2"]
            else None
        )
        paper = PAPER_TABLE1[pair]
        lines.append(
            f"| {pair_label} | {_number(mean['standard', 'l2'])} | "
            f"{_number(mean['robust', 'l2'])} | "
            f"{_number(ratio, 1)}× | {_number(mean['standard', 'cosine'], 3)} | "
            f"{_number(mean['robust', 'cosine'], 3)} | {paper['cifar_standard']} / "
            f"{paper['cifar_robust']} | {paper['imagenet_standard']} / {paper['imagenet_robust']} |"
        )
    return "\n".join(lines)


def paper_comparison(standard: dict, robust: dict) -> str:
    """Every table for a standard and a robust model next to the paper (README, BENCHMARKS)."""
    names = {standard["model"]: standard, robust["model"]: robust}
    parts = [
        "**Boundary search (Table 5)**\n\n" + table5(names),
        "**Alignment (Table 1; means over images, lower = more aligned)**\n\n"
        + table1_comparison(standard, robust),
    ]
    for summary, paper in ((standard, "standard"), (robust, "robust")):
        parts.append(
            f"**Localization, `{summary['model']}` (Table 3; means, higher is better; italic "
            f"rows: paper, ImageNet ResNet-50 {paper})**\n\n" + table3(summary, paper)
        )
    for summary in (standard, robust):
        parts.append(
            f"**GT-Loc, `{summary['model']}` (Fig. 5/6; fraction of images with IoU > 0.5 at "
            f"threshold percentile q)**\n\n" + gt_loc_table(summary)
        )
    for summary in (standard, robust):
        parts.append(
            f"**Alignment vs localization, `{summary['model']}` (Table 2; Pearson r of "
            f"−‖X−Y‖ with X's score; paper, standard ImageNet: SM–BSM 0.40/0.46/−0.19/0.07, "
            f"IG–AGI 0.24/0.25/0.05/−0.03, IG–BIG 0.35/0.30/0.20/−0.03)**\n\n" + table2(summary)
        )
    return "\n\n".join(parts)


def sanity_table(sanity: dict) -> str:
    """Mean Spearman ρ per method (rows) after each randomisation stage (columns)."""
    stages = next((v["randomized"] for v in sanity.values() if "randomized" in v), [])
    lines = [
        "| method | " + " | ".join(f"{n} params" for n in stages) + " |",
        "|---|" + "---:|" * len(stages),
    ]
    for method, entry in sanity.items():
        cells = [_number(rho) for rho in entry["mean_rho"]] if "mean_rho" in entry else []
        cells = cells or [entry.get("skipped", "–")] + [""] * (len(stages) - 1)
        lines.append(f"| {method_label(method)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
