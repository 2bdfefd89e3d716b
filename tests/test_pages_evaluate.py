"""The Evaluate page: shipped tables and curves, a clear message when results are absent, and a
live run with progress."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import ui.evaluation_view as view

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "4_Evaluate.py")


def test_absent_results_give_an_info_message(monkeypatch, tmp_path):
    monkeypatch.setattr(view, "RESULTS_DIR", tmp_path)
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not app.exception, app.exception
    messages = [i.value for i in app.info]
    assert len(messages) == 2 and all("No shipped results" in m for m in messages)


def shipped_summaries() -> dict[str, dict]:
    """The shipped results of both models; they are part of the repo, so absence is a failure."""
    summaries = {name: view.load_summary(name) for name in view.SHIPPED}
    missing = [name for name, summary in summaries.items() if summary is None]
    assert not missing, f"shipped results missing or unreadable: {missing}"
    return summaries


def test_shipped_results_and_a_live_run():
    summaries = shipped_summaries()
    app = AppTest.from_file(PAGE, default_timeout=180).run()
    assert not app.exception, app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "Boundary search (Table 5)" in text and "Alignment (Table 1" in text
    for name, summary in summaries.items():
        assert f"**Localization, `{name}`**" in text
        facts = f"{summary['n_evaluated']} of {summary['n_images']} test images evaluated"
        assert any(c.value.startswith(f"`{name}`: {facts}") for c in app.caption), facts
    assert not app.info  # every shipped result was found, so no "No shipped results" message
    app.number_input(key="eval_n").set_value(2)
    app.button[0].click().run()  # the form's submit button
    assert not app.exception, app.exception
    assert any("2 of 2 test images evaluated" in c.value for c in app.caption)
    app.toggle(key="blurred").set_value(True).run()  # the live run stays on screen
    assert not app.exception
    assert any("2 of 2 test images evaluated" in c.value for c in app.caption)


@pytest.mark.parametrize("blurred", [False, True])
def test_gt_loc_figure_draws_each_methods_shipped_curve(blurred):
    summary = shipped_summaries()["shapes-standard"]
    key = "gt_loc_curve_blur" if blurred else "gt_loc_curve"
    curves = [entry[key] for entry in summary["metrics"].values() if entry.get(key)]
    assert len(curves) == len(summary["metrics"]) == 9  # every method has its curve
    figure = view.gt_loc_figure(summary, blurred=blurred)
    assert len(figure.data) == len(curves)
    assert len({trace.name for trace in figure.data}) == len(curves)  # one named line each
    for trace, curve in zip(figure.data, curves, strict=True):  # in the summary's method order
        assert list(trace.x) == curve["percentiles"] and list(trace.y) == curve["gt_loc"]
        assert all(0 <= y <= 1 for y in trace.y)
    assert ("blur" in figure.layout.title.text) == blurred


def test_metrics_are_explained_and_the_shipped_numbers_are_read_out():
    from boundary_core.metrics import METRICS
    from ui.compare import SAME

    summaries = shipped_summaries()
    app = AppTest.from_file(PAGE, default_timeout=180).run()
    assert not app.exception, app.exception
    glossary = app.expander[0].markdown[0].value
    for metric in METRICS.values():
        better = "higher is better" if metric.higher_is_better else "lower is better"
        assert f"**{metric.label}** ({better}): {metric.definition}" in glossary
    assert "apgd-ce" in glossary and "ddn" in glossary and "training unknown" in glossary
    text = next(m.value for m in app.markdown if m.value.startswith("**What these numbers"))
    (standard, low), (robust, high) = summaries.items()
    for pair in ("sm_bsm", "ig_big"):
        a = low["alignment"][f"{pair}_cosine"]["mean"]
        b = high["alignment"][f"{pair}_cosine"]["mean"]
        line = next(line for line in text.splitlines() if f"{a:.3f} on `{standard}`" in line)
        assert f"{b:.3f} on `{robust}`" in line
        assert ("**farther**" in line) == (b - a >= SAME), line


def test_a_url_asking_more_images_than_a_request_may_score_is_clamped_and_said():
    """`?eval_n=1000` was silently cut to 32: now to limits.REQUEST_IMAGES, with a warning."""
    from streamlit.testing.v1 import AppTest

    from boundary_core.limits import REQUEST_IMAGES

    page = AppTest.from_file(PAGE, default_timeout=120)
    page.query_params["eval_n"] = "1000"
    page.run()
    assert not page.exception
    assert page.session_state["eval_n"] == REQUEST_IMAGES
    assert any("1000 test images is over the budget" in w.value for w in page.warning)
