"""IDGI and Guided IG (issue 19): IDGI's completeness is exact by construction, IDGI equals a
hand computation, Guided IG equals PAIR's reference implementation step for step."""

import json

import numpy as np
import pytest
import torch
from conftest import LinearTwoClass
from torch import nn

from boundary_core import attributions as attr
from boundary_core.maps import attribute_all
from boundary_core.methods import METHODS, Settings
from boundary_core.search import find_boundary

NEW = ("ig_black_idgi", "big_idgi", "guided_ig", "guided_big", "guided_ig_idgi", "guided_big_idgi")


def logit_gap(model, x, baseline, target):
    with torch.no_grad():
        return (model(x) - model(baseline)).gather(1, target[:, None]).squeeze(1)


class SquarePlusLinear(nn.Module):
    """Two pixels, logits [x₀² + x₁, 0]: ∇f = (2x₀, 1)."""

    def forward(self, x):
        flat = x.flatten(1)
        score = flat[:, 0] ** 2 + flat[:, 1]
        return torch.stack([score, torch.zeros_like(score)], dim=1)


def test_idgi_by_hand_on_a_two_pixel_model():
    """x = (1, 1), black baseline, 3 points t = 0, ½, 1: f = 0, 0.75, 2 and ∇f = (0, 1), (1, 1).
    Step 1 gives its 0.75 all to x₁; step 2 splits 1.25 evenly: IDGI = (0.625, 1.375), while
    IG = (∫2t dt, 1) = (1, 1). The gradient at x itself is never used."""
    x = torch.ones(1, 1, 1, 2)
    maps, delta = attr.idgi(SquarePlusLinear(), x, torch.tensor([0]), torch.zeros_like(x), steps=3)
    torch.testing.assert_close(maps.flatten(), torch.tensor([0.625, 1.375]))
    assert abs(float(delta)) < 1e-6


