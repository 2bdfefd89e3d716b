"""The Home page: what the tool shows, one striking example, where to go next."""

import json

import streamlit as st

from boundary_core.paths import HOME_DIR as HOME


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

    figure = HOME / "big_pair.png"
    if figure.exists():
        facts = json.loads((HOME / "big_pair.json").read_text())
        left, right = st.columns([3, 1])
        left.image(str(figure), width="stretch")
        right.markdown(
            "**BIG on a standard and a robust model** of the same architecture, same image. "
            "The white box is the object. EG = share of positive attribution inside the box.\n\n"
            f"Of the gallery images both models classify correctly, robust BIG has the higher EG "
            f"on {facts['robust_eg_higher']}; this one was picked as the largest gap. Averages "
            "over 500 images: **Evaluate**."
        )

    st.subheader("Where next")
    columns = st.columns(5)
    pages = (
        ("pages/1_Explain.py", "Explain", "one image, every attribution, the boundary point x′"),
        ("pages/2_Standard_vs_Robust.py", "Standard vs Robust", "the paper's Figure 3/4 + Table 1"),
        (
            "pages/3_Baselines_and_Counterfactuals.py",
            "Baselines & counterfactuals",
            "IG black vs white vs BIG; erase a region",
        ),
        ("pages/4_Evaluate.py", "Evaluate", "tables and GT-Loc curves over 500 images"),
        ("pages/7_Robustness_Ladder.py", "Robustness ladder", "alignment against training ε"),
    )
    for column, (page, label, what) in zip(columns, pages, strict=True):
        column.page_link(page, label=label)
        column.caption(what)
    st.caption(
        "Also: the 2-D toy playground and theory pages, where regions and distances are exact."
    )
