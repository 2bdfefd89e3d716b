"""The Explain page under AppTest: both galleries, model, preset and budget, baselines, URL
settings, and bad uploads shown as in-page errors.

AppTest cannot drive ``st.file_uploader``, so uploads are injected as bytes through
``session_state[UPLOAD_STATE_KEY]``: the page reads them through the same ``uploaded_bytes`` →
``upload_picture`` path as a real upload (the real uploader wins when it has a file).
"""

import io
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

import ui.compute as compute
from boundary_core.data.gallery import shapes_picture, upload_picture
from boundary_core.render import image_key
from ui import search_jobs
from ui.sources import UPLOAD_STATE_KEY

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
    "x′ − x (amplified ×",  # the amplification factor is written beside it
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


class Spy:
    """Counts boundary searches and records every map computed: (method, target, x′ or None),
    one map at a time (``attribute_all``) or several at once (``attribute_in_parallel``)."""

    def __init__(self, monkeypatch):
        self.searches, self.maps, self.together = 0, [], []
        search, attribute = search_jobs.find_boundary, compute.attribute_all
        parallel = compute.attribute_in_parallel

        def counted_search(*args, **kwargs):
            self.searches += 1
            return search(*args, **kwargs)

        def recorded(model, x, target, boundary, methods, settings):
            point = None if boundary is None else boundary.point.clone()
            self.maps += [(m, int(target[0]), point) for m in methods]
            return attribute(model, x, target, boundary, methods, settings)

        def recorded_together(model, x, target, boundary, methods, settings, on_map):
            point = None if boundary is None else boundary.point.clone()
            self.maps += [(m, int(target[0]), point) for m in methods]
            self.together.append(tuple(methods))
            return parallel(model, x, target, boundary, methods, settings, on_map)

        monkeypatch.setattr(search_jobs, "find_boundary", counted_search)
        monkeypatch.setattr(compute, "attribute_all", recorded)
        monkeypatch.setattr(compute, "attribute_in_parallel", recorded_together)

    def methods(self) -> list[str]:
        return [m for m, _, _ in self.maps]


def test_photo_gallery_shows_every_panel_and_reruns_from_cache(monkeypatch):
    compute.clear_caches()
    spy = Spy(monkeypatch)
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT).run()
    assert not app.exception, app.exception
    labels = [m.label for m in app.metric]
    assert labels == ["Prediction", "Boundary label", "ℓ2 distance to x′", "Search"]
    assert app.metric[0].value == "cat"  # the default gallery photo is Chelsea the cat
    for expected in PANELS:
        assert any(c.startswith(expected) for c in captions(app)), (expected, captions(app))
    assert app.query_params["photo"] == "chelsea"  # the view is in the URL
    assert spy.searches == 1 and len(spy.maps) == 9  # one search, each default map once
    app.run()
    assert spy.searches == 1 and len(spy.maps) == 9  # cached: the rerun computes nothing
    assert [d.label for d in app.get("download_button")] == [
        "Panels (PNG)",
        "Maps + x′ (NPZ)",
        "Numbers (JSON)",
        "x′ (NPY)",
    ]


def test_a_new_baseline_computes_one_map_and_no_search(monkeypatch):
    compute.clear_caches()
    spy = Spy(monkeypatch)
    app = shapes_app(shape="02_dark_on_light_triangle")
    assert not app.exception and spy.searches == 1, app.exception
    before = len(spy.maps)
    app.sidebar.multiselect(key="baselines").set_value(["black", "white", "blur"]).run()
    assert not app.exception, app.exception
    assert spy.searches == 1  # the search is cached apart from the maps
    assert spy.methods()[before:] == ["ig_blur"]  # exactly the one new map
    assert any(c.startswith("IG (blur)") for c in captions(app))
    app.sidebar.radio(key="style").set_value("captum").run()  # restyling computes nothing
    assert spy.searches == 1 and len(spy.maps) == before + 1


def test_target_class_recomputes_the_maps_from_the_same_boundary_point(monkeypatch):
    compute.clear_caches()
    spy = Spy(monkeypatch)
    app = shapes_app(shape="02_dark_on_light_triangle")
    predicted = app.metric[0].value
    top5 = app.dataframe[0].value
    assert len(top5) == 5 and top5["probability"].is_monotonic_decreasing
    assert top5["class"].iloc[0] == predicted and top5["probability"].sum() <= 1 + 1e-6
    names = compute.get_spec("shapes-robust").class_names
    first, count = {m: (t, p) for m, t, p in spy.maps}, len(spy.maps)
    chooser = app.selectbox(key="target")
    assert chooser.value == "predicted" and predicted not in chooser.options
    other = top5["class"].iloc[1]
    chooser.select(other).run()
    assert not app.exception, app.exception
    assert app.query_params["target"] == other
    again = {m: (t, p) for m, t, p in spy.maps[count:]}
    assert spy.methods()[count : count + 3] == ["sm", "gxi", "bsm"]  # one-pass maps drawn first
    assert spy.methods()[:count][-2:] == ["bsm", "big"]  # first view: x′ maps after the search
    assert spy.searches == 1 and set(again) == set(first)  # every map, no new search
    if compute.parallel_by_default():  # a CPU with 2+ cores: all of them in one two-thread call
        assert spy.together[-1] == tuple(spy.methods()[count:])
    assert {t for t, _ in again.values()} == {names.index(other)}
    assert {t for t, _ in first.values()} == {names.index(predicted)}
    assert torch.equal(again["bsm"][1], first["bsm"][1])  # BSM and BIG keep the same x′
    assert app.metric[0].value == predicted  # the prediction itself does not change


