"""The Robustness ladder page under AppTest: every shipped rung of the shapes family in ε order,
its alignment numbers equal to the core's, and download buttons for a ladder not on the machine."""

import math
from pathlib import Path

from streamlit.testing.v1 import AppTest

from boundary_core.methods import alignment_of
from boundary_core.models import get_spec, ladders
from ui.ladder import ladder_frame

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "7_Robustness_Ladder.py")


def test_shapes_ladder_rows_in_epsilon_order():
    app = AppTest.from_file(PAGE, default_timeout=300)
    app.query_params.update({"family": "shapes", "shape": "02_dark_on_light_triangle"})
    app.run()
    assert not app.exception, app.exception
    rungs = ladders()["shapes"]
    epsilons = [get_spec(name).epsilon for name in rungs]
    assert epsilons == sorted(epsilons) and epsilons[0] == 0.0 and len(rungs) >= 2
    rows = [m.value for m in app.markdown if m.value.startswith("ε = ")]
    assert [r.split("**")[1] for r in rows] == list(rungs)
    frame = app.dataframe[0].value
    assert list(frame.index) == list(rungs)


def test_ladder_frame_is_the_core_alignment():
    maps = {"sm": [[[1.0, 0.0]]], "bsm": [[[0.0, 2.0]]], "ig_black": [[[1.0, 1.0]]]}
    result = {"maps": maps, "summary": {"boundary": {"found": True, "distance_l2": 0.5}}}
    frame = ladder_frame({"shapes-robust": result})
    core = alignment_of(maps, ("sm_bsm", "ig_big"))
    row = frame.loc["shapes-robust"]
    assert row["ε"] == get_spec("shapes-robust").epsilon and row["ℓ2 to x′"] == 0.5
    assert math.isclose(row["SM–BSM ℓ2"], core["sm_bsm_l2"])  # √5
    assert math.isclose(row["SM–BSM 1−cos"], 1.0)  # orthogonal maps
    assert math.isnan(row["IG–BIG ℓ2"])  # no BIG map: missing, not zero


def test_imagenet_ladder_offline_offers_downloads(monkeypatch, tmp_path):
    monkeypatch.setenv("BAE_CACHE", str(tmp_path))
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.query_params.update({"family": "imagenet-resnet50-l2"})
    app.run()
    assert not app.exception, app.exception
    labels = [button.label for button in app.button]
    assert labels == [f"Download {name}" for name in ladders()["imagenet-resnet50-l2"]]
    assert any("No model of this family" in info.value for info in app.info)


def test_ladder_sentence_follows_the_numbers():
    import pandas as pd

    from ui.ladder import ladder_sentences

    frame = pd.DataFrame(
        {
            "ε": [2.0, 0.0, 1.0],
            "SM–BSM 1−cos": [0.6, 0.3, 0.2],  # rises overall, not steadily
            "IG–BIG 1−cos": [0.1, 0.9, 0.5],  # falls steadily
        },
        index=["b", "a", "c"],
    )
    sm, ig = ladder_sentences(frame).splitlines()
    assert "from 0.300 (ε = 0) to 0.600 (ε = 2), not steadily: it **rises**, not as" in sm
    assert "from 0.900 (ε = 0) to 0.100 (ε = 2): it falls, as the paper claims." in ig
    assert ladder_sentences(frame.iloc[:1]) == ""  # one model: nothing to compare
