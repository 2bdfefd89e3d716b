"""The toy pages' settings: shared between Playground and Theory (not through widget keys,
which Streamlit deletes once a page stops drawing them) and kept in the URL."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PLAYGROUND, THEORY = "pages/5_Toy_Playground.py", "pages/6_Theory.py"


def url(app, key: str):
    """One value of the page's query string (AppTest keeps some as lists)."""
    value = app.query_params[key]
    return value[0] if isinstance(value, list) else value


def net_caption(app) -> str:
    return next(c.value for c in app.caption if c.value.startswith("net: "))


def test_theory_keeps_the_playgrounds_net_after_its_own_widgets_change():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    app.switch_page(PLAYGROUND).run()
    assert not app.exception, app.exception
    app.selectbox(key="toy_preset").set_value("three_blobs").run()
    app.selectbox(key="toy_widths").set_value("8, 8").run()
    app.switch_page(THEORY).run()
    assert not app.exception, app.exception
    assert net_caption(app).startswith("net: three_blobs, widths 8, 8")
    app.number_input(key="theory_seed").set_value(3).run()  # a widget of Theory's own
    assert net_caption(app).startswith("net: three_blobs, widths 8, 8")
    app.slider(key="theory_qx").set_value(0.5).run()
    assert net_caption(app).startswith("net: three_blobs, widths 8, 8")
    assert url(app, "toy_preset") == "three_blobs"  # the Theory URL names the net
    app.switch_page(PLAYGROUND).run()  # and back: the Playground still shows that net
    assert app.selectbox(key="toy_preset").value == "three_blobs"
    assert app.selectbox(key="toy_widths").value == "8, 8"


def test_playground_starts_from_the_url_and_writes_changes_back():
    app = AppTest.from_file(str(ROOT / PLAYGROUND), default_timeout=180)
    given = {"toy_preset": "circles", "toy_qx": "-0.4", "toy_qy": "0.5", "toy_sigma": "0.3"}
    given |= {"toy_widths": "8, 8", "toy_show": "sm"}
    app.query_params.update(given)
    app.run()
    assert not app.exception, app.exception
    assert app.selectbox(key="toy_preset").value == "circles"
    assert app.slider(key="toy_qx").value == pytest.approx(-0.4)
    assert app.slider(key="toy_sigma").value == pytest.approx(0.3)
    assert app.session_state["toy_show"] == ["sm"]  # the "draw" multiselect
    app.slider(key="toy_qy").set_value(-0.25).run()
    assert url(app, "toy_qy") == "-0.25" and url(app, "toy_preset") == "circles"


def test_bad_url_values_fall_back_to_defaults():
    app = AppTest.from_file(str(ROOT / PLAYGROUND), default_timeout=180)
    app.query_params.update({"toy_preset": "nonsense", "toy_qx": "99", "toy_seed": "x"})
    app.run()
    assert not app.exception, app.exception
    assert app.selectbox(key="toy_preset").value == "moons"
    assert app.slider(key="toy_qx").value == pytest.approx(0.3)
    assert app.number_input(key="toy_seed").value == 0
