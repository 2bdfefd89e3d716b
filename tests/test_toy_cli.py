"""``python -m boundary_core toy``: the JSON contract and the safetensors round trip."""

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from boundary_core.cli import main
from boundary_core.toy import load_toy_model


@pytest.fixture(scope="module")
def run_toy(tmp_path_factory):
    path = tmp_path_factory.mktemp("toy") / "net.safetensors"
    argv = [
        "toy",
        "--preset",
        "three_blobs",
        "--seed",
        "2",
        "--hidden",
        "8,8",
        "--query",
        "0.2,0.4",
        "--json",
        "--save-model",
        str(path),
    ]
    return argv, path


def test_json_keys_and_consistency(run_toy, capsys):
    argv, path = run_toy
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["regions"] > 10
    boundary = result["boundary"]
    for key in ("sm", "bsm", "ig", "big", "baseline"):
        assert len(result[key]) == 2 and all(np.isfinite(result[key]))
    assert len(boundary["exact_point"]) == 2 and boundary["certified"]
    # the exact distance is the minimum; the searched point is at least as far
    assert boundary["exact_distance"] <= boundary["search_distance"] + 1e-9
    query = np.array(result["query"])
    assert np.linalg.norm(np.array(boundary["exact_point"]) - query) == pytest.approx(
        boundary["exact_distance"]
    )
    logits = np.array(result["logits"])
    assert result["prediction"] == int(logits.argmax()) and result["class_name"] in (
        "blue",
        "orange",
        "green",
    )

    # --save-model: keys in forward order, loadable into a plain nn.Sequential
    tensors = load_file(str(path))
    assert sorted(tensors) == sorted(
        f"layers.{i}.{k}" for i in range(3) for k in ("weight", "bias")
    )
    sequential = nn.Sequential(
        nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3)
    )
    with torch.no_grad():
        for i, layer in enumerate(sequential[::2]):
            layer.weight.copy_(tensors[f"layers.{i}.weight"])
            layer.bias.copy_(tensors[f"layers.{i}.bias"])
    x = torch.tensor([result["query"]], dtype=torch.float32)
    with torch.no_grad():
        np.testing.assert_allclose(sequential(x)[0].numpy(), logits, rtol=1e-5, atol=1e-5)
    reloaded = load_toy_model(path)
    x64 = torch.tensor([result["query"]], dtype=torch.float64)
    with torch.no_grad():
        np.testing.assert_allclose(reloaded(x64)[0].numpy(), logits, atol=1e-12)
        # completeness of the reported BIG against the saved net
        point = torch.tensor([boundary["exact_point"]], dtype=torch.float64)
        c = result["prediction"]
        drop = float(reloaded(x64)[0, c] - reloaded(point)[0, c])
    assert sum(result["big"]) == pytest.approx(drop, abs=1e-9)


@pytest.mark.parametrize(
    "argv",
    [
        ["toy", "--preset", "nope"],
        ["toy", "--query", "1"],
        ["toy", "--hidden", "0,3"],
        ["toy", "--query", "nan,1"],
    ],
)
def test_user_mistakes_give_one_line_and_exit_2(argv, capsys):
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("error: ")
