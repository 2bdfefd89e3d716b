"""The toy pages run under Streamlit's AppTest; the figure builders draw what the core computed."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from boundary_core.toy import exact_geometry, explain_query, make_data, train_mlp
from ui.toy_figures import playground_figure

PAGES = Path(__file__).resolve().parents[1] / "pages"


def test_core_imports_no_ui():
    code = (
        "import sys, boundary_core.toy, boundary_core.cli.toy_cmd, boundary_core.bench.toy; "
        "print(any(m in sys.modules for m in ('streamlit', 'plotly')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_playground_page_runs_and_reacts():
    app = AppTest.from_file(str(PAGES / "5_Toy_Playground.py"), default_timeout=60).run()
    assert not app.exception
    labels = {m.label: m.value for m in app.metric}
    exact, searched = (
        float(labels["exact distance to boundary"]),
        float(labels["searched distance"]),
    )
    assert 0 < exact <= searched + 1e-4
    app.selectbox(key="toy_preset").set_value("three_blobs").run()
    app.slider(key="toy_sigma").set_value(0.2).run()
    app.radio(key="toy_mode").set_value("adversarial").run()
    assert not app.exception
    assert app.slider(key="toy_qx").value == pytest.approx(0.3)  # query survives preset changes


def test_theory_page_runs():
    app = AppTest.from_file(str(PAGES / "6_Theory.py"), default_timeout=60).run()
    assert not app.exception
    assert len(app.markdown) >= 3


def test_playground_figure_draws_exact_cells_and_boundary():
    data = make_data("apple_banana")
    model = train_mlp(data, (8, 8))
    geometry = exact_geometry(model, data.box)
    figure = playground_figure(geometry, data, explain_query(model, geometry, (0.1, 0.0)))
    names = {trace.name for trace in figure.data}
    assert {"decision boundary", "exact x'", "query x", "BIG path (x' → x)"} <= names
    boundary = next(t for t in figure.data if t.name == "decision boundary")
    drawn = np.asarray(boundary.x)[np.isfinite(np.asarray(boundary.x, dtype=float))]
    assert len(drawn) == 2 * len(geometry.boundary)
