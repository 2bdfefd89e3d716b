"""The core knows nothing of the UI (STYLE rules 1 and 18): no module under ``boundary_core/``
imports a front, a browser driver or a plotting library, and the benchmarks that drive the app
run from the top-level ``bench`` package instead of ``python -m boundary_core bench``.
"""

import ast
import subprocess
import sys

import pytest

from boundary_core.bench import BENCHMARKS, record
from boundary_core.paths import ROOT

FRONTS = ("streamlit", "gradio", "playwright", "ui", "bench")  # never imported, even lazily
PLOTTING = ("plotly", "matplotlib")  # never imported by the core (captum may load matplotlib)
CORE_BENCHMARKS = {
    "search",
    "explain",
    "toy",
    "evaluate",
    "train",
    "repaint",
    "resnet50",
    "ladder",
    "uploads",
    "scale",
    "budgets",
    "startup",
}
CORE_FILES = sorted((ROOT / "boundary_core").rglob("*.py"))


def imported_modules(tree: ast.AST) -> set[str]:
    """Every absolute module name an ``import``/``from … import`` (at any depth, also inside
    functions) or an ``importlib.import_module("…")`` / ``__import__("…")`` call names."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Call) and node.args:
            function = node.func
            called = getattr(function, "attr", getattr(function, "id", None))
            argument = node.args[0]
            if called in ("import_module", "__import__") and isinstance(argument, ast.Constant):
                names.add(str(argument.value))
    return names


def test_the_static_check_sees_lazy_and_dynamic_imports():
    source = (
        "import os\n"
        "def f():\n"
        "    from ui.compute import cached_model\n"
        "    import playwright.sync_api\n"
        "    importlib.import_module('streamlit.testing.v1')\n"
        "from . import sibling\n"
    )
    assert imported_modules(ast.parse(source)) == {
        "os",
        "ui.compute",
        "playwright.sync_api",
        "streamlit.testing.v1",
    }


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_imports_no_front_and_no_plotting(path):
    names = imported_modules(ast.parse(path.read_text(), filename=str(path)))
    forbidden = {name for name in names if name.split(".")[0] in FRONTS + PLOTTING}
    assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}"


def test_importing_every_core_module_loads_no_front():
    """Import every module of ``boundary_core`` in a fresh interpreter (run from the repository
    root, where ``ui`` and ``bench`` are importable) and look at ``sys.modules``."""
    code = (
        "import importlib, pkgutil, sys, boundary_core\n"
        "for info in pkgutil.walk_packages(boundary_core.__path__, 'boundary_core.'):\n"
        "    if not info.name.endswith('.__main__'):\n"
        "        importlib.import_module(info.name)\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        f"print(sorted(loaded & {set(FRONTS) | {'plotly'}!r}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_core_bench_help_lists_the_core_benchmarks_only():
    assert set(BENCHMARKS) == CORE_BENCHMARKS
    out = subprocess.run(
        [sys.executable, "-m", "boundary_core", "bench", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "{" + ",".join(BENCHMARKS) + "}" in out.stdout
    assert "app" not in out.stdout.split()


def test_front_bench_help_lists_the_app_benchmark():
    out = subprocess.run(
        [sys.executable, "-m", "bench", "app", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith("usage: python -m bench app")
    for flag in ("--no-record", "--threads", "--repeats"):
        assert flag in out.stdout


def test_record_names_the_command_that_measured(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    record("toy", "| a |", path=path)
    record("app", "| b |", path=path, command="python -m bench app")
    record("app", "| c |", path=path, command="python -m bench app")  # replaces, not appends
    text = path.read_text()
    assert "`python -m boundary_core bench toy`_" in text
    assert text.count("## app") == 1 and "`python -m bench app`_\n\n| c |" in text
    assert "| b |" not in text
