"""The Gradio front served on 127.0.0.1 and driven through its HTTP API with ``gradio_client``:
``/explain`` against ``explain --json`` on the same image, ``/compare``, ten clients at once,
clear errors for bad input; and both tabs in a real Chromium, screenshotted.
"""

import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch
from gradio_client import Client, handle_file

from bench.app import CHROMIUM, chromium_page, free_port
from boundary_core.cli import main
from boundary_core.data.gallery import gallery_picture, shapes_names
from boundary_core.data.images import MAX_BYTES
from boundary_core.methods import panel_methods
from boundary_core.models import default_pair, get_spec
from boundary_core.paths import SHAPES_GALLERY_DIR

MODEL = "shapes-standard"
STEPS = 5  # a small search budget: the test checks agreement, not quality
BASELINES = ["black"]


@pytest.fixture(scope="module")
def app():
    import gradio_app

    url = gradio_app.launch_local(free_port())
    yield gradio_app, url
    gradio_app.demo.close()


def explain(url: str, name: str, upload=None):
    """One ``/explain`` call: (panels, x′, JSON, downloads)."""
    source = "upload" if upload is not None else "shapes"
    return Client(url, verbose=False).predict(
        source, name, upload, MODEL, BASELINES, "fast", STEPS, api_name="/explain"
    )


def cli_json(name: str, capsys, monkeypatch) -> dict:
    """``explain --json``, serial as the app runs it (the maps are the same either way)."""
    monkeypatch.setenv("BAE_PARALLEL", "0")
    path = SHAPES_GALLERY_DIR / f"{name}.png"
    methods = panel_methods(tuple(BASELINES))
    argv = ["explain", "--model", MODEL, "--image", str(path), "--json"]
    assert main(argv + ["--search-steps", str(STEPS), "--methods", *methods]) == 0
    return json.loads(capsys.readouterr().out)


def test_explain_endpoint_matches_the_cli(app, capsys, monkeypatch):
    _, url = app
    name = shapes_names()[6]
    panels, x_prime, numbers, files = explain(url, name)
    expected = cli_json(name, capsys, monkeypatch)
    assert set(numbers) == set(expected)  # model, image, device + the summary's keys
    for key in ("prediction", "target", "boundary", "methods"):
        assert set(numbers[key]) == set(expected[key]), key
    assert numbers["prediction"] == expected["prediction"]
    assert numbers["boundary"]["found"] and expected["boundary"]["found"]
    assert numbers["boundary"]["label"] == expected["boundary"]["label"]
    distance, cli_distance = numbers["boundary"]["distance_l2"], expected["boundary"]["distance_l2"]
    assert abs(distance - cli_distance) <= 1e-4
    for method, info in expected["methods"].items():
        if "completeness_delta" in info:
            delta = numbers["methods"][method]["completeness_delta"]
            assert abs(delta - info["completeness_delta"]) <= 1e-4, method
    captions = [panel["caption"] for panel in panels]
    assert captions[0] == "input" and "BIG" in " ".join(captions)
    assert captions[-2:] == ["boundary point x′", "x′ − x (amplified)"]
    assert all(Path(panel["image"]).stat().st_size > 0 for panel in panels)
    assert x_prime is not None and Path(x_prime).stat().st_size > 0
    assert sorted(Path(f).suffix for f in files) == [".npz", ".png"]


def test_compare_endpoint_returns_both_summaries(app):
    _, url = app
    standard, robust = default_pair("shapes64")
    galleries_a, galleries_b, summaries = Client(url, verbose=False).predict(
        f"{standard} vs {robust}",
        "shapes",
        shapes_names()[2],
        None,
        BASELINES,
        "fast",
        STEPS,
        api_name="/compare",
    )
    assert set(summaries) == {"standard", "robust"}
    assert summaries["standard"]["model"] == standard and summaries["robust"]["model"] == robust
    for summary in summaries.values():
        assert {"prediction", "boundary", "methods", "unavailable", "device"} <= set(summary)
    assert len(galleries_a) == len(galleries_b) > 3


def test_ten_clients_at_once_each_get_their_own_image(app):
    gradio_app, url = app
    names = shapes_names()[:10]
    size = get_spec(MODEL).input_size[1]
    expected = {}
    with torch.no_grad():
        for name in names:
            image = torch.from_numpy(gallery_picture("shapes", name, size).image)
            expected[name] = gradio_app.model(MODEL)(image[None]).softmax(dim=1)[0]
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        answers = list(pool.map(lambda name: explain(url, name)[2], names))
    for name, numbers in zip(names, answers, strict=True):
        assert numbers["image"] == f"shapes/{name}"
        index = int(expected[name].argmax())
        assert numbers["prediction"]["index"] == index, name
        assert abs(numbers["prediction"]["probability"] - float(expected[name][index])) < 1e-5


