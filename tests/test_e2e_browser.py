"""End to end in a real browser: the app served by ``streamlit run``, Explain driven by headless
Chromium (the system's, via Python Playwright), panels awaited, no error element, a screenshot.

Skipped only when /usr/bin/chromium is missing outside CI; in CI (env CI set) it must run.
"""

import os
import shutil
from pathlib import Path

import pytest

from bench.app import (
    CHROMIUM,
    ERRORS,
    PANEL,
    chromium_page,
    streamlit_server,
    wait_for_panels,
)

pytestmark = pytest.mark.browser
if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    REASON = f"{CHROMIUM} missing (apt-get install chromium); the test runs whenever CI is set"
    pytestmark = [pytestmark, pytest.mark.skip(reason=REASON)]

EXPLAIN_PANELS = 12  # input, 9 maps (default baselines), x′ and x′ − x


def _save(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("SCREENSHOT_DIR"):
        target = Path(os.environ["SCREENSHOT_DIR"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target / name)
    return path


def test_explain_page_in_chromium(tmp_path):
    with streamlit_server() as base, chromium_page() as page:
        page.goto(f"{base}/Explain?domain=shapes&shape=06_distractor_arrow&model=shapes-robust")
        wait_for_panels(page, EXPLAIN_PANELS, timeout_ms=240_000)
        assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()
        captions = " ".join(page.locator(PANEL).all_inner_texts())
        for expected in ("SM", "IG (black)", "BSM", "BIG", "AGI", "boundary point x′"):
            assert expected in captions, (expected, captions)
        metrics = page.locator('[data-testid="stMetric"]').all_inner_texts()
        assert any("Prediction" in m and "arrow" in m for m in metrics), metrics
        page.wait_for_selector('[data-testid="stDataFrame"]')  # box metrics beside (lazy-loaded)
        assert "shape=06_distractor_arrow" in page.url  # settings stay in the URL
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Home" in nav and "Toy Playground" in nav, nav  # app.py's navigation, not "app"
        shot = _save(page, tmp_path, "explain.png")
        assert shot.stat().st_size > 20_000


def test_real_uploads_in_chromium(tmp_path):
    """The real file uploader (which AppTest cannot drive): a bad file gives an in-page error,
    a 16-bit grayscale PNG is explained."""
    import numpy as np
    from PIL import Image

    bad = tmp_path / "notes.png"
    bad.write_bytes(b"definitely not a PNG")
    good = tmp_path / "gray16.png"
    Image.fromarray((np.arange(80 * 60).reshape(60, 80) * 13 % 65535).astype(np.uint16)).save(good)
    with streamlit_server() as base, chromium_page() as page:
        page.goto(f"{base}/Explain?domain=upload&model=shapes-standard")
        image_uploader = page.locator('[data-testid="stFileUploader"]').filter(
            has_text="Upload an image"
        )  # the other uploader (Bring your own model) takes .safetensors
        chooser = image_uploader.locator('[data-testid="stFileUploaderDropzoneInput"]')
        chooser.set_input_files(str(bad))
        page.wait_for_selector('[data-testid="stAlertContentError"]', timeout=60_000)
        assert "not a readable image" in page.locator(ERRORS).first.inner_text()
        assert page.locator('[data-testid="stException"]').count() == 0
        chooser.set_input_files(str(good))
        wait_for_panels(page, EXPLAIN_PANELS, timeout_ms=120_000)
        assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()
        _save(page, tmp_path, "upload.png")


def test_standard_vs_robust_colour_bar_alt_texts_and_hover_values(tmp_path):
    """Issue 18: one colour bar per kind of map shared by both models, with its numbers; an alt
    text on every image naming method, model and prediction; hovering a map shows its value."""
    with streamlit_server() as base, chromium_page(1440, 900) as page:
        page.goto(f"{base}/Standard_vs_Robust?shape=02_dark_on_light_triangle")
        wait_for_panels(page, 14, timeout_ms=300_000)  # 2 rows of 6 tiles + 2 colour bars
        assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()
        alts = page.locator(PANEL).locator("img").evaluate_all("images => images.map(i => i.alt)")
        assert all(alts), alts
        for model in ("shapes-standard", "shapes-robust"):
            assert any(a.startswith("BIG heatmap (model " + model) for a in alts), alts
        bars = [a for a in alts if a.startswith("Colour bar")]
        assert [b.split(":")[0] for b in bars] == [
            "Colour bar for gradient maps",
            "Colour bar for attribution maps",
        ]
        assert all("±" in b and "red = pushes towards" in b for b in bars), bars
        page.get_by_text("Hover values of shapes-robust").click()
        image = page.locator(".js-plotly-plot").last.locator("image").first
        image.scroll_into_view_if_needed()
        box = image.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector(".hovertext", timeout=10_000)
        hover = page.locator(".hovertext").first.text_content()
        assert "SM" in hover and "value" in hover, hover
        _save(page, tmp_path, "compare_hover.png")
