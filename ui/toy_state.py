"""The trained toy net both toy pages share (one cache, so Theory reuses the Playground's net)."""

import streamlit as st

from boundary_core.toy import ToyTrainConfig, make_data, train_mlp

WIDTHS = {"8, 8": (8, 8), "16, 16": (16, 16), "32, 32": (32, 32), "16, 16, 16": (16, 16, 16)}


@st.cache_resource(show_spinner="training the toy net (a few seconds)")
def trained(preset: str, widths: str, mode: str, eps: float, seed: int):
    data = make_data(preset, seed=seed)
    config = ToyTrainConfig(mode=mode, eps=eps)
    return data, train_mlp(data, WIDTHS[widths], config=config, seed=seed)
