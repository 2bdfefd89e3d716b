"""The model-randomisation sanity check (Adebayo et al. 2018; the paper's App. B.7) for every
method of an ``evaluate`` run: Spearman ρ of each map with the trained model's, as parameters are
randomised top down. A map that passes decorrelates (ρ falls towards 0) as layers go.

BSM and BIG are not run here: their x′ would need a new boundary search on every randomised
model, which the check does not define; they are listed with that reason.
"""

import torch
from torch import Tensor, nn

from boundary_core.methods import METHODS, MethodInput, Settings
from boundary_core.metrics import rank_correlations

SANITY_BLOCK = 5  # parameter tensors randomised between two stages (the paper's listing)
NEEDS_SEARCH = "not run: x′ would need a new boundary search on every randomised model"


def sanity_summary(
    model: nn.Module, x: Tensor, methods: tuple[str, ...], settings: Settings
) -> dict:
    """Per method: ``randomized`` (parameter tensors randomised at each stage), ``last_parameter``
    and ``mean_rho`` (mean Spearman ρ over the images of ``x (B, C, H, W)``); the target is the
    trained model's prediction at every stage. ``settings.seed`` seeds the random weights."""
    with torch.no_grad():
        target = model(x).argmax(dim=1)  # (B,)
    out = {}
    for name in methods:
        method = METHODS[name]
        if method.needs_boundary:
            out[name] = {"skipped": NEEDS_SEARCH}
            continue

        def attribute(randomised, images, method=method):
            result = method.compute(MethodInput(randomised, images, target, None, settings))
            return result[0] if isinstance(result, tuple) else result

        generator = torch.Generator(device=x.device).manual_seed(settings.seed)
        curve = rank_correlations(attribute, model, x, generator=generator, block=SANITY_BLOCK)
        out[name] = {
            "randomized": list(curve.randomized),
            "last_parameter": list(curve.last_parameter),
            "mean_rho": [None if rho != rho else float(rho) for rho in curve.mean()],
        }
    return out
