"""Home page of the Boundary Attribution Explorer."""

import streamlit as st

st.set_page_config(page_title="Boundary Attribution Explorer", layout="wide")
st.title("Boundary Attribution Explorer")
st.markdown(
    """
A gradient attribution explains a decision through the decision boundary it "sees". Robust models
have smooth boundaries, so their gradients point at the nearest boundary; standard models' do not.
Boundary attributions (BSM, BIG) first find the closest point across the boundary and attribute
from there — Wang, Fredrikson & Datta, *Robust Models Are More Interpretable Because Attributions
Look Normal* (ICML 2022).

**Start with [Explain](Explain)**: pick a photo or upload one, and compare SM, IG, SmoothGrad,
Grad×Input, DeepLIFT, AGI with the boundary attributions BSM and BIG side by side.
"""
)
