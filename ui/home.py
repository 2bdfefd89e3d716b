"""The Home page: what the tool shows, one striking example, where to go next."""

import json

import streamlit as st
from PIL import Image

from boundary_core.paths import HOME_DIR as HOME

TILE = 256  # pixels per tile in big_pair.png; tiles are TILE + GAP apart, captions underneath
GAP = 8


def pair_row(sheet: Image.Image) -> Image.Image:
    """The tiles of a ``ui.home_figure.pair_png`` sheet without their drawn captions, which are
    too small to read on a phone: the Home page writes them as text instead."""
    return sheet.crop((0, 0, sheet.width, TILE))


def pair_captions(facts: dict) -> list[str]:
    """Captions of the three tiles, from ``big_pair.json``: the label, then BIG and EG per model."""
    row = next(r for r in facts["per_image"] if r["image"] == facts["image"])
    models = [name for name in row if name != "image"]  # standard, robust (as written)
    captions = [f"input: {row[models[0]]['prediction']} (both models say so)"]
    return captions + [f"BIG, {name} (EG {row[name]['eg']:.2f})" for name in models]


PAGES = (  # page, link text, what it shows
    ("pages/1_Explain.py", "Explain", "one image, every attribution, the boundary point x′"),
    ("pages/2_Standard_vs_Robust.py", "Standard vs Robust", "the paper's Figure 3/4 + Table 1"),
    (
        "pages/3_Baselines_and_Counterfactuals.py",
        "Baselines & counterfactuals",
        "IG black vs white vs BIG; erase a region",
    ),
    ("pages/4_Evaluate.py", "Evaluate", "tables and GT-Loc curves over 500 images"),
    ("pages/5_Toy_Playground.py", "Toy playground", "a 2-D ReLU net: exact regions, boundary, x′"),
    ("pages/6_Theory.py", "Theory", "why smoothing makes saliency maps boundary normals"),
    ("pages/7_Robustness_Ladder.py", "Robustness ladder", "alignment against training ε"),
)


def example() -> None:
    """The standard/robust BIG pair: three tiles in one row (also on a phone), captions as text."""
    facts = json.loads((HOME / "big_pair.json").read_text())
    row = pair_row(Image.open(HOME / "big_pair.png").convert("RGB"))
    left, right = st.columns([3, 1])
    left.image(row, caption="Left to right: " + " · ".join(pair_captions(facts)), width="stretch")
    right.markdown(
        "**BIG on a standard and a robust model** of the same architecture, same image. "
        "The white box is the object. EG = share of positive attribution inside the box.\n\n"
        f"Of the gallery images both models classify correctly, robust BIG has the higher EG "
        f"on {facts['robust_eg_higher']}; this one was picked as the largest gap. Averages "
        "over 500 images: **Evaluate**."
    )


def where_next() -> None:
    """A link and one line per page; the boxes wrap, so a phone shows them one or two a row."""
    st.subheader("Where next")
    links = st.container(horizontal=True, gap="medium")
    for page, label, what in PAGES:
        box = links.container(width=165)  # two a row on a 390 px phone
        box.page_link(page, label=label)
        box.caption(what)


def home() -> None:
    st.title("Boundary Attribution Explorer")
    st.markdown(
        "A saliency map explains a decision through the gradient, and the gradient only points at "
        "the decision boundary when the model is smooth, as adversarially robust models are. "
        "Boundary attributions (BSM, BIG) first find the closest input across the boundary, x′, "
        "and attribute from there, so they explain standard models better too. "
        "This tool lets you see that on your own images, next to SM, IG, SmoothGrad, Grad×Input, "
        "DeepLIFT and AGI (Wang, Fredrikson & Datta, *Robust Models Are More Interpretable Because "
        "Attributions Look Normal*, ICML 2022)."
    )

    if (HOME / "big_pair.png").exists():
        example()
    where_next()