def test_idgi_equals_the_formula_on_a_relu_net(tiny_cnn, images):
    """Σ_i ∇f(x_i)² / ‖∇f(x_i)‖² · (f(x_{i+1}) − f(x_i)) over IG's points x_i = b + i/(n−1)(x − b),
    with gradients from Captum's saliency (an independent code path)."""
    target = tiny_cnn(images).argmax(1)
    baseline = attr.make_baseline("white", images)
    steps = 6
    points = [baseline + i / (steps - 1) * (images - baseline) for i in range(steps)]
    logits = [tiny_cnn(p).gather(1, target[:, None]).squeeze(1).detach() for p in points]
    expected = torch.zeros_like(images)
    for i in range(steps - 1):
        squared = attr.saliency(tiny_cnn, points[i], target) ** 2
        share = (logits[i + 1] - logits[i]) / squared.flatten(1).sum(1)
        expected += squared * share[:, None, None, None]
    maps, _ = attr.idgi(tiny_cnn, images, target, baseline, steps=steps)
    torch.testing.assert_close(maps, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("steps", [2, 3, 20])
@pytest.mark.parametrize("kind", ["black", "white", "blur", "noise", "color"])
def test_idgi_completeness_is_exact_on_a_relu_net(tiny_cnn, images, kind, steps):
    target = tiny_cnn(images).argmax(1)
    baseline = attr.make_baseline(kind, images)
    maps, delta = attr.idgi(tiny_cnn, images, target, baseline, steps=steps)
    gap = logit_gap(tiny_cnn, images, baseline, target)
    torch.testing.assert_close(maps.flatten(1).sum(1), gap, rtol=1e-5, atol=1e-5)
    assert delta.abs().max() < 1e-5  # IG needs ~400 points for 2e-2 here (test_attributions)


def linear_model(seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(3, 4, 4, generator=generator)
    x = torch.rand(3, 3, 4, 4, generator=generator)
    return LinearTwoClass(weight, 0.3).eval(), weight, x


def test_idgi_on_a_linear_model_is_not_ig():
    """With ∇f = w everywhere, IDGI = w² · (w·(x − b)) / ‖w‖²: exact in any number of steps and
    equal to IG = w ⊙ (x − b) only when x − b is parallel to w."""
    model, weight, x = linear_model()
    target = torch.zeros(3, dtype=torch.long)
    baseline = torch.zeros_like(x)
    maps, delta = attr.idgi(model, x, target, baseline, steps=2)
    along = (x.flatten(1) @ weight.flatten()) / weight.square().sum()  # (B,)
    torch.testing.assert_close(maps, weight.square() * along[:, None, None, None])
    assert delta.abs().max() < 1e-5
    ig, _ = attr.integrated_gradients(model, x, target, baseline, steps=2)
    assert not torch.allclose(maps, ig, atol=1e-3)
    parallel = 0.1 * weight.expand_as(x) * torch.tensor([1.0, 2.0, -1.0])[:, None, None, None]
    maps, _ = attr.idgi(model, parallel, target, baseline, steps=2)
    ig, _ = attr.integrated_gradients(model, parallel, target, baseline, steps=2)
    torch.testing.assert_close(maps, ig)


class NumpyWithOldQuantile:
    """numpy for ``saliency`` 0.2.1, which calls ``np.quantile(..., interpolation=)``: the
    keyword numpy 2.4 removed (renamed ``method``, same meaning)."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def quantile(a, q, interpolation="linear", **kwargs):
        return np.quantile(a, q, method=interpolation, **kwargs)


@pytest.fixture
def reference_guided_ig(monkeypatch):
    from saliency.core import guided_ig as reference

    monkeypatch.setattr(reference, "np", NumpyWithOldQuantile())
    return reference.guided_ig_impl


def recording_gradient(model, target: int, record: list):
    """The reference's ``grad_func`` for one image: float64 point -> float64 gradient of the
    target logit, evaluated in the model's float32; records (logit, gradient) per call."""

    def gradient(point):
        x = torch.from_numpy(point).float()[None].requires_grad_(True)
        logit = model(x)[0, target]
        (grad,) = torch.autograd.grad(logit, x)
        record.append((float(logit.detach()), grad[0].double().numpy()))
        return grad[0].double().numpy()

    return gradient


def authors_idgi(gradients, logits):
    """Alg. 1 of Yang et al. in numpy, as ``yangruo1226/IDGI`` computes it from a path's
    gradients and logits (the last gradient unused)."""
    result = np.zeros_like(gradients[0])
    for i in range(len(gradients) - 1):
        squared = gradients[i] ** 2
        result += squared * (logits[i + 1] - logits[i]) / squared.sum()
    return result


@pytest.mark.parametrize("max_dist", [0.02, 0.1, 1.0])
@pytest.mark.parametrize("kind", ["black", "noise"])
def test_guided_ig_matches_the_reference(tiny_cnn, images, reference_guided_ig, kind, max_dist):
    """Same model, inputs and settings (200 steps, fraction 0.25) as PAIR's ``guided_ig_impl``;
    the IDGI variant equals the authors' IDGI applied to the reference path's own gradients."""
    x = images[:2]
    target = tiny_cnn(x).argmax(1)
    baseline = attr.make_baseline(kind, x, seed=3)
    maps, _ = attr.guided_ig(tiny_cnn, x, target, baseline, max_dist=max_dist)
    reweighted, delta = attr.guided_ig(tiny_cnn, x, target, baseline, max_dist=max_dist, idgi=True)
    for i in range(len(x)):
        record = []
        expected = reference_guided_ig(
            x[i].double().numpy(),
            baseline[i].double().numpy(),
            recording_gradient(tiny_cnn, int(target[i]), record),
            steps=200,
            fraction=0.25,
            max_dist=max_dist,
        )
        np.testing.assert_allclose(maps[i].double().numpy(), expected, rtol=1e-5, atol=1e-6)
        logits = [logit for logit, _ in record] + [float(tiny_cnn(x[i : i + 1])[0, target[i]])]
        gradients = [gradient for _, gradient in record] + [None]
        np.testing.assert_allclose(
            reweighted[i].double().numpy(), authors_idgi(gradients, logits), rtol=1e-4, atol=1e-6
        )
    assert delta.abs().max() < 1e-5


def test_guided_ig_without_deviation_is_left_riemann_ig(tiny_cnn, images):
    """max_dist = 0 keeps the path on the straight line: Σ_{i<n} ∇f(b + i/n Δ) ⊙ Δ/n; its IDGI
    is IDGI on the straight path with n + 1 points."""
    target = tiny_cnn(images).argmax(1)
    baseline, steps = torch.zeros_like(images), 8
    expected = sum(
        attr.saliency(tiny_cnn, baseline + i / steps * images, target) for i in range(steps)
    )
    maps, _ = attr.guided_ig(tiny_cnn, images, target, baseline, steps=steps, max_dist=0.0)
    torch.testing.assert_close(maps, expected * images / steps, rtol=1e-5, atol=1e-6)
    maps, _ = attr.guided_ig(tiny_cnn, images, target, baseline, steps=steps, max_dist=0, idgi=True)
    straight, _ = attr.idgi(tiny_cnn, images, target, baseline, steps=steps + 1)
    torch.testing.assert_close(maps, straight, rtol=1e-4, atol=1e-6)


def test_guided_ig_completeness_exact_on_linear_and_biased_on_relu(tiny_cnn, images):
    """On a linear model every path sums to the gap. On a ReLU net the left sums of Guided IG
    stay biased (image 4 here: −0.08 at 200 steps, −0.08 at 800, −0.05 at 12 800) while the
    straight path (max_dist = 0) converges: why ``guided_ig`` is no completeness method."""
    model, _, x = linear_model(1)
    target = torch.zeros(3, dtype=torch.long)
    _, delta = attr.guided_ig(model, x, target, torch.zeros_like(x))
    assert delta.abs().max() < 1e-5
    x, baseline = images[4:5], torch.zeros_like(images[4:5])
    target = tiny_cnn(x).argmax(1)
    _, guided = attr.guided_ig(tiny_cnn, x, target, baseline, steps=800)
    _, straight = attr.guided_ig(tiny_cnn, x, target, baseline, steps=800, max_dist=0.0)
    gap = logit_gap(tiny_cnn, x, baseline, target)
    assert abs(float(guided)) > 0.05 > 0.005 > abs(float(straight))
    assert abs(float(guided)) < 0.05 * abs(float(gap))  # still roughly complete (gap ≈ 3.4)


@pytest.fixture(scope="module")
def shapes_case():
    from boundary_core.data.shapes import TEST_SEED, make_batch
    from boundary_core.models import load_model

    model = load_model("shapes-standard").eval()
    x = make_batch(range(1), seed=TEST_SEED).images  # (1, 3, 64, 64)
    boundary = find_boundary(model, x, steps=20)
    assert bool(boundary.found.all())
    return model, x, model(x).argmax(1), boundary.point


@pytest.mark.parametrize("start", ["black", "boundary"])
def test_idgi_completeness_on_a_shipped_model(shapes_case, start):
    model, x, target, point = shapes_case
    baseline = torch.zeros_like(x) if start == "black" else point
    gap = logit_gap(model, x, baseline, target)
    for maps, delta in (
        attr.idgi(model, x, target, baseline),
        attr.guided_ig(model, x, target, baseline, idgi=True),
    ):
        torch.testing.assert_close(maps.flatten(1).sum(1), gap, rtol=1e-5, atol=1e-4)
        assert delta.abs().max() < 1e-4
    maps, delta = attr.guided_ig(model, x, target, baseline)
    assert abs(float(delta)) < 0.1 * abs(float(gap))  # about 4% from black, 0.4% from x′


def test_new_methods_run_through_the_table(tiny_cnn, images):
    boundary = find_boundary(tiny_cnn, images, steps=20)
    assert bool(boundary.found.all())
    target = tiny_cnn(images).argmax(1)
    result = attribute_all(tiny_cnn, images, target, boundary, NEW, Settings(guided_steps=20))
    assert list(result.maps) == list(NEW) and not result.unavailable
    for name in NEW:
        method = METHODS[name]
        assert not method.default and method.needs_boundary == ("big" in name)
        assert (name in result.deltas) == method.completeness == name.endswith("idgi")
        if method.completeness:
            assert result.deltas[name].abs().max() < 1e-5, name
    torch.testing.assert_close(  # the rows pass the table's settings and baselines through
        result.maps["big_idgi"], attr.idgi(tiny_cnn, images, target, boundary.point)[0]
    )


def test_explain_cli_with_new_methods(tmp_path, capsys):
    from boundary_core.cli import main
    from boundary_core.paths import SHAPES_GALLERY_DIR

    image = str(SHAPES_GALLERY_DIR / "06_distractor_arrow.png")
    argv = ["explain", "--model", "shapes-standard", "--image", image, "--search-steps", "10"]
    code = main([*argv, "--methods", "guided_ig,big_idgi", "--json", "--out", str(tmp_path)])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary["methods"]) == {"guided_ig", "big_idgi"}
    assert abs(summary["methods"]["big_idgi"]["completeness_delta"]) < 1e-4
    assert "completeness_delta" not in summary["methods"]["guided_ig"]
    for name in ("guided_ig", "big_idgi"):
        assert np.isfinite(np.load(tmp_path / f"{name}.npy")).all()
