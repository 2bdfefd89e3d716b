"""The method table is the one source every entry point reads, and the entry points refuse bad
arguments with one clear ``ValueError`` (never a silent default or a library's assertion)."""

import pytest
import torch
from torch import nn

from boundary_core import attributions as attr
from boundary_core.maps import attribute_all
from boundary_core.methods import (
    ALIGNMENT_PAIRS,
    DEFAULT_METHODS,
    METHODS,
    Method,
    Settings,
    alignment_of,
    parse_methods,
)
from boundary_core.metrics import METRICS, cosine_distance, l2_distance
from boundary_core.search import find_boundary
from boundary_core.search.find import FAST_TARGETS, NORMAL_STEPS

QUICK = Settings(ig_steps=4, sg_samples=2, agi_classes=2, agi_steps=2)


@pytest.fixture
def boundary(tiny_cnn, images):
    result = find_boundary(tiny_cnn, images, steps=20)
    assert bool(result.found.all())
    return result


def test_every_method_runs_and_its_flags_say_what_it_returns(tiny_cnn, images, boundary):
    target = tiny_cnn(images).argmax(1)
    result = attribute_all(tiny_cnn, images, target, boundary, tuple(METHODS), QUICK)
    assert list(result.maps) == list(METHODS) and not result.unavailable
    for name, method in METHODS.items():
        assert result.maps[name].shape == images.shape
        assert (name in result.deltas) == method.completeness, name
    # without x′ exactly the methods that need it are unavailable
    without = attribute_all(tiny_cnn, images, target, None, tuple(METHODS), QUICK)
    assert set(without.unavailable) == {n for n, m in METHODS.items() if m.needs_boundary}


def test_completeness_flag_means_the_map_sums_to_the_logit_gap(tiny_cnn, images, boundary):
    target = tiny_cnn(images).argmax(1)
    names = tuple(n for n, m in METHODS.items() if m.completeness)
    result = attribute_all(tiny_cnn, images, target, boundary, names, Settings(ig_steps=200))
    for name in names:
        assert result.deltas[name].abs().max() < 0.05, name


def test_labels_are_unique_and_every_metric_has_a_direction_and_definition():
    labels = [m.label for m in METHODS.values()]
    assert len(set(labels)) == len(labels)
    assert all(m.description.endswith(".") for m in METHODS.values())
    for metric in METRICS.values():
        assert isinstance(metric.higher_is_better, bool) and metric.definition.endswith(".")
    for pair in ALIGNMENT_PAIRS.values():
        assert pair.first in METHODS and pair.second in METHODS


def test_a_new_method_is_one_table_row(monkeypatch, tiny_cnn, images):
    doubled = Method("sm2", "2·SM", "Twice the saliency map.", lambda g: 2 * attr.saliency(
        g.model, g.x, g.target))  # fmt: skip
    monkeypatch.setitem(METHODS, "sm2", doubled)
    assert parse_methods("sm,sm2") == ("sm", "sm2")
    target = tiny_cnn(images).argmax(1)
    result = attribute_all(tiny_cnn, images, target, None, ("sm", "sm2"))
    torch.testing.assert_close(result.maps["sm2"], 2 * result.maps["sm"])


def test_parse_methods_one_rule():
    assert parse_methods(["sm, big", "sm"]) == ("sm", "big")
    with pytest.raises(ValueError, match="unknown method.*nope"):
        parse_methods("sm,nope")
    with pytest.raises(ValueError, match="none given"):
        parse_methods("")
    assert DEFAULT_METHODS == tuple(n for n, m in METHODS.items() if m.default)


def test_alignment_of_is_the_metrics_distance():
    generator = torch.Generator().manual_seed(0)
    maps = {name: torch.randn(3, 4, 4, generator=generator).numpy() for name in ("sm", "bsm")}
    out = alignment_of(maps, ("sm_bsm", "ig_big"))
    assert out["sm_bsm_l2"] == pytest.approx(l2_distance(maps["sm"], maps["bsm"]))
    assert out["sm_bsm_cosine"] == pytest.approx(cosine_distance(maps["sm"], maps["bsm"]))
    assert out["ig_big_l2"] is None and out["ig_big_cosine"] is None


