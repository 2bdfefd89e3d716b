"""The Evaluate page: shipped tables and curves, a clear message when results are absent, and a
live run with progress."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

import ui.evaluation_view as view

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "4_Evaluate.py")


def test_absent_results_give_an_info_message(monkeypatch, tmp_path):
    monkeypatch.setattr(view, "RESULTS_DIR", tmp_path)
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not app.exception, app.exception
    messages = [i.value for i in app.info]
    assert len(messages) == 2 and all("No shipped results" in m for m in messages)


def test_shipped_results_and_a_live_run():
    app = AppTest.from_file(PAGE, default_timeout=180).run()
    assert not app.exception, app.exception
    shipped = [n for n in view.SHIPPED if view.load_summary(n) is not None]
    text = " ".join(m.value for m in app.markdown)
    if shipped:
        assert "Boundary search (Table 5)" in text and "Localization" in text
    assert len(app.info) == len(view.SHIPPED) - len(shipped)
    app.number_input(key="eval_n").set_value(2)
    app.button[0].click().run()  # the form's submit button
    assert not app.exception, app.exception
    assert any("2 of 2 test images evaluated" in c.value for c in app.caption)
    app.toggle(key="blurred").set_value(True).run()  # the live run stays on screen
    assert not app.exception
    assert any("2 of 2 test images evaluated" in c.value for c in app.caption)


def test_gt_loc_figure_has_a_line_per_method():
    summary = view.load_summary("shapes-standard")
    if summary is None:
        return
    figure = view.gt_loc_figure(summary, blurred=True)
    assert {trace.name for trace in figure.data} >= {"SM", "BIG"}
    assert all(0 <= y <= 1 for trace in figure.data for y in trace.y)
