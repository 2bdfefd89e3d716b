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
