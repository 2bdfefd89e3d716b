"""The Streamlit side of comparable heatmaps (AppTest): the style widgets change the scale and
palette, the grid draws one colour bar per scale with alt texts, and the hover figure is there."""

from streamlit.testing.v1 import AppTest

TIMEOUT = 60


def script():
    import sys

    import streamlit as st

    sys.path.insert(0, ".")
    from boundary_core.render import panel_images
    from tests.test_render_panels import fake_result
    from ui.views import panel_grid, style_controls

    with st.sidebar:
        style = style_controls()
    st.session_state["shown"] = style
    panel_grid(panel_images(fake_result(9.39, 0.10, model="shapes-robust"), style), 6)


def images(app) -> list[tuple[str, str]]:
    """``(caption, alt)`` of every image element."""
    return [(i.proto.imgs[0].caption, i.proto.imgs[0].alt) for i in app.get("image")]


def run() -> AppTest:
    app = AppTest.from_function(script, default_timeout=TIMEOUT)
    app.run()
    app.sidebar.select_slider(key="blur").set_value("0").run()  # the values as made
    assert not app.exception, app.exception
    return app


def test_default_is_a_shared_row_scale_with_one_bar_per_kind():
    app = run()
    style = app.session_state["shown"]
    assert (style.scale, style.palette) == ("row", "blue_white_red")
    assert [o for o in app.sidebar.radio(key="scale").options] == [
        "shared across the row",
        "per map (paper's signed_max)",
    ]  # one model: "across models" is not offered
    bars = [alt for caption, alt in images(app) if alt.startswith("Colour bar")]
    assert len(bars) == 2
    assert bars[0].startswith("Colour bar for gradient maps: SM, BSM: ±9.39")
    assert bars[1].startswith("Colour bar for attribution maps: IG (black), BIG: ±0.1")
    tiles = [(c, a) for c, a in images(app) if c]
    assert len(tiles) == 7 and all("shapes-robust" in alt for _, alt in tiles)
    assert len(app.get("plotly_chart")) == 1  # the hover figure


def test_per_map_scale_gives_each_map_its_own_bar_and_jet_is_named():
    app = run()
    app.sidebar.radio(key="scale").set_value("map").run()
    app.sidebar.selectbox(key="palette").set_value("jet").run()
    assert not app.exception, app.exception
    style = app.session_state["shown"]
    assert (style.scale, style.palette) == ("map", "jet")
    bars = [alt for _, alt in images(app) if alt.startswith("Colour bar")]
    assert len(bars) == 4 and all("(its own scale)" in bar for bar in bars)
    assert bars[2].startswith("Colour bar for IG (black) (its own scale): −0.025 … +0;")
    assert all("dark red = pushes towards" in bar and "jet" in bar for bar in bars)
