"""The Evaluate page's pieces: shipped ``evaluate`` results, GT-Loc curves, and a live run."""

import json
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from boundary_core.device import default_device
from boundary_core.evaluation import evaluate_model
from boundary_core.evaluation.tables import (
    gt_loc_table,
    sanity_table,
    table1_comparison,
    table3,
    table5,
)
from boundary_core.methods import label
from boundary_core.models import shipped_pair
from boundary_core.paths import RESULTS_DIR
from ui.compare import alignment_sentences
from ui.layout import SEARCH_JARGON, metric_glossary

SHIPPED = shipped_pair()  # (standard, robust), from the registry
PAPER_ROW = dict(zip(SHIPPED, ("standard", "robust"), strict=True))  # which paper row to show


def load_summary(name: str, folder: Path | None = None) -> dict | None:
    """The shipped ``evaluate`` JSON of a model (in ``RESULTS_DIR`` unless ``folder``), or None
    if it is absent or unreadable."""
    path = (folder or RESULTS_DIR) / f"evaluate-{name}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def gt_loc_figure(summary: dict, blurred: bool = False) -> go.Figure:
    """GT-Loc (fraction of images whose highlighted box has IoU > 0.5) against the threshold
    percentile, one line per method (paper Fig. 5/6, 13/14)."""
    key = "gt_loc_curve_blur" if blurred else "gt_loc_curve"
    figure = go.Figure()
    for method, entry in summary["metrics"].items():
        curve = entry.get(key)
        if not curve:
            continue
        width = 4 if method == "big" else 2
        figure.add_scatter(
            x=curve["percentiles"],
            y=curve["gt_loc"],
            mode="lines+markers",
            name=label(method),
            line=dict(width=width),
        )
    figure.update_layout(
        height=340,
        margin=dict(l=10, r=10, t=30, b=10),
        xaxis_title="threshold percentile q",
        yaxis_title="GT-Loc",
        yaxis_range=[0, 1],
        legend=dict(orientation="h", y=-0.25),
        title=f"{summary['model']}{' (blur σ = 3)' if blurred else ''}",
    )
    return figure


def alignment_means(summaries: dict[str, dict]) -> dict[str, dict]:
    """``model -> {"<pair>_<kind>": mean}`` from ``evaluate`` summaries (None where absent)."""
    return {
        name: {
            key: (entry or {}).get("mean") if isinstance(entry, dict) else None
            for key, entry in summary.get("alignment", {}).items()
        }
        for name, summary in summaries.items()
    }


def glossary() -> None:
    """One sentence per metric and which direction is better, and the search jargon."""
    with st.expander("What the metrics and names mean"):
        st.markdown(metric_glossary() + "\n" + SEARCH_JARGON)


def run_facts(summary: dict) -> str:
    seconds = summary.get("seconds", {}).get("total")
    return (
        f"{summary['n_evaluated']} of {summary['n_images']} test images evaluated "
        f"({summary['n_skipped_misclassified']} misclassified, skipped); search "
        f"`{summary['search']['preset']}`; {summary.get('device', '?')}"
        + (f"; {seconds:.0f} s" if seconds else "")
    )


def shipped_view(summaries: dict[str, dict], blurred: bool) -> None:
    """Tables 5, 1 and 3 and the GT-Loc curves for the shipped results that exist."""
    for name, summary in summaries.items():
        st.caption(f"`{name}`: {run_facts(summary)}")
    st.markdown("**Boundary search (Table 5)**\n\n" + table5(summaries))
    if len(summaries) == 2:
        st.markdown(
            "**Alignment (Table 1; lower = closer to the boundary version)**\n\n"
            + table1_comparison(*summaries.values())
        )
        st.markdown(
            "**What these numbers show over the test images** (means)\n\n"
            + alignment_sentences(alignment_means(summaries), "over these test images")
        )
    for name, summary in summaries.items():
        title = (
            f"**Localization, `{name}`** (Table 3; means, higher is better; italic rows: "
            "the paper's ImageNet ResNet-50)"
        )
        st.markdown(title + "\n\n" + table3(summary, PAPER_ROW.get(name)))
        if "sanity" in summary:
            st.markdown(
                f"**Sanity check, `{name}`** (App. B.7: mean Spearman ρ of each map with the "
                f"trained model's as parameters are randomised top down, over "
                f"{summary['sanity_images']} images; falling towards 0 = the map depends on "
                "the weights, as it should)\n\n" + sanity_table(summary["sanity"])
            )
    st.markdown(
        "**GT-Loc** (Fig. 5/6: fraction of images whose highlighted region's box has IoU "
        "> 0.5 with the true box, against the threshold percentile)"
    )
    columns = st.columns(len(summaries))
    for column, (name, summary) in zip(columns, summaries.items(), strict=True):
        column.plotly_chart(gt_loc_figure(summary, blurred), width="stretch", key=f"gt_{name}")


@st.cache_data(show_spinner=False, max_entries=16)
def live_summary(model: str, n: int, preset: str, _progress=None) -> dict:
    """``evaluate`` on the first ``n`` test images (cached per model, n and preset)."""
    return evaluate_model(
        model, n, batch_size=min(n, 4), preset=preset, device=default_device(), progress=_progress
    )


def live_view(summary: dict, blurred: bool) -> None:
    st.caption(run_facts(summary))
    st.markdown("**Localization (means; higher is better)**\n\n" + table3(summary))
    left, right = st.columns(2)
    left.plotly_chart(gt_loc_figure(summary, blurred), width="stretch", key="gt_live")
    right.markdown("**Boundary search**\n\n" + table5({summary["model"]: summary}))
    with st.expander("GT-Loc table"):
        st.markdown(gt_loc_table(summary))
