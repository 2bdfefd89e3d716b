"""Contracts of public entry points checked against independent computations: batched IG, an
explanation of a class the model did not predict, and the registry's refusal of a duplicate name."""

import dataclasses

import pytest
import torch
from torch import nn

from boundary_core.attributions import integrated_gradients
from boundary_core.explain import explain_image
from boundary_core.models import registry
from boundary_core.models.shapes_net import ShapesNet

CLASSES = tuple(f"class {k}" for k in range(10))


@pytest.fixture(scope="module")
def net() -> nn.Module:
    """A small random ShapesNet (64×64 inputs) with non-trivial batch-norm statistics."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = ShapesNet(widths=(4, 8, 8)).eval()
        with torch.no_grad():
            for module in model.modules():
                if isinstance(module, nn.BatchNorm2d):
                    module.running_mean.normal_(0, 0.2)
                    module.running_var.uniform_(0.5, 1.5)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model


@pytest.fixture(scope="module")
def images() -> torch.Tensor:
    generator = torch.Generator().manual_seed(1)
    return torch.rand(2, 3, 64, 64, generator=generator)  # (B, C, H, W) in [0, 1]


def logit_gradient(model: nn.Module, x: torch.Tensor, k: int) -> torch.Tensor:
    """∂f_k/∂x for one image ``x (1, C, H, W)``, by autograd."""
    x = x.detach().clone().requires_grad_(True)
    model(x)[0, k].backward()
    return x.grad.detach()


def trapezoid_ig(model: nn.Module, x: torch.Tensor, baseline: torch.Tensor, k: int, steps: int):
    """IG of logit k from ``baseline`` to ``x`` with the trapezoid rule on ``steps`` points."""
    alphas = torch.linspace(0, 1, steps)
    weights = torch.full((steps,), 1.0 / (steps - 1))
    weights[[0, -1]] /= 2
    average = sum(
        w * logit_gradient(model, baseline + a * (x - baseline), k)
        for a, w in zip(alphas, weights, strict=True)
    )
    return (x - baseline) * average


def logit(model: nn.Module, x: torch.Tensor, k: int) -> float:
    with torch.no_grad():
        return float(model(x)[0, k])


# ----------------------------------------------------------------------------------------------
# integrated_gradients(internal_batch_size=...)


@pytest.mark.parametrize("internal_batch_size", [2, 7, 40])
def test_batched_integrated_gradients_equal_the_unbatched_ones(net, images, internal_batch_size):
    target = torch.tensor([3, 8])
    baseline = torch.zeros_like(images)
    whole, whole_delta = integrated_gradients(net, images, target, baseline, steps=20)
    batched, batched_delta = integrated_gradients(
        net, images, target, baseline, steps=20, internal_batch_size=internal_batch_size
    )
    scale = whole.abs().max()
    assert scale > 0
    assert torch.allclose(batched, whole, rtol=1e-5, atol=1e-6 * scale)
    assert torch.allclose(batched_delta, whole_delta, rtol=1e-4, atol=1e-5)
    # Both are the trapezoid IG of each sample's own target, not a mix-up of rows in the chunks.
    for row, k in enumerate(target.tolist()):
        by_hand = trapezoid_ig(net, images[row : row + 1], baseline[row : row + 1], k, 20)
        assert torch.allclose(batched[row : row + 1], by_hand, rtol=1e-4, atol=1e-5 * scale)


# ----------------------------------------------------------------------------------------------
# explain_image(target=k) for a class k the model did not predict


@pytest.fixture(scope="module")
def explained(net, images):
    x = images[0]
    with torch.no_grad():
        logits = net(x[None])[0]
    predicted, k = int(logits.argmax()), int(logits.argmin())  # k: the least likely class
    methods = ("sm", "ig_black", "bsm", "big")
    other = explain_image(net, x, CLASSES, methods=methods, target=k)
    default = explain_image(net, x, CLASSES, methods=("sm",))
    return x, predicted, k, other, default


def test_a_chosen_target_is_explained_and_the_boundary_still_leaves_the_prediction(explained, net):
    x, predicted, k, other, default = explained
    assert k != predicted and other.prediction == predicted and default.target == predicted
    assert other.target == k and other.summary()["target"] == {"index": k, "label": CLASSES[k]}
    boundary = other.boundary
    assert bool(boundary.found[0]) and int(boundary.original_label[0]) == predicted
    with torch.no_grad():
        across = int(net(boundary.point).argmax())
    assert across != predicted and across == int(boundary.label[0])
    # x′ does not depend on the target: the same point as when explaining the prediction.
    assert torch.equal(boundary.point, default.boundary.point)


def test_a_chosen_target_s_maps_explain_that_class(explained, net):
    x, predicted, k, other, default = explained
    maps, deltas = other.attributions.maps, other.attributions.deltas
    batch, point = x[None], other.boundary.point
    # SM and BSM: the gradient of logit k (at x and at x′), not of the predicted logit.
    sm_k = logit_gradient(net, batch, k)
    assert torch.allclose(maps["sm"], sm_k, atol=1e-6)
    assert not torch.allclose(maps["sm"], logit_gradient(net, batch, predicted), atol=1e-3)
    assert torch.allclose(default.attributions.maps["sm"], logit_gradient(net, batch, predicted))
    assert torch.allclose(maps["bsm"], logit_gradient(net, point, k), atol=1e-6)
    # IG and BIG: the trapezoid integral of ∇f_k, with completeness deltas relative to f_k.
    scale = maps["ig_black"].abs().max()
    black = torch.zeros_like(batch)
    assert torch.allclose(
        maps["ig_black"], trapezoid_ig(net, batch, black, k, 20), atol=1e-5 * scale
    )
    assert torch.allclose(maps["big"], trapezoid_ig(net, batch, point, k, 20), atol=1e-5 * scale)
    for name, start in (("ig_black", black), ("big", point)):
        gap_k = logit(net, batch, k) - logit(net, start, k)
        gap_predicted = logit(net, batch, predicted) - logit(net, start, predicted)
        expected = float(maps[name].sum()) - gap_k
        assert float(deltas[name][0]) == pytest.approx(expected, abs=1e-4), name
        assert abs(gap_k - gap_predicted) > 1e-3  # a delta taken against f_predicted would differ


# ----------------------------------------------------------------------------------------------
# registry.register refuses a name twice


@pytest.fixture
def clean_registry():
    """The registry as loaded, restored after the test whatever it registered."""
    registry.list_models()  # load the catalogue first, so restoring keeps it
    saved = dict(registry._REGISTRY)
    yield registry
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)


def test_registering_a_name_twice_is_refused(clean_registry):
    before = [spec.name for spec in clean_registry.list_models()]
    spec = registry.ModelSpec(
        name="test-contracts-duplicate",
        dataset="shapes",
        input_size=(3, 64, 64),
        class_names=CLASSES,
        training="standard",
        offline=True,
        loader=lambda: ShapesNet(widths=(4, 8, 8)),
    )
    assert spec.name not in before
    assert clean_registry.register(spec) is spec
    with pytest.raises(ValueError, match="registered twice"):
        clean_registry.register(dataclasses.replace(spec, description="a second one"))
    assert clean_registry.get_spec(spec.name) is spec  # the first registration stands
    shipped = clean_registry.get_spec(before[0])
    with pytest.raises(ValueError, match="registered twice"):
        clean_registry.register(dataclasses.replace(spec, name=shipped.name))
    assert clean_registry.get_spec(shipped.name) is shipped
    names = [s.name for s in clean_registry.list_models()]
    assert names == [*before, spec.name]


def test_the_duplicate_test_left_the_registry_as_it_was():
    assert "test-contracts-duplicate" not in [spec.name for spec in registry.list_models()]
