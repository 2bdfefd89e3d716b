"""The toy pages run under Streamlit's AppTest; the figure builders draw what the core computed."""

import base64
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from boundary_core.toy import exact_geometry, explain_query, make_data, train_mlp
from ui.toy_figures import SMOOTHED_COLOUR, playground_figure

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
    labels = {m.label: m for m in app.metric}
    exact, searched = (
        float(labels["exact distance to boundary"].value),
        float(labels["searched distance"].value),
    )
    assert 0 < exact <= searched + 1e-4
    if abs(searched - exact) < 5e-5:
        assert not labels["searched distance"].delta  # no arrow on an unchanged delta
    app.selectbox(key="toy_preset").set_value("three_blobs").run()
    app.slider(key="toy_sigma").set_value(0.2).run()
    app.radio(key="toy_mode").set_value("adversarial").run()
    assert not app.exception
    assert app.slider(key="toy_qx").value == pytest.approx(0.3)  # query survives preset changes


def test_smoothing_draws_its_boundary_on_top_and_lists_its_numbers():
    app = AppTest.from_file(str(PAGES / "5_Toy_Playground.py"), default_timeout=90).run()
    tables = [frame.value for frame in app.dataframe]
    assert len(tables) == 1 and list(tables[0]["input"]) == ["x₁", "x₂"]  # labelled rows
    plain_sm = [float(v) for v in tables[0]["SM"]]
    app.slider(key="toy_sigma").set_value(0.2).run()
    assert not app.exception
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    fills = [i for i, trace in enumerate(spec["data"]) if trace.get("fill") == "toself"]
    name = "smoothed boundary σ=0.2"
    index, trace = next((i, t) for i, t in enumerate(spec["data"]) if t.get("name") == name)
    assert trace["type"] == "scatter" and index > max(fills)  # drawn above every region fill
    assert trace["line"]["color"] == SMOOTHED_COLOUR and "smoothed" in app.caption[0].value
    assert spec["layout"]["legend"]["y"] < 0  # legend below the plot, clear of the toolbar
    comparison, attributions = (frame.value for frame in app.dataframe)
    assert list(comparison.columns) == ["", "net", "smoothed, σ=0.2"]
    row = dict(zip(comparison[""], comparison["smoothed, σ=0.2"], strict=True))
    assert row["distance to boundary"].endswith("(searched)")
    smoothed_sm = [float(v) for v in attributions["SM σ=0.2"]]
    assert [float(v) for v in attributions["SM"]] == plain_sm
    assert smoothed_sm != plain_sm  # the smoothed net has its own SM (SmoothGrad)
    assert row["SM"] == f"({smoothed_sm[0]:+.3f}, {smoothed_sm[1]:+.3f})"
    point = next(
        t for t in chart_traces(app.get("plotly_chart")[0]) if t["name"].startswith("smoothed x'")
    )
    query = np.array([app.slider(key="toy_qx").value, app.slider(key="toy_qy").value])
    distance = float(row["distance to boundary"].split()[0])
    assert np.hypot(point["x"][0] - query[0], point["y"][0] - query[1]) == pytest.approx(
        distance, abs=1e-4
    )


def test_reset_and_step_train_the_net_and_draw_its_loss():
    app = AppTest.from_file(str(PAGES / "5_Toy_Playground.py"), default_timeout=90).run()
    assert any(c.value.startswith("epoch 400 of 400 (fully trained") for c in app.caption)
    app.button[0].click().run()  # Reset
    assert any(c.value.startswith("epoch 0 of 400") for c in app.caption)
    app.button[1].click().run()  # Step
    app.button[1].click().run()
    assert not app.exception
    assert any(c.value.startswith("epoch 40 of 400") for c in app.caption)
    loss = next(
        t for t in map(chart_traces, app.get("plotly_chart")) if t[0]["name"] == "training loss"
    )
    assert np.array_equal(loss[0]["x"], np.arange(1, 41)) and loss[0]["y"][-1] < loss[0]["y"][0]
    assert app.button[2].label == "Play" and not app.button[2].disabled


def chart_traces(chart) -> list[dict]:
    """A ``st.plotly_chart``'s traces, with numeric arrays decoded (plotly sends numpy arrays as
    ``{"dtype", "bdata"}`` base64 blobs)."""

    def values(v):
        if isinstance(v, dict):
            return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
        return np.asarray(v, dtype=float)

    return [
        {"name": trace["name"], "x": values(trace["x"]), "y": values(trace["y"])}
        for trace in json.loads(chart.proto.spec)["data"]
        if "name" in trace  # the playground's invisible click grid has none
    ]


