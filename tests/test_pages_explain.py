"""The Explain page runs under AppTest: a search finishes, panels appear, bad uploads are errors."""

from streamlit.testing.v1 import AppTest

APP_TIMEOUT = 120


def test_explain_page_shows_all_panels():
    app = AppTest.from_file("../pages/1_Explain.py", default_timeout=APP_TIMEOUT)
    app.run()
    assert not app.exception, app.exception
    assert [m.label for m in app.metric][:3] == [
        "Prediction",
        "Boundary label",
        "ℓ2 distance to x′",
    ]
    assert app.metric[0].value == "cat"  # the default gallery photo is Chelsea the cat
    captions = [image.proto.imgs[0].caption for image in app.get("image")]
    for expected in ("SM", "IG (black)", "IG (white)", "SmoothGrad", "Grad×Input", "DeepLIFT",
                     "BSM", "BIG", "AGI", "boundary point x′"):  # fmt: skip
        assert any(c.startswith(expected) for c in captions), (expected, captions)


def test_switching_photo_and_preset_reruns():
    app = AppTest.from_file("../pages/1_Explain.py", default_timeout=APP_TIMEOUT)
    app.run()
    app.sidebar.selectbox[1].select("horse").run()
    assert not app.exception
    assert app.metric[0].value == "horse"
