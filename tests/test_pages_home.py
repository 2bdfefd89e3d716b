"""Home and navigation: the entry point runs, shows the shipped example, links every page; the
page guard turns unexpected exceptions into a short message."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def test_home_page_runs_with_example_and_links():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Boundary Attribution Explorer"
    assert len(app.get("image")) == 1  # the standard-vs-robust BIG pair
    links = [link.proto.page for link in app.get("page_link")]
    for page in ("Explain", "Standard_vs_Robust", "Baselines_and_Counterfactuals", "Evaluate"):
        assert any(page in link for link in links), (page, links)


def test_unexpected_errors_become_a_short_message():
    def script():
        import streamlit as st

        from ui.state import friendly_errors

        with friendly_errors("the test view"):
            raise RuntimeError("boom\nsecond line with internals")
        st.write("after")

    app = AppTest.from_function(script).run()
    assert not app.exception
    assert len(app.error) == 1 and "RuntimeError: boom" in app.error[0].value
    assert "second line" not in app.error[0].value
    assert app.markdown[0].value == "after"
