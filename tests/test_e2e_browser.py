"""End to end in a real browser: the app served by ``streamlit run``, Explain driven by headless
Chromium (the system's, via Python Playwright), panels awaited, no error element, a screenshot.

Skipped only when /usr/bin/chromium is missing outside CI; in CI (env CI set) it must run.
"""

from browser_support import browser_marks, save_screenshot
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench.app import (
    ERRORS,
    PANEL,
    chromium_page,
    streamlit_server,
    wait_for_panels,
    wait_until_idle,
)

pytestmark = browser_marks()

EXPLAIN_PANELS = 12  # input, 9 maps (default baselines), x′ and x′ − x


def test_explain_page_in_chromium(tmp_path):
    with streamlit_server() as base, chromium_page() as page:
        page.goto(f"{base}/Explain?domain=shapes&shape=06_distractor_arrow&model=shapes-robust")
        wait_for_panels(page, EXPLAIN_PANELS, timeout_ms=240_000)
        assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()
        captions = " ".join(page.locator(PANEL).all_inner_texts())
        for expected in ("SM", "IG (black)", "BSM", "BIG", "AGI", "boundary point x′"):
            assert expected in captions, (expected, captions)
        page.wait_for_function(  # the headline is drawn once every map is in
            "() => [...document.querySelectorAll('[data-testid=stMetric]')]"
            ".some(m => m.innerText.includes('Prediction'))",
            timeout=120_000,
        )
        metrics = page.locator('[data-testid="stMetric"]').all_inner_texts()
        assert any("Prediction" in m and "arrow" in m for m in metrics), metrics
        page.wait_for_selector('[data-testid="stDataFrame"]')  # box metrics beside (lazy-loaded)
        assert "shape=06_distractor_arrow" in page.url  # settings stay in the URL
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Home" in nav and "Toy Playground" in nav, nav  # app.py's navigation, not "app"
        shot = save_screenshot(page, tmp_path, "explain.png")
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
        save_screenshot(page, tmp_path, "upload.png")


def _search_cost(page) -> str:
    """The headline's search cost: '<gradients> gradients, <seconds> s' of the stored search."""
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Search")
    return metric.locator('[data-testid="stMetricDelta"]').inner_text()


def _choose(page, label: str, option: str) -> None:
    """Open the select box or multiselect labelled ``label`` and click ``option``."""
    for attempt in range(3):  # a rerun that redraws the widget closes its menu: open it again
        page.get_by_role("combobox", name=label).click()
        choice = page.get_by_role("option", name=option, exact=True)
        try:
            choice.click(timeout=10_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            if attempt == 2:
                raise
    page.keyboard.press("Escape")


def test_target_choice_and_a_new_baseline_reuse_the_search_in_chromium(tmp_path):
    """Issue 18: a new IG baseline adds its panel and a new target class relabels every map,
    both from the same stored boundary search (its cost line stays the same: no new search)."""
    with streamlit_server() as base, chromium_page(1440, 900) as page:
        page.goto(f"{base}/Explain?domain=shapes&shape=06_distractor_arrow&model=shapes-robust")
        wait_for_panels(page, EXPLAIN_PANELS, timeout_ms=240_000)
        cost = _search_cost(page)
        _choose(page, "IG baselines", "IG (blur)")
        page.wait_for_function(
            "() => document.body.innerText.includes('IG (blur)')", timeout=120_000
        )
        # the chip shows 'IG (blur)' before the rerun: wait for the rerun's URL, then its tiles
        page.wait_for_url(lambda url: "baselines=blur" in url, timeout=120_000)
        wait_for_panels(page, EXPLAIN_PANELS + 1, timeout_ms=120_000)
        assert _search_cost(page) == cost  # the stored x′, not a new search
        _choose(page, "Explain the class", "star")
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('img')).some("
            "i => i.alt.includes(\"explaining 'star'\"))",
            timeout=120_000,
        )
        page.wait_for_url(lambda url: "target=star" in url, timeout=120_000)
        wait_for_panels(page, EXPLAIN_PANELS + 1, timeout_ms=120_000)
        assert _search_cost(page) == cost
        alts = page.locator(PANEL).locator("img").evaluate_all("i => i.map(x => x.alt)")
        maps = [a for a in alts if " heatmap (" in a]
        assert maps and all("explaining 'star'" in a for a in maps), maps
        assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()
        save_screenshot(page, tmp_path, "explain_target_star.png")


def test_phone_layout_tiles_in_reading_order_and_tables_scroll(tmp_path):
    """Issue 18, at 390 px: Explain's tiles two a row in panel order (not column by column),
    and Evaluate's wide tables scroll sideways instead of being cut off."""
    with streamlit_server() as base, chromium_page(390, 844) as page:
        page.goto(f"{base}/Explain?domain=shapes&shape=06_distractor_arrow&model=shapes-robust")
        wait_for_panels(page, EXPLAIN_PANELS, timeout_ms=240_000)
        page.wait_for_function(  # the phone CSS applied: the second tile beside the first
            "() => { const t = document.querySelectorAll('.st-key-tiles [data-testid=stImage]');"
            " return t.length > 1 && t[0].getBoundingClientRect().top =="
            " t[1].getBoundingClientRect().top; }",
            timeout=60_000,
        )
        tiles = page.locator(".st-key-tiles").locator(PANEL)  # the Explain grid
        boxes = tiles.evaluate_all(
            "els => els.map(e => { const r = e.getBoundingClientRect(); "
            "return [Math.round(r.top), Math.round(r.left), e.innerText]; })"
        )
        assert len(boxes) >= EXPLAIN_PANELS, boxes
        assert boxes == sorted(boxes, key=lambda b: (b[0], b[1])), boxes  # reading order
        assert len({top for top, _, _ in boxes}) == (len(boxes) + 1) // 2  # two a row
        captions = [text for _, _, text in boxes]
        assert captions[:2] == ["input", "SM"] and captions[2].startswith("IG (black)"), captions
        save_screenshot(page, tmp_path, "explain_phone.png")
        page.goto(f"{base}/Evaluate")
        page.wait_for_selector("table", timeout=120_000)
        wait_until_idle(page)
        overflow = page.locator("[data-testid='stMarkdownContainer'] table").evaluate_all(
            "ts => ts.map(t => [getComputedStyle(t).overflowX, t.scrollWidth > t.clientWidth])"
        )
        assert overflow and all(o == "auto" for o, _ in overflow), overflow
        assert any(wide for _, wide in overflow)  # at least one table is wider than a phone
        save_screenshot(page, tmp_path, "evaluate_phone.png")


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
        hover = ""
        for nudge in range(3):  # plotly removes the label when the page redraws: hover again
            box = image.bounding_box()
            x, y = box["x"] + box["width"] / 2 + nudge, box["y"] + box["height"] / 2
            page.mouse.move(x, y)
            label = page.wait_for_selector(".hovertext", timeout=10_000)
            hover = label.text_content() or ""  # read from the handle, even if since removed
            if hover:
                break
        assert "SM" in hover and "value" in hover, hover
        save_screenshot(page, tmp_path, "compare_hover.png")
