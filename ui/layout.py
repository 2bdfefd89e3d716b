"""Layout helpers of the pages: tiles in reading order, a phone layout, short glossaries.

Streamlit stacks ``st.columns`` below 640 px, column by column. A grid made of one
``st.columns`` row per row of tiles therefore stacks in reading order; the CSS below keeps two
tiles side by side on a phone and lets wide tables scroll instead of being cut off.
"""

import streamlit as st

from boundary_core.methods import METHODS, label
from boundary_core.metrics import METRICS

TILES = "tiles"  # container key: Streamlit gives it the CSS class ``st-key-tiles``
PHONE_CSS = """<style>
@media (max-width: 640px) {
  [class*="st-key-tiles"] [data-testid="stHorizontalBlock"] {
    flex-wrap: wrap !important; gap: 0.5rem !important;
  }
  [class*="st-key-tiles"] [data-testid="stColumn"] {
    width: calc(50% - 0.25rem) !important; flex: 1 1 calc(50% - 0.25rem) !important;
    min-width: calc(50% - 0.25rem) !important;
  }
}
[data-testid="stMarkdownContainer"] table { display: block; overflow-x: auto; max-width: 100%; }
</style>"""
PERTURBATION = (
    "x′ − x: the change the search made, amplified so the largest change reaches black or "
    "white (mid-grey = unchanged)."
)
SEARCH_JARGON = (
    "- **ddn** (the fast search's attack): decoupled direction and norm, which shrinks the "
    "perturbation while keeping the prediction changed, then bisects to the boundary; "
    "**ddn-free** is its run that heads for whichever other class is strongest along the way "
    "(the others each aim at one class); **ddn-second** is one more such run, kept off the "
    "classes already aimed at, for images where the first runs found the boundary much closer "
    "than the first-order estimate said.\n"
    "- **pgd, cw, apgd-ce, apgd-dlr** (the paper preset's attacks): projected gradient descent, "
    "Carlini–Wagner, AutoPGD with the cross-entropy loss and with the difference-of-logits-ratio "
    "loss; each image keeps the closest x′ any of them found.\n"
    "- **training unknown**: the publisher of the weights does not say how the model was trained."
)
BOUNDARY_POINT = "x′: the closest point across the decision boundary that the search found."


def phone_layout() -> None:
    """Two tiles a row and scrolling tables on narrow screens (call once per page)."""
    st.html(PHONE_CSS)


def tile_cells(count: int, columns: int, key: str = TILES) -> list:
    """``count`` empty cells, ``columns`` a row, created row by row (reading order on a phone)."""
    cells = []
    with st.container(key=key):
        for start in range(0, count, columns):
            row = st.columns(columns)
            cells += [column.empty() for column in row[: min(columns, count - start)]]
    return cells


def method_glossary(methods) -> str:
    """One line per method: what it computes, its baseline and what red and blue mean."""
    lines = [f"- **{label(m)}**: {METHODS[m].description}" for m in methods if m in METHODS]
    lines += [f"- {BOUNDARY_POINT}", f"- {PERTURBATION}", SEARCH_JARGON]
    return "\n".join(lines)


def metric_line(name: str) -> str:
    """``Label``: its definition; which direction is better."""
    metric = METRICS[name]
    better = "higher is better" if metric.higher_is_better else "lower is better"
    return f"**{metric.label}** ({better}): {metric.definition}"


def metric_glossary(names=tuple(METRICS)) -> str:
    return "\n".join(f"- {metric_line(name)}" for name in names)