class Broken(nn.Module):
    """A model whose forward raises ``ValueError``: a bug, not a refusal."""

    def forward(self, x):
        raise ValueError("a bug inside the model")


def test_attribute_all_reports_only_refusals_as_unavailable(images):
    with pytest.raises(ValueError, match="a bug inside the model"):
        attribute_all(Broken(), images, torch.zeros(len(images), dtype=torch.long), None, ("sm",))


class ReusedRelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear, self.relu = nn.Linear(3 * 8 * 8, 3), nn.ReLU()

    def forward(self, x):
        return self.relu(self.linear(self.relu(x).flatten(1)))


def test_deeplift_refusal_is_its_own_type_and_reported_unavailable(images):
    model = ReusedRelu().eval()
    target = torch.zeros(len(images), dtype=torch.long)
    with pytest.raises(attr.DeepLiftRefused, match="reused"):
        attr.deeplift(model, images, target)
    result = attribute_all(model, images, target, None, ("deeplift", "sm"))
    assert "reused" in result.unavailable["deeplift"] and "sm" in result.maps


@pytest.mark.parametrize("steps", [0, -3, 1.5, True, 10_001])
def test_find_boundary_refuses_bad_steps(tiny_cnn, images, steps):
    with pytest.raises(ValueError, match="search steps"):
        find_boundary(tiny_cnn, images, steps=steps)


@pytest.mark.parametrize(("keyword", "value"), [("restarts", -1), ("seed", -1), ("seed", 2**64)])
def test_find_boundary_refuses_bad_restarts_and_seed(tiny_cnn, images, keyword, value):
    with pytest.raises(ValueError, match=keyword):
        find_boundary(tiny_cnn, images, **{keyword: value})


def test_find_boundary_counts_the_steps_it_was_given(tiny_cnn, images):
    result = find_boundary(tiny_cnn, images, steps=3, restarts=0)
    others = tiny_cnn(images).shape[1] - 1  # ranking (one gradient per class) + 3 steps per target
    assert int(result.gradient_evals.max()) <= others + min(FAST_TARGETS, others) * 3 + NORMAL_STEPS


@pytest.mark.parametrize("steps", [1, 0, 2.0])
def test_integrated_gradients_refuses_a_path_of_fewer_than_two_points(tiny_cnn, images, steps):
    target = tiny_cnn(images).argmax(1)
    with pytest.raises(ValueError, match="path steps"):
        attr.integrated_gradients(tiny_cnn, images, target, torch.zeros_like(images), steps=steps)


def test_smoothgrad_and_agi_refuse_bad_counts(tiny_cnn, images):
    target = tiny_cnn(images).argmax(1)
    with pytest.raises(ValueError, match="SmoothGrad samples"):
        attr.smoothgrad(tiny_cnn, images, target, samples=0)
    with pytest.raises(ValueError, match="noise stdev"):
        attr.smoothgrad(tiny_cnn, images, target, stdev=float("nan"))
    with pytest.raises(ValueError, match="AGI step size"):
        attr.agi(tiny_cnn, images, target, step_size=0.0)


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--search-steps", "0", "search steps must be in"),
        ("--search-steps", "-5", "search steps must be in"),
        ("--seed", "-1", "seed must be in"),
        ("--methods", "", "none given"),
        ("--threads", "0", "threads must be >= 1"),
    ],
)
def test_explain_cli_refuses_bad_numbers_in_one_line(capsys, flag, value, message):
    from boundary_core.cli import main
    from boundary_core.paths import SHAPES_GALLERY_DIR

    image = str(SHAPES_GALLERY_DIR / "06_distractor_arrow.png")
    code = main(["explain", "--model", "shapes-standard", "--image", image, flag, value])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("error: ") and message in err[0]