def test_an_uploaded_file_is_explained_like_the_same_gallery_image(app):
    _, url = app
    name = shapes_names()[3]
    uploaded = explain(url, None, upload=handle_file(str(SHAPES_GALLERY_DIR / f"{name}.png")))[2]
    assert uploaded["image"] == f"{name}.png"
    assert uploaded["prediction"] == explain(url, name)[2]["prediction"]


def test_non_image_bytes_give_one_clear_error(app, tmp_path):
    _, url = app
    path = tmp_path / "notes.png"
    path.write_bytes(b"these are not the pixels you are looking for")
    with pytest.raises(Exception, match="not a readable image"):
        explain(url, shapes_names()[0], upload=handle_file(str(path)))


def test_a_file_over_the_core_limit_is_refused_before_reading(app, tmp_path):
    import gradio as gr

    gradio_app, _ = app
    path = tmp_path / "huge.png"
    with open(path, "wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(gr.Error, match=f"the limit is {MAX_BYTES // 2**20} MiB"):
        gradio_app.picture("upload", None, str(path), MODEL)


def test_search_steps_over_a_requests_budget_are_refused_in_one_line(app):
    """The API takes no more search steps than a browser request may ask for (limits.py): the
    issue's `steps=500` with the paper preset cost 234 CPU-seconds per request."""
    import gradio as gr

    from boundary_core.limits import REQUEST_SEARCH_STEPS

    gradio_app, _ = app
    for preset, cap in REQUEST_SEARCH_STEPS.items():
        assert gradio_app.settings_of(MODEL, ["black"], preset, cap) == (("black",), cap)
        with pytest.raises(gr.Error, match=f"at most {cap}"):
            gradio_app.settings_of(MODEL, ["black"], preset, cap + 1)


def test_gpu_work_is_wrapped_with_a_duration_estimated_from_the_work(app, monkeypatch):
    gradio_app, _ = app
    seen = {}
    monkeypatch.setattr(gradio_app, "SPACES_GPU", lambda duration: seen.setdefault("d", duration))
    gradio_app.gpu(duration=gradio_app.gpu_seconds)
    assert seen["d"] is gradio_app.gpu_seconds  # spaces.GPU calls it with compute's arguments
    small, large = torch.zeros(3, 64, 64).numpy(), torch.zeros(3, 224, 224).numpy()
    methods = panel_methods(("black", "white"))
    fast_small = gradio_app.gpu_seconds(MODEL, small, methods, "fast", None)
    fast_large = gradio_app.gpu_seconds(MODEL, large, methods, "fast", None)
    paper_large = gradio_app.gpu_seconds(MODEL, large, methods, "paper", None)
    assert 10 <= fast_small < fast_large < paper_large <= 120


# --- both tabs in Chromium ---------------------------------------------------------------------
def _screenshot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    shutil.copy(path, Path("/tmp") / f"gradio_{name}")
    return path


def _wait_for_images(page, selector: str, count: int) -> None:
    page.wait_for_function(
        f"() => document.querySelectorAll('{selector} img').length >= {count}", timeout=240_000
    )


@pytest.mark.browser
@pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason=f"{CHROMIUM} missing"
)
def test_both_tabs_in_chromium(app, tmp_path):
    _, url = app
    with chromium_page() as page:
        page.goto(url)
        page.get_by_role("button", name="Explain", exact=True).click()
        _wait_for_images(page, "#panels", 11)  # input, 9 maps (black, white IG), x′, x′ − x
        page.wait_for_selector("#numbers >> text=prediction")
        assert _screenshot(page, tmp_path, "explain.png").stat().st_size > 20_000
        page.get_by_role("tab", name="Standard vs Robust").click()
        page.get_by_role("button", name="Compare", exact=True).click()
        _wait_for_images(page, "#standard", 11)
        _wait_for_images(page, "#robust", 11)
        assert _screenshot(page, tmp_path, "compare.png").stat().st_size > 20_000
        assert page.locator(".toast-body.error").count() == 0


def test_explain_a_chosen_target_class(app):
    _, url = app
    name = shapes_names()[0]
    _, _, summary, _ = Client(url, verbose=False).predict(
        "shapes", name, None, MODEL, BASELINES, "fast", STEPS, 2, api_name="/explain"
    )
    assert summary["target"]["index"] == 2
    assert summary["target"]["label"] == get_spec(MODEL).class_names[2]
    with pytest.raises(Exception, match="target must be a class index"):
        Client(url, verbose=False).predict(
            "shapes", name, None, MODEL, BASELINES, "fast", STEPS, 99, api_name="/explain"
        )
