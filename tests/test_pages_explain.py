"""The Explain page under AppTest: both galleries, model, preset and budget, baselines, URL
settings, and bad uploads shown as in-page errors.

AppTest cannot drive ``st.file_uploader``, so uploads are injected as bytes through
``session_state[UPLOAD_STATE_KEY]``: the page reads them through the same ``uploaded_bytes`` →
``upload_picture`` path as a real upload (the real uploader wins when it has a file).
"""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

import ui.compute as compute
from ui.sources import UPLOAD_STATE_KEY, upload_picture

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "1_Explain.py")
TIMEOUT = 180
PANELS = (
    "SM",
    "IG (black)",
    "IG (white)",
    "SmoothGrad",
    "Grad×Input",
    "DeepLIFT",
    "BSM",
    "BIG",
    "AGI",
    "boundary point x′",
    "x′ − x (amplified)",
)


def captions(app) -> list[str]:
    return [image.proto.imgs[0].caption for image in app.get("image")]


def shapes_app(**params) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params.update({"domain": "shapes", "model": "shapes-robust", **params})
    return app.run()


def png_bytes(array: np.ndarray, mode: str | None = None) -> bytes:
    image = Image.fromarray(array)
    assert mode is None or image.mode == mode, image.mode  # the mode the test means to send
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_photo_gallery_shows_every_panel_and_reruns_from_cache(monkeypatch):
    compute.cached_explanation.clear()
    calls = []
    original = compute.explain_image
    monkeypatch.setattr(
        compute, "explain_image", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert not app.exception, app.exception
    labels = [m.label for m in app.metric]
    assert labels == ["Prediction", "Boundary label", "ℓ2 distance to x′", "Search"]
    assert app.metric[0].value == "cat"  # the default gallery photo is Chelsea the cat
    for expected in PANELS:
        assert any(c.startswith(expected) for c in captions(app)), (expected, captions(app))
    assert app.query_params["photo"] == "chelsea"  # the view is in the URL
    computed = len(calls)
    assert computed == 1
    app.run()
    assert len(calls) == computed  # cached: the rerun computes nothing
    assert [d.label for d in app.get("download_button")] == [
        "Panels (PNG)",
        "Maps + x′ (NPZ)",
        "Numbers (JSON)",
        "x′ (NPY)",
    ]


def test_shapes_image_from_url_has_box_metrics_and_survives_preset_and_baselines():
    app = shapes_app(shape="06_distractor_arrow")
    assert not app.exception, app.exception
    assert app.metric[0].value == "arrow"
    frame = app.dataframe[0].value
    assert list(frame.columns) == ["Loc", "EG", "PP", "Con", "best IoU"]
    assert "BIG" in frame.index and ((frame["EG"] >= 0) & (frame["EG"] <= 1)).all()
    app.sidebar.selectbox(key="preset").select("paper")
    app.sidebar.select_slider(key="steps").set_value("10")
    app.sidebar.multiselect(key="baselines").set_value(["black", "blur", "noise", "color"])
    app.run()
    assert not app.exception, app.exception
    app.sidebar.color_picker(key="colour").pick("#ff0000").run()
    assert not app.exception, app.exception
    shown = captions(app)
    for expected in ("IG (blur)", "IG (noise)", "IG (colour)", "BIG"):
        assert any(c.startswith(expected) for c in shown), (expected, shown)
    assert not any(c.startswith("IG (white)") for c in shown)
    assert app.query_params["preset"] == "paper" and app.query_params["colour"] == "#ff0000"
    app.sidebar.radio(key="style").set_value("captum").run()
    assert not app.exception and app.dataframe  # restyling only: same panels


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"this is not an image", "not a readable image"),
        (png_bytes(np.zeros((40, 40, 3), np.uint8))[:60], "truncated or corrupt"),
        (b"", "empty"),
    ],
)
def test_bad_upload_is_an_error_message_not_an_exception(data, reason):
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params["domain"] = "upload"
    app.session_state[UPLOAD_STATE_KEY] = data
    app.run()
    assert not app.exception, app.exception
    assert any(reason in e.value for e in app.error), [e.value for e in app.error]
    assert not app.metric


def test_good_upload_is_explained():
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params.update({"domain": "upload", "model": "shapes-standard"})
    app.session_state[UPLOAD_STATE_KEY] = png_bytes(np.full((90, 120), 200, np.uint8))
    app.run()
    assert not app.exception, app.exception
    assert app.metric and not app.error


@pytest.mark.parametrize(
    "array, mode",
    [
        (np.random.default_rng(0).integers(0, 255, (50, 70), dtype=np.uint8), "L"),
        (np.random.default_rng(1).integers(0, 255, (50, 50, 4), dtype=np.uint8), "RGBA"),
        (np.random.default_rng(2).integers(0, 65535, (40, 30), dtype=np.uint16), "I;16"),
    ],
)
def test_upload_modes_become_rgb_in_unit_range(array, mode):
    picture = upload_picture(png_bytes(array, mode), 32)
    assert picture.image.shape == (3, 32, 32) and picture.image.dtype == np.float32
    assert 0.0 <= picture.image.min() and picture.image.max() <= 1.0


def test_huge_image_is_refused_before_decoding():
    buffer = io.BytesIO()
    Image.new("L", (8000, 6000)).save(buffer, format="PNG")  # 48 MP, a few KB compressed
    with pytest.raises(ValueError, match="pixels; the limit"):
        upload_picture(buffer.getvalue(), 32)


def test_invalid_url_values_fall_back_to_defaults():
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params.update({"domain": "nonsense", "model": "nope", "alpha": "abc"})
    app.run()
    assert not app.exception, app.exception
    assert app.sidebar.selectbox(key="domain").value == "photos"
    assert app.sidebar.slider(key="alpha").value == 0.5


def test_more_methods_adds_the_chosen_rows_as_panels():
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(PAGE, default_timeout=300)
    app.query_params.update(
        {"domain": "shapes", "model": "shapes-standard", "shape": "02_dark_on_light_triangle"}
    )
    app.query_params["extra"] = ["ig_black_idgi", "big_idgi"]
    app.run()
    assert not app.exception, app.exception
    captions = [image.proto.imgs[0].caption for image in app.get("image")]
    assert any(c.startswith("IG-IDGI (black)") for c in captions), captions
    assert any(c.startswith("BIG-IDGI") for c in captions), captions
