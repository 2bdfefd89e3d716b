"""Standard vs Robust and Baselines & Counterfactuals under AppTest, plus the numbers they show."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from boundary_core.data.gallery import erase_rectangle, shapes_picture, without_distractor
from ui.compare import alignment_frame, row_label
from ui.counterfactual import share_inside

PAGES = Path(__file__).resolve().parents[1] / "pages"
TIMEOUT = 180


def test_standard_vs_robust_shows_both_rows_and_alignment():
    app = AppTest.from_file(str(PAGES / "2_Standard_vs_Robust.py"), default_timeout=TIMEOUT)
    app.query_params["shape"] = "02_dark_on_light_triangle"
    app.run()
    assert not app.exception, app.exception
    rows = [m.value for m in app.markdown if m.value.startswith("**shapes-")]
    assert [r.split("**")[1] for r in rows] == ["shapes-standard", "shapes-robust"]
    captions = [image.proto.imgs[0].caption for image in app.get("image")]
    assert captions.count("BIG") == 2 and captions.count("BSM") == 2
    frame = app.dataframe[0].value.replace("–", "nan").astype(float)  # shown as text, 3 decimals
    assert list(frame.columns) == ["shapes-standard", "shapes-robust"]
    sm_bsm = frame.loc["‖SM − BSM‖ (raw ℓ2)"]
    assert np.isfinite(sm_bsm).all() and (sm_bsm > 0).all()
    assert ((frame.iloc[[1, 3]] >= 0) & (frame.iloc[[1, 3]] <= 2)).all().all()  # 1 − cos ∈ [0, 2]


def test_counterfactual_page_erases_rectangle_and_distractor():
    app = AppTest.from_file(
        str(PAGES / "3_Baselines_and_Counterfactuals.py"), default_timeout=TIMEOUT
    )
    app.query_params.update(
        {"domain": "shapes", "model": "shapes-standard", "shape": "06_distractor_arrow"}
    )
    app.run()
    assert not app.exception, app.exception
    captions = [image.proto.imgs[0].caption for image in app.get("image")]
    assert {"IG (black)", "IG (white)", "BIG"} <= set(captions)
    assert app.metric[0].label == "p(arrow)"
    app.sidebar.slider(key="cols").set_value((0, 10))
    app.sidebar.slider(key="rows").set_value((0, 10)).run()
    assert not app.exception
    assert app.query_params["cols"] == "0,10"
    app.sidebar.radio(key="erase").set_value("distractor object").run()
    assert not app.exception
    assert any(
        "distractor object removed" in c
        for c in (image.proto.imgs[0].caption for image in app.get("image"))
    )
    claims = app.dataframe[-1].value
    assert ((claims.values >= 0) & (claims.values <= 1)).all()


def test_erase_rectangle_changes_only_the_rectangle():
    image = np.random.default_rng(0).random((3, 8, 8), dtype=np.float32)
    out = erase_rectangle(image, (2, 1, 5, 4), "black")
    assert (out[:, 1:4, 2:5] == 0).all()
    mask = np.ones((8, 8), bool)
    mask[1:4, 2:5] = False
    assert np.array_equal(out[:, mask], image[:, mask])
    with pytest.raises(ValueError, match="fill"):
        erase_rectangle(image, (0, 0, 1, 1), "pink")


def test_share_inside_by_hand():
    attribution = np.zeros((1, 4, 4))
    attribution[0, 0, 0], attribution[0, 3, 3], attribution[0, 1, 1] = 3.0, 1.0, -5.0
    assert share_inside(attribution, (0, 0, 2, 2)) == pytest.approx(0.75)  # negatives ignored
    assert np.isnan(share_inside(-np.abs(attribution), (0, 0, 2, 2)))


def test_without_distractor_differs_only_around_the_distractor():
    picture = shapes_picture("06_distractor_arrow")
    edited = without_distractor(picture)
    x0, y0, x1, y1 = picture.distractor_box
    changed = np.abs(edited - picture.image).max(axis=0) > 1 / 255
    assert changed[y0:y1, x0:x1].any()
    outside = changed.copy()
    outside[max(y0 - 2, 0) : y1 + 2, max(x0 - 2, 0) : x1 + 2] = False
    assert not outside.any()


def test_a_shared_url_reopens_the_same_view():
    page = str(PAGES / "3_Baselines_and_Counterfactuals.py")
    first = AppTest.from_file(page, default_timeout=TIMEOUT)
    first.query_params.update({"domain": "shapes", "model": "shapes-standard"})
    first.run()
    first.sidebar.selectbox(key="shape").select("07_distractor_star")
    first.sidebar.slider(key="cols").set_value((3, 20))
    first.sidebar.selectbox(key="fill").select("blur").run()
    shared = dict(first.query_params)
    second = AppTest.from_file(page, default_timeout=TIMEOUT)
    second.query_params.update(shared)
    second.run()
    assert not second.exception, second.exception
    assert second.sidebar.selectbox(key="shape").value == "07_distractor_star"
    assert second.sidebar.slider(key="cols").value == (3, 20)
    assert second.sidebar.selectbox(key="fill").value == "blur"


def test_a_model_without_boundary_point_says_so_and_its_alignment_is_missing_not_zero():
    rng = np.random.default_rng(0)
    sm, bsm, ig, big = (rng.normal(size=(3, 4, 4)).astype(np.float32) for _ in range(4))
    prediction = {"label": "hexagon", "probability": 0.33}
    found = {"found": True, "label": "circle", "distance_l2": 0.25}
    results = {
        "with": {
            "summary": {"prediction": prediction, "boundary": found},
            "maps": {"sm": sm, "bsm": bsm, "ig_black": ig, "big": big},
        },
        "without": {
            "summary": {"prediction": prediction, "boundary": {"found": False}},
            "maps": {"sm": sm, "ig_black": ig},
        },
    }
    assert "no boundary point" in row_label("without", results["without"])
    assert "circle at ℓ2 distance 0.250" in row_label("with", results["with"])
    frame = alignment_frame(results)
    assert frame["without"].isna().all()
    assert frame.loc["‖SM − BSM‖ (raw ℓ2)", "with"] == pytest.approx(np.linalg.norm(sm - bsm))


def test_standard_vs_robust_offers_a_download_for_a_missing_model(monkeypatch, tmp_path):
    monkeypatch.setenv("BAE_CACHE", str(tmp_path))  # nothing downloaded here
    app = AppTest.from_file(str(PAGES / "2_Standard_vs_Robust.py"), default_timeout=TIMEOUT)
    app.query_params.update({"standard": "imagenet-resnet50", "robust": "imagenet-resnet50-l2-3"})
    app.run()
    assert not app.exception, app.exception
    assert [s.value for s in app.selectbox if s.key in ("standard", "robust")] == [
        "imagenet-resnet50",
        "imagenet-resnet50-l2-3",
    ]
    notes = " ".join(info.value for info in app.info)
    assert "imagenet-resnet50** needs a download" in notes
    assert "imagenet-resnet50-l2-3** needs a download" in notes
    labels = [button.label for button in app.button]
    assert "Download imagenet-resnet50" in labels and "Download imagenet-resnet50-l2-3" in labels
    assert not app.get("image") and not app.error  # nothing computed, nothing failed


def test_standard_vs_robust_lists_only_models_of_the_same_dataset():
    app = AppTest.from_file(str(PAGES / "2_Standard_vs_Robust.py"), default_timeout=TIMEOUT)
    app.query_params.update({"standard": "cifar10-resnet18"})
    app.run()
    robust = next(s for s in app.selectbox if s.key == "robust")
    assert robust.options and all(o.startswith("cifar10-") for o in robust.options)
    assert robust.value.startswith("cifar10-resnet50-l2-0.5")


def test_the_page_says_what_its_own_numbers_show():
    """The sentence under the table is written from this image's numbers: 'farther' exactly
    when the robust model's 1 − cos is larger by more than SAME, 'closer' when smaller."""
    from ui.compare import SAME

    app = AppTest.from_file(str(PAGES / "2_Standard_vs_Robust.py"), default_timeout=TIMEOUT)
    app.query_params["shape"] = "00_dark_on_light_cross"
    app.run()
    assert not app.exception, app.exception
    frame = app.dataframe[0].value.replace("–", "nan").astype(float)
    text = next(m.value for m in app.markdown if m.value.startswith("**What these numbers"))
    for pair, row in (("SM–BSM", "1 − cos(SM, BSM)"), ("IG–BIG", "1 − cos(IG, BIG)")):
        standard, robust = frame.loc[row]
        line = next(line for line in text.splitlines() if line.startswith(f"- **{pair}**"))
        assert f"{standard:.3f} on `shapes-standard` and {robust:.3f}" in line, line
        if robust - standard > SAME + 1e-3:
            assert "**farther**" in line and "does not hold" in line, line
        elif standard - robust > SAME + 1e-3:
            assert "closer in direction on the robust model" in line, line


