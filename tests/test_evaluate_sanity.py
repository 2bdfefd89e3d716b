"""``evaluate --sanity N``: the model-randomisation check of App. B.7 for every method of a run,
equal to ``metrics.rank_correlations`` called by hand, and BSM/BIG listed as not run."""

import json

import numpy as np
import torch

from boundary_core import attributions as attr
from boundary_core.cli import main
from boundary_core.evaluation import shapes_test_batches
from boundary_core.evaluation.sanity import NEEDS_SEARCH, SANITY_BLOCK
from boundary_core.metrics import rank_correlations
from boundary_core.models import load_model


def test_evaluate_sanity_matches_rank_correlations_by_hand(tmp_path, capsys):
    out = tmp_path / "eval.json"
    code = main(
        [
            "evaluate",
            "--model",
            "shapes-standard",
            "--n",
            "2",
            "--methods",
            "sm,bsm",
            "--search-steps",
            "5",
            "--sanity",
            "3",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    sanity = json.loads(out.read_text())["sanity"]
    assert sanity["bsm"] == {"skipped": NEEDS_SEARCH}
    model = load_model("shapes-standard")
    x = next(shapes_test_batches(3, 3)).images
    target = model(x).argmax(1)
    curve = rank_correlations(
        lambda m, images: attr.saliency(m, images, target),
        model,
        x,
        generator=torch.Generator().manual_seed(0),
        block=SANITY_BLOCK,
    )
    assert sanity["sm"]["randomized"] == list(curve.randomized)
    np.testing.assert_allclose(sanity["sm"]["mean_rho"], curve.mean(), rtol=1e-6)
    # fully randomised weights: SM no longer ranks pixels like the trained model's SM
    assert abs(sanity["sm"]["mean_rho"][-1]) < sanity["sm"]["mean_rho"][0]
    assert "Model-randomisation sanity check" in capsys.readouterr().out


def test_evaluate_refuses_negative_sanity(tmp_path, capsys):
    code = main(
        [
            "evaluate",
            "--model",
            "shapes-standard",
            "--n",
            "2",
            "--sanity",
            "-1",
            "--json",
            str(tmp_path / "e.json"),
        ]
    )
    assert code == 2 and "--sanity must be >= 0" in capsys.readouterr().err