def test_theory_page_draws_what_its_text_claims():
    app = AppTest.from_file(str(PAGES / "6_Theory.py"), default_timeout=60).run()
    assert not app.exception
    headers = [header.value for header in app.header]
    assert len(headers) == 3
    assert headers[0].startswith("1. The Er activation") and "Theorem 3.3" in headers[1]
    assert headers[2].startswith("3. ‖SM − BSM‖ against σ")
    texts = [markdown.value for markdown in app.markdown]
    assert len(texts) == 3
    assert "Er activation" in texts[0] and "λ(σ)" in texts[1] and "Fig. 11" in texts[2]
    assert [c.value for c in app.caption] == [
        "net: moons, widths 16, 16, standard training, seed 0, fully trained "
        "(set on the playground page)"
    ]
    er, bound, smoothing = (chart_traces(chart) for chart in app.get("plotly_chart"))
    # 1. ReLU, then the closed-form Er curve and its Monte Carlo dots for each default scale.
    scales = ("0.25", "0.5", "1")
    assert [trace["name"] for trace in er] == ["ReLU (s = 0)"] + [
        name for s in scales for name in (f"Er(u; s={s})", f"Monte Carlo, s={s}")
    ]
    assert np.array_equal(er[0]["y"], np.maximum(er[0]["x"], 0))
    for curve, dots in zip(er[1::2], er[2::2], strict=True):  # the dots sit on the curve
        on_curve = np.interp(dots["x"], curve["x"], curve["y"])
        assert np.allclose(dots["y"], on_curve, atol=0.03), curve["name"]
        assert np.all(curve["y"] >= np.maximum(curve["x"], 0) - 1e-12)  # Jensen: E ReLU ≥ ReLU
    # 2. The measured saliency gap stays below the bound λ(σ), and the bound falls with σ.
    assert [trace["name"] for trace in bound] == [
        "bound λ(σ) (eq. 19)",
        "measured ‖g(x) − g(x′)‖",
    ]
    assert len(bound[0]["x"]) == 12 and np.array_equal(bound[0]["x"], bound[1]["x"])
    assert np.all(bound[1]["y"] <= bound[0]["y"] + 1e-9)
    assert bound[0]["y"][-1] < bound[0]["y"][0]
    # 3. On the playground net, SM and BSM draw together as σ grows.
    distance, cosine = smoothing
    assert distance["x"][0] == 0 and np.all(np.diff(distance["x"]) > 0)
    assert np.all(np.isfinite(distance["y"])) and np.all(distance["y"] >= 0)
    assert distance["y"][-1] < distance["y"][0]
    assert np.all(np.abs(cosine["y"]) <= 1 + 1e-9) and cosine["y"][-1] > cosine["y"][0]


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


def test_playground_draws_the_guided_path_and_idgi_weights():
    from boundary_core.toy.path_methods import exact_idgi, toy_guided_path

    app = AppTest.from_file(str(PAGES / "5_Toy_Playground.py"), default_timeout=60).run()
    assert not app.exception
    traces = {t["name"]: t for t in chart_traces(app.get("plotly_chart")[0])}
    guided, idgi = traces["Guided IG path"], traces["IDGI weights"]
    query = (app.slider(key="toy_qx").value, app.slider(key="toy_qy").value)
    assert np.allclose([guided["x"][-1], guided["y"][-1]], query, atol=1e-6)  # ends at x
    # the figure builder draws exactly what the core computed: one marker per linear piece
    data = make_data("apple_banana")
    model = train_mlp(data, (8, 8))
    geometry = exact_geometry(model, data.box)
    explanation = explain_query(model, geometry, (0.1, 0.0))
    pieces = exact_idgi(explanation.ig_path, explanation.label)
    path = toy_guided_path(model, (0.1, 0.0), explanation.label, (0.0, 0.0))
    figure = playground_figure(geometry, data, explanation, guided=path, idgi=pieces)
    markers = next(t for t in figure.data if t.name == "IDGI weights")
    assert len(markers.x) == len(pieces.logit_steps) == len(explanation.ig_path.t) - 1
    np.testing.assert_allclose(markers.marker.color, pieces.weights[:, 0])
    assert np.isclose(pieces.attribution.sum(), pieces.logit_steps.sum())  # IDGI completeness
    assert len(idgi["x"]) >= 1
