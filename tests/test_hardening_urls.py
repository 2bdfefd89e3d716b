"""URL and widget values are strangers' input too: a NaN never reaches a widget, a repeated key
takes its last value, and search budgets over one browser request's limit are clamped with a
warning (``boundary_core.limits.REQUEST_SEARCH_STEPS``), never run and never dropped silently."""

import pytest
from streamlit.testing.v1 import AppTest

from boundary_core.limits import REQUEST_SEARCH_STEPS, request_steps


def heatmap_script():
    import streamlit as st

    from ui.controls import heatmap_controls

    st.write(f"alpha={heatmap_controls().alpha!r}")


def search_script():
    import streamlit as st

    from ui.controls import search_controls

    preset, steps = search_controls()
    st.write(f"run={preset},{steps}")


def model_script():
    import streamlit as st

    from ui.state import init

    init("model", "x", ("a", "b", "x"))
    init("sigma", 1.0, kind=float, bounds=(0.0, 8.0))
    st.write(f"model={st.session_state.model} sigma={st.session_state.sigma!r}")


def run(script, **params) -> AppTest:
    app = AppTest.from_function(script)
    app.query_params.update(params)
    return app.run(timeout=120)


def written(app: AppTest) -> str:
    return " ".join(block.value for block in app.markdown)


@pytest.mark.parametrize("raw", ["nan", "NaN", "inf", "-inf"])
def test_a_non_finite_alpha_falls_back_to_the_default(raw):
    app = run(heatmap_script, alpha=raw)
    assert not app.exception
    assert app.slider(key="alpha").value == 0.5 and "alpha=0.5" in written(app)


def test_a_finite_alpha_is_kept():
    assert run(heatmap_script, alpha="0.25").slider(key="alpha").value == 0.25


def test_a_repeated_key_takes_the_last_value():
    assert "model=b" in written(run(model_script, model=["a", "b"]))
    assert "model=a" in written(run(model_script, model=["b", "a"]))


@pytest.mark.parametrize(("raw", "expected"), [("3", 3.0), ("9", 1.0), ("nan", 1.0), ("1,x", 1.0)])
def test_url_floats_must_be_finite_and_in_the_widgets_range(raw, expected):
    assert f"sigma={expected!r}" in written(run(model_script, sigma=raw))


@pytest.mark.parametrize("preset", ["fast", "paper"])
def test_an_over_budget_url_is_clamped_with_a_warning(preset):
    cap = REQUEST_SEARCH_STEPS[preset]
    app = run(search_script, preset=preset, steps="500")
    assert not app.exception
    assert f"run={preset},{cap}" in written(app)
    assert any("over the budget" in warning.value for warning in app.warning)


def test_a_budget_within_the_limit_runs_as_asked_without_a_warning():
    app = run(search_script, preset="paper", steps="50")
    assert "run=paper,50" in written(app) and not app.warning


def test_switching_to_a_costlier_preset_clamps_with_a_warning():
    app = run(search_script, preset="fast", steps="200")
    assert "run=fast,200" in written(app) and not app.warning
    app.selectbox(key="preset").set_value("paper").run(timeout=120)
    assert f"run=paper,{REQUEST_SEARCH_STEPS['paper']}" in written(app)
    assert any("over the budget" in warning.value for warning in app.warning)


def test_the_request_budget_states_what_runs():
    assert request_steps("paper", None) == (None, None)  # the preset's own budget
    assert request_steps("paper", 100) == (100, None)
    steps, message = request_steps("paper", 500)
    assert steps == REQUEST_SEARCH_STEPS["paper"] and "500" in message and "running 100" in message
