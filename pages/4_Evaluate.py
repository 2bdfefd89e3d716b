"""Evaluate: the ``evaluate`` command's tables for both shipped models, and a small live run."""

import streamlit as st

from boundary_core.limits import REQUEST_IMAGES
from boundary_core.search import PRESETS
from ui.controls import device_caption
from ui.evaluation_view import (
    SHIPPED,
    glossary,
    live_summary,
    live_view,
    load_summary,
    shipped_view,
)
from ui.layout import phone_layout
from ui.state import app_navigation, friendly_errors, init, publish, url_value
from ui.views import outside_cache

st.set_page_config(page_title="Evaluate · Boundary Attribution Explorer", layout="wide")
app_navigation()
phone_layout()
st.title("Evaluate over many images")
glossary()

with friendly_errors("the evaluation"):
    summaries = {name: s for name in SHIPPED if (s := load_summary(name)) is not None}
    init("blurred", False, kind=lambda v: v == "True")
    blurred = st.toggle("GT-Loc on blurred maps (σ = 3, Fig. 14)", key="blurred")
    st.subheader("Shipped results")
    if summaries:
        shipped_view(summaries, blurred)
    missing = [name for name in SHIPPED if name not in summaries]
    for name in missing:
        st.info(
            f"No shipped results for `{name}` yet (expected `assets/results/evaluate-{name}"
            f".json`). Recompute: `python -m boundary_core evaluate --model {name} --n 500 "
            f"--json assets/results/evaluate-{name}.json --threads 1`."
        )

    st.subheader("Live run on a few test images")
    device_caption()
    with st.form("live"):
        columns = st.columns(3)
        init("eval_model", SHIPPED[0], SHIPPED)
        model = columns[0].selectbox("Model", SHIPPED, key="eval_model")
        asked = url_value("eval_n") if "eval_n" not in st.session_state else None
        init("eval_n", 4, kind=lambda v: min(max(int(v), 1), REQUEST_IMAGES))
        if asked is not None and asked.strip() != str(st.session_state["eval_n"]):
            st.warning(
                f"{asked} test images is over the budget of one browser request; running "
                f"{st.session_state['eval_n']} (at most {REQUEST_IMAGES}; the command line "
                "`evaluate` takes any number)."
            )
        n = columns[1].number_input("Test images", 1, REQUEST_IMAGES, key="eval_n")
        init("eval_preset", "fast", PRESETS)
        preset = columns[2].selectbox("Boundary search", PRESETS, key="eval_preset")
        submitted = st.form_submit_button("Run evaluation")
    publish(("blurred", "eval_model", "eval_n", "eval_preset"))
    if submitted:
        st.session_state["live_run"] = (model, int(n), preset)
    if "live_run" in st.session_state:  # kept, so other widgets do not hide the last run
        model, n, preset = st.session_state["live_run"]
        bar = st.progress(0.0, text="evaluating…")
        summary = live_summary(
            model,
            n,
            preset,
            _progress=outside_cache(
                lambda done: bar.progress(min(done / n, 1.0), f"{done} of {n} images")
            ),
        )
        bar.empty()
        live_view(summary, blurred)
