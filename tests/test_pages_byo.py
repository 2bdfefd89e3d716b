"""Bring your own model from the Explain page: the form's checks are the core's, a good upload
joins the model list, a pickle is refused without running."""

import io
from pathlib import Path

import pytest
import torch
from safetensors.torch import save
from streamlit.testing.v1 import AppTest
from torchvision.models import resnet18

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "1_Explain.py")


@pytest.fixture(autouse=True)
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("BAE_CONFIG", str(tmp_path / "config"))
    monkeypatch.setenv("BAE_CACHE", str(tmp_path / "cache"))


def _form(app: AppTest, name: str, classes: str):
    app.text_input[0].set_value(name)
    for box in app.selectbox:
        if box.label == "Architecture":
            box.set_value("resnet18")
    app.text_area[0].set_value(classes)


def test_upload_form_adds_a_model_through_the_core(monkeypatch):
    import ui.byo as byo

    weights = save({k: v.contiguous() for k, v in resnet18(num_classes=3).state_dict().items()})

    class Upload:  # what st.file_uploader returns, without a browser
        name = "mine.safetensors"

        def getvalue(self):
            return weights

    monkeypatch.setattr(byo.st, "file_uploader", lambda *a, **k: Upload())
    app = AppTest.from_file(PAGE, default_timeout=180)
    app.run()
    _form(app, "my-net", "cat\ndog\nbird")
    submit = next(b for b in app.button if b.label == "Add model")
    submit.click().run()
    assert not app.exception, app.exception
    assert [s.value for s in app.success] == [
        "Added my-net: choose it under Model (with Images: Upload)."
    ]
    from boundary_core.models import get_spec

    assert get_spec("my-net").class_names == ("cat", "dog", "bird")


def test_upload_form_refuses_a_pickle_in_one_line(monkeypatch, tmp_path):
    import ui.byo as byo

    buffer = io.BytesIO()
    torch.save({"x": torch.zeros(1)}, buffer)

    class Upload:
        name = "evil.safetensors"

        def getvalue(self):
            return buffer.getvalue()

    monkeypatch.setattr(byo.st, "file_uploader", lambda *a, **k: Upload())
    app = AppTest.from_file(PAGE, default_timeout=180)
    app.run()
    _form(app, "evil", "a\nb")
    next(b for b in app.button if b.label == "Add model").click().run()
    assert not app.exception, app.exception
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and errors[0].startswith("Model not added: ")
