"""The toy playground and Home in a real browser (headless Chromium, the system's) at desktop
(1440×900) and phone (390×844) width: the smoothed boundary is drawn above the region fills in
its legend's colour, the plot toolbar does not cover the legend, nothing overflows a phone.
Screenshots go to pytest's tmp dir (and to $SCREENSHOT_DIR when set).

Skipped only when /usr/bin/chromium is missing outside CI; in CI (env CI set) it must run.
"""

from pathlib import Path

from browser_support import browser_marks, save_screenshot

from bench.app import ERRORS, chromium_page, streamlit_server, wait_until_idle

pytestmark = browser_marks()

SMOOTHED = "smoothed boundary σ=0.2"
# the smoothed line's stroke and legend colour, and whether every region fill comes before it
DRAWN = """name => {
    const plot = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    const index = plot.data.findIndex(trace => trace.name === name);
    const fills = plot.data.map((t, i) => t.fill === 'toself' ? i : -1).filter(i => i >= 0);
    const line = plot.querySelectorAll('.scatterlayer .trace')[index].querySelector('.js-line');
    const item = [...plot.querySelectorAll('.legend .traces')]
        .find(e => e.textContent.includes(name));
    return {
        index, lastFill: Math.max(...fills), type: plot.data[index].type,
        stroke: line && getComputedStyle(line).stroke,
        legend: item && getComputedStyle(item.querySelector('.js-line')).stroke,
        points: line ? line.getTotalLength() : 0,
    };
}"""


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def _open_playground(page, base: str) -> None:
    # a small net (8, 8) keeps the first, uncached run short
    page.goto(f"{base}/Toy_Playground?toy_widths=8%2C+8&toy_sigma=0.2&toy_qx=0.3&toy_qy=0.2")
    page.wait_for_selector('[data-testid="stMetric"]', timeout=180_000)
    page.wait_for_timeout(1000)
    wait_until_idle(page, 180_000)
    page.wait_for_selector(".js-plotly-plot .legend", timeout=60_000)


def _check_playground(page, folder: Path, name: str) -> None:
    assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()
    drawn = page.evaluate(DRAWN, SMOOTHED)
    assert drawn["index"] > drawn["lastFill"] and drawn["type"] == "scatter", drawn
    assert drawn["points"] > 0 and drawn["stroke"] == drawn["legend"] == "rgb(0, 139, 139)"
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.hover()  # the modebar and Streamlit's toolbar show on hover
    page.wait_for_timeout(300)
    legend = _box(page, ".js-plotly-plot .legend")
    for toolbar in (".js-plotly-plot .modebar", '[data-testid="stElementToolbar"]'):
        if page.locator(toolbar).count():
            assert not _overlap(legend, _box(page, toolbar)), toolbar
    width = page.viewport_size["width"]
    assert legend["x"] >= 0 and legend["x"] + legend["width"] <= width + 1, (legend, width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="searched distance")
    exact = page.locator('[data-testid="stMetric"]').filter(has_text="exact distance")
    if (
        metric.locator('[data-testid="stMetricValue"]').inner_text()
        == exact.locator('[data-testid="stMetricValue"]').inner_text()
    ):
        assert metric.locator('[data-testid="stMetricDelta"]').count() == 0  # no "↑"
    assert page.locator('[data-testid="stDataFrame"]').count() == 2  # net vs smoothed; attributions
    assert save_screenshot(page, folder, name).stat().st_size > 20_000


def test_toy_playground_at_desktop_and_phone_width(tmp_path):
    with streamlit_server() as base, chromium_page(1440, 900) as page:
        _open_playground(page, base)
        _check_playground(page, tmp_path, "toy_desktop.png")
        page.set_viewport_size({"width": 390, "height": 844})
        _open_playground(page, base)
        plot = _box(page, ".js-plotly-plot .nsewdrag")  # the plot area itself
        assert plot["width"] > 250, plot  # the plot keeps the phone's width
        _check_playground(page, tmp_path, "toy_phone.png")
        page.goto(base)  # Home: links to the toy pages, caption text under the example
        page.wait_for_selector('[data-testid="stImage"] img', timeout=60_000)
        wait_until_idle(page)
        links = " ".join(page.locator('[data-testid="stPageLink"]').all_inner_texts())
        assert "Toy playground" in links and "Theory" in links, links
        caption = page.locator('[data-testid="stImageCaption"]').first.inner_text()
        assert "EG" in caption and "BIG" in caption, caption
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        save_screenshot(page, tmp_path, "home_phone.png")