@pytest.mark.parametrize(
    "standard, robust, expected",
    [
        (0.265, 0.593, "**farther**"),
        (0.593, 0.265, "closer in direction on the robust model, as the paper claims"),
        (0.500, 0.510, "about as close"),
    ],
)
def test_alignment_sentence_follows_the_numbers(standard, robust, expected):
    from ui.compare import alignment_sentences

    numbers = {
        "std": {"sm_bsm_cosine": standard, "sm_bsm_l2": 2.0, "ig_big_cosine": None},
        "rob": {"sm_bsm_cosine": robust, "sm_bsm_l2": 1.0, "ig_big_cosine": 0.1},
    }
    lines = alignment_sentences(numbers).splitlines()
    assert expected in lines[0] and "Raw ℓ2 falls from 2 to 1" in lines[0]
    assert "not available" in lines[1]  # a missing number is said, not guessed


def test_preset_note_names_the_farther_search():
    import ui.compute as compute
    from ui.explain_view import preset_note

    compute.clear_caches()
    image = np.zeros((3, 4, 4), np.float32)

    def store(preset: str, distance: float) -> None:
        record = {"found": np.array([True]), "distance": np.array([distance])}
        key = compute.image_key(image)
        compute.cached_search("m", key, image, preset, None, compute.SEED, _record=record)

    assert preset_note("m", image, "fast", None) is None  # nothing searched yet
    store("fast", 0.31)
    assert preset_note("m", image, "fast", None) is None  # only one preset ran
    store("paper", 0.52)
    for preset in ("fast", "paper"):
        note = preset_note("m", image, preset, None)
        assert "The **paper** preset found a farther x′ than the fast one" in note, note
        assert "0.5200 against 0.3100" in note
