"""Top-down weight randomisation and rank correlations (appendix B.7)."""

import copy

import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn

from boundary_core.metrics import randomize_top_down, rank_correlations
from boundary_core.metrics.sanity import spearman_per_sample

pytestmark = pytest.mark.filterwarnings("error")


def tiny_model() -> nn.Module:
    with torch.random.fork_rng():  # deterministic init without touching the global RNG
        torch.manual_seed(0)
        return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))  # 4 parameter tensors


def input_gradient(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    x = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(model(x)[:, 0].sum(), x)
    return grad


def test_stages_go_top_down_keep_norms_and_leave_the_model_alone():
    model = tiny_model()
    before = copy.deepcopy(model.state_dict())
    norms = {name: p.norm().item() for name, p in model.named_parameters()}
    stages = []
    for count, name, randomised in randomize_top_down(
        model, generator=torch.Generator().manual_seed(1), block=3
    ):
        changed = {
            n for n, p in randomised.named_parameters() if not torch.equal(p, model.state_dict()[n])
        }
        for n, p in randomised.named_parameters():
            assert p.norm().item() == pytest.approx(norms[n], rel=1e-5)
        stages.append((count, name, changed))
    # 4 tensors, block 3: a stage after 3 (the top three) and a last one after all 4
    assert stages == [
        (3, "0.bias", {"2.bias", "2.weight", "0.bias"}),
        (4, "0.weight", {"2.bias", "2.weight", "0.bias", "0.weight"}),
    ]
    for n, p in model.state_dict().items():
        assert torch.equal(p, before[n])


def test_same_generator_seed_same_weights():
    def final(seed: int) -> list[torch.Tensor]:
        *_, (_, _, m) = randomize_top_down(
            tiny_model(), generator=torch.Generator().manual_seed(seed), block=2
        )
        return [p.detach().clone() for p in m.parameters()]

    assert all(torch.equal(p, q) for p, q in zip(final(5), final(5), strict=True))
    assert not any(torch.equal(p, q) for p, q in zip(final(5), final(6), strict=True))


def test_spearman_per_sample_matches_scipy_and_handles_constants():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 2, 5))
    b[1] = 3.0  # constant row: ρ undefined
    rho = spearman_per_sample(a, b)
    assert rho[0] == pytest.approx(stats.spearmanr(a[0], b[0]).statistic)
    assert np.isnan(rho[1])
    # a monotone transform keeps ranks: ρ = 1
    assert spearman_per_sample(a, np.exp(a))[0] == pytest.approx(1.0)


def test_rank_correlations_shape_and_oracles():
    model = tiny_model()
    x = torch.rand(3, 4, generator=torch.Generator().manual_seed(2))
    # an attribution that ignores the model never decorrelates: ρ = 1 at every stage
    curve = rank_correlations(
        lambda m, inputs: inputs, model, x, generator=torch.Generator().manual_seed(0), block=1
    )
    assert curve.randomized == (1, 2, 3, 4)
    assert curve.last_parameter == ("2.bias", "2.weight", "0.bias", "0.weight")
    np.testing.assert_allclose(curve.correlation, np.ones((4, 3)))
    # the input gradient of a fully randomised model matches the direct computation
    real = rank_correlations(
        input_gradient, model, x, generator=torch.Generator().manual_seed(0), block=4
    )
    *_, (_, _, randomised) = randomize_top_down(
        model, generator=torch.Generator().manual_seed(0), block=4
    )
    expected = spearman_per_sample(
        input_gradient(model, x).abs(), input_gradient(randomised, x).abs()
    )
    np.testing.assert_allclose(real.correlation[0], expected)
    assert real.correlation.shape == (1, 3) and real.mean().shape == (1,)
