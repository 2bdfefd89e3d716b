"""What the browser tests share: the skip rule and the screenshot helper.

A browser test is skipped only when /usr/bin/chromium is missing outside CI; in CI (env CI set)
it must run. Screenshots go to pytest's tmp dir, and to ``$SCREENSHOT_DIR`` when set (to look at).
"""

import os
import shutil
from pathlib import Path

import pytest

from bench.app import CHROMIUM


def browser_marks() -> list:
    """``pytestmark`` for a browser test module."""
    marks = [pytest.mark.browser]
    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        reason = f"{CHROMIUM} missing (apt-get install chromium); the test runs whenever CI is set"
        marks.append(pytest.mark.skip(reason=reason))
    return marks


def save_screenshot(page, folder: Path, name: str) -> Path:
    """A full-page screenshot in ``folder`` (and a copy in ``$SCREENSHOT_DIR`` when set)."""
    path = folder / name
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("SCREENSHOT_DIR"):
        target = Path(os.environ["SCREENSHOT_DIR"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target / name)
    return path
