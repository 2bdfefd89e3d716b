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
    pages = ("Explain", "Standard_vs_Robust", "Baselines_and_Counterfactuals", "Evaluate")
    for page in (*pages, "Toy_Playground", "Theory", "Robustness_Ladder"):
        assert any(page in link for link in links), (page, links)


def test_home_figure_captions_are_text_from_its_facts():
    """The tiles' captions drawn into the PNG are unreadable on a phone: the page writes them
    as text, from big_pair.json, and shows the tiles without the drawn caption strip."""
    import json

    from PIL import Image

    from boundary_core.paths import HOME_DIR
    from ui.home import TILE, pair_captions, pair_row

    facts = json.loads((HOME_DIR / "big_pair.json").read_text())
    row = next(r for r in facts["per_image"] if r["image"] == facts["image"])
    captions = pair_captions(facts)
    assert len(captions) == 3 and captions[0].startswith("input: ")
    for caption, (name, entry) in zip(captions[1:], list(row.items())[1:], strict=True):
        assert caption == f"BIG, {name} (EG {entry['eg']:.2f})"
    sheet = Image.open(HOME_DIR / "big_pair.png")
    assert pair_row(sheet).size == (sheet.width, TILE) and sheet.height > TILE
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    image_caption = app.get("image")[0].proto.imgs[0].caption
    assert all(caption in image_caption for caption in captions)


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
