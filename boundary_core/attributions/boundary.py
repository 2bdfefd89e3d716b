"""Boundary attributions: BSM (Def. 4.1) and BIG (Def. 4.2)."""

from torch import Tensor, nn

from boundary_core.attributions.classic import integrated_gradients, saliency
from boundary_core.attributions.defaults import IG_METHOD, IG_STEPS


def bsm(model: nn.Module, boundary_point: Tensor, target: Tensor) -> Tensor:
    """BSM(x) = ∂f_c(x′)/∂x′: the gradient of the ORIGINAL class logit at the boundary point x′."""
    return saliency(model, boundary_point, target)


def big(
    model: nn.Module,
    x: Tensor,
    boundary_point: Tensor,
    target: Tensor,
    *,
    steps: int = IG_STEPS,
    method: str = IG_METHOD,
    internal_batch_size: int | None = None,
) -> tuple[Tensor, Tensor]:
    """BIG(x) = IG(x; x′): integrated gradients from the boundary point x′ to x.

    Returns the map and the completeness delta Σ BIG − (f_c(x) − f_c(x′)).
    """
    return integrated_gradients(
        model,
        x,
        target,
        boundary_point,
        steps=steps,
        method=method,
        internal_batch_size=internal_batch_size,
    )
