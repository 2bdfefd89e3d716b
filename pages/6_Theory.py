"""Theory: why smoothing (and robustness) makes gradients point at the boundary (paper §3)."""

import numpy as np
import streamlit as st
import torch

from boundary_core.toy.er import one_layer_curve
from boundary_core.toy.smoothing import sm_bsm_curve
from ui.state import app_navigation, init, init_many, publish
from ui.toy_figures import bound_figure, er_figure, smoothing_figure
from ui.toy_state import NET, Interval, net_key, shared_value, trained, two_decimals

SIGMAS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8)


@st.cache_data(show_spinner="Er net: searching boundaries for each σ")
def bound_curve(seed: int, query: tuple):
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(3, 2, generator=generator, dtype=torch.float64)
    bias = 0.3 * torch.randn(3, generator=generator, dtype=torch.float64)
    sigmas = np.geomspace(0.03, 3.0, 12)
    return one_layer_curve(weight, bias, torch.tensor(query, dtype=torch.float64), sigmas)


@st.cache_data(show_spinner="smoothing the playground net for each σ (sampled)")
def smoothing_curve(_model, key: tuple, _queries, samples: int):
    return sm_bsm_curve(_model, _queries, SIGMAS, samples=samples)


THEORY = {  # widget key: (default, options, parse), in the URL like the other pages
    "theory_seed": (0, range(100), int),
    "theory_qx": (0.3, Interval(-1.5, 1.5), two_decimals),
    "theory_samples": (64, (32, 64, 128, 256), int),
}
SCALES = ("0.1", "0.25", "0.5", "1", "2")  # strings, as the URL holds them


def url_state() -> None:
    """Start each widget from the URL (or its default); the net comes from ``ui.toy_state``."""
    for key, (default, options, parse) in THEORY.items():
        init(key, default, options, parse)
    init_many("theory_scales", ["0.25", "0.5", "1"], SCALES)


def publish_state(net: dict) -> None:
    """This page's widgets and the net it shows, in the URL."""
    publish([*THEORY, "theory_scales"])
    for key, value in net.items():
        if st.query_params.get(key) != str(value):
            st.query_params[key] = str(value)


st.set_page_config(page_title="Theory", layout="wide")
app_navigation()
st.title("Theory: smoothing turns saliency maps into boundary normals")
url_state()
net = {key: shared_value(key) for key in NET}

st.header("1. The Er activation (Fig. 8)")
scales = st.multiselect("noise scale s", SCALES, key="theory_scales")
st.plotly_chart(er_figure(sorted(float(scale) for scale in scales)))
st.markdown(
    "Averaging a ReLU over Gaussian noise of scale s gives the smooth Er activation (App. A.2, "
    "eq. 9); the open circles are Monte Carlo averages and sit on the closed-form curves. "
    "So a smoothed one-layer net is an ordinary net with Er in place of ReLU, and its gradient "
    "Φ(u/s)·w changes slowly instead of jumping."
)

st.header("2. Theorem 3.3: the one-layer bound")
left, right = st.columns(2)
seed = left.number_input("random one-layer net (seed)", 0, 99, key="theory_seed")
qx = right.slider("query x₁", -1.5, 1.5, step=0.05, key="theory_qx")
curve = bound_curve(int(seed), (float(qx), 0.2))
st.plotly_chart(bound_figure(curve))
st.markdown(
    "For m(x) = ReLU(Wx + b) with 3 outputs, we smooth it exactly (an Er net), find its closest "
    "boundary point x′ by the fast search, and plot how far the saliency map at x is from the "
    "one at x′, next to the paper's bound λ(σ) (eq. 19). The bound falls as σ grows, and the "
    "measured gap stays below it: more smoothing, saliency map closer to the boundary's."
)

st.header("3. ‖SM − BSM‖ against σ on the playground net (Fig. 11 in 2-D)")
key = net_key(net)
data, model = trained(*key)
samples = st.select_slider(
    "noise samples per point", THEORY["theory_samples"][1], key="theory_samples"
)
queries = data.x[:: max(1, len(data.x) // 16)].numpy()
training = key[2] + (f", ε = {key[3]:g}" if key[2] == "adversarial" else "")
st.caption(
    f"net: {key[0]}, widths {key[1]}, {training} training, seed {key[4]}, fully trained "
    "(set on the playground page)"
)
st.plotly_chart(smoothing_figure(smoothing_curve(model, (*key, len(queries)), queries, samples)))
st.markdown(
    f"For {len(queries)} training points we smooth the net with Gaussian noise σ (sampled: a "
    "fixed set of noise draws, as in the paper's App. B.8), search the smoothed net's closest "
    "boundary point, and compare the smoothed saliency map at x with the one at x′. "
    "As σ grows the two draw together, the 2-D version of the paper's Fig. 11 on ResNet-50."
)
publish_state(net)