def test_every_method_of_the_table_can_be_chosen_and_dropped(monkeypatch):
    from boundary_core.methods import METHODS, label

    compute.clear_caches()
    app = shapes_app(shape="02_dark_on_light_triangle")
    picker = app.sidebar.multiselect(key="methods")
    baselines = app.sidebar.multiselect(key="baselines")
    assert set(picker.options) | set(baselines.options) == {label(m) for m in METHODS}
    picker.set_value(["sm", "bsm", "guided_ig"]).run()
    assert not app.exception, app.exception
    shown = captions(app)
    assert any(c.startswith("Guided IG") for c in shown), shown
    assert not any(c.startswith(("AGI", "SmoothGrad", "DeepLIFT")) for c in shown), shown


def test_a_cancelled_search_leaves_the_page_usable(monkeypatch):
    from ui.explain_view import CANCELLED_KEY

    compute.clear_caches()
    spy = Spy(monkeypatch)
    app = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    app.query_params.update(
        {"domain": "shapes", "model": "shapes-robust", "shape": "02_dark_on_light_triangle"}
    )
    app.session_state[CANCELLED_KEY] = (
        "shapes-robust",
        image_key(shapes_picture("02_dark_on_light_triangle").image),
        "fast",
        None,
        0,
    )
    app.run()
    assert not app.exception and spy.searches == 0, app.exception
    assert any("cancelled" in w.value for w in app.warning), [w.value for w in app.warning]
    assert [m.label for m in app.metric] == ["Prediction"]  # no "no boundary point found"
    assert not app.error
    shown = captions(app)
    assert any(c.startswith("SM") for c in shown) and not any(c.startswith("BSM") for c in shown)
    app.button[0].click().run()  # "Run the search"
    assert spy.searches == 1 and any(c.startswith("BSM") for c in captions(app))


def test_search_job_stops_at_its_next_progress_report():
    from ui.search_jobs import SearchCancelled, SearchJob

    job = SearchJob(("m", "k", "paper", None, 0))
    job.report(0.1, "PGD ε=0.5 on 1 sample")
    assert job.message == "PGD ε=0.5" and job.fraction == 0.1
    job.cancel()
    with pytest.raises(SearchCancelled):
        job.report(0.2, "Carlini-Wagner")


def test_shapes_image_from_url_has_box_metrics_and_survives_preset_and_baselines():
    app = shapes_app(shape="06_distractor_arrow")
    assert not app.exception, app.exception
    assert app.metric[0].value == "arrow"
    frame = app.dataframe[1].value  # after the top-5 table
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
    app.query_params.update(
        {"domain": "nonsense", "model": "nope", "alpha": "abc", "budget": "lavish"}
    )
    app.run()
    assert not app.exception, app.exception
    assert app.sidebar.selectbox(key="domain").value == "photos"
    assert app.sidebar.slider(key="alpha").value == 0.5
    assert app.sidebar.selectbox(key="budget").value == "paper"  # the 32×32 model's default


def test_more_methods_adds_the_chosen_rows_as_panels():
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(PAGE, default_timeout=300)
    app.query_params.update(
        {"domain": "shapes", "model": "shapes-standard", "shape": "02_dark_on_light_triangle"}
    )
    app.query_params["extra"] = ["ig_black_idgi", "big_idgi"]  # an old link's "More methods"
    app.run()
    assert not app.exception, app.exception
    captions = [image.proto.imgs[0].caption for image in app.get("image")]
    assert any(c.startswith("IG-IDGI (black)") for c in captions), captions
    assert any(c.startswith("BIG-IDGI") for c in captions), captions


def test_cancel_through_the_progress_callback_stops_the_search_thread(monkeypatch):
    """Cancel sets the job's stop flag; the search stops at its next progress report and the
    page gets the maps that need no x′, the others reported as cancelled (no exception)."""
    compute.clear_caches()
    reports = []

    def endless_search(model, x, *, progress, **kwargs):
        while True:  # a search that would never end: only the stop flag ends it
            reports.append(1)
            progress(0.1, "PGD ε=0.5 on 1 sample")
            time.sleep(0.01)

    monkeypatch.setattr(search_jobs, "find_boundary", endless_search)
    picture = shapes_picture("02_dark_on_light_triangle")
    request = compute.Request("shapes-standard", picture.image, "paper", None, ("sm", "bsm"))
    messages = []

    def cancel(job):
        messages.append(job.message)
        job.cancel()

    result = compute.run(request, on_wait=cancel)
    assert "sm" in result["maps"] and "bsm" not in result["maps"]
    assert result["summary"]["unavailable"]["bsm"] == compute.CANCELLED
    assert messages and messages[0] == "PGD ε=0.5"  # the batch wording is gone
    count = len(reports)
    time.sleep(0.1)
    assert len(reports) == count  # the thread has stopped
    assert compute.stored_search("shapes-standard", picture.image, "paper", None) is None


def test_a_new_budget_recomputes_only_the_maps_it_changes(monkeypatch):
    compute.clear_caches()
    spy = Spy(monkeypatch)
    app = shapes_app(shape="02_dark_on_light_triangle", methods=["sg", "agi", "bsm"])
    assert not app.exception, app.exception
    assert app.sidebar.selectbox(key="budget").value == "paper"  # 64×64: the paper's counts
    before = len(spy.maps)
    app.sidebar.selectbox(key="budget").select("light").run()
    assert not app.exception, app.exception
    assert app.query_params["budget"] == "light"
    assert spy.searches == 1  # no new search
    assert sorted(spy.methods()[before:]) == sorted(compute.SETTINGS_PRESETS["light"].changes)
    app.sidebar.selectbox(key="budget").select("paper").run()  # back: every map from the cache
    assert spy.searches == 1 and len(spy.maps) == before + 2
