"""Attribution methods. Every function maps ``(model, x (B, C, H, W), target (B,))`` to a signed
map of the same shape as ``x``; IG-type methods also return Captum's completeness delta ``(B,)``."""

from boundary_core.attributions.agi import agi
from boundary_core.attributions.baselines import BASELINES, make_baseline
from boundary_core.attributions.boundary import big, bsm
from boundary_core.attributions.classic import (
    deeplift,
    deeplift_refusal,
    grad_x_input,
    integrated_gradients,
    saliency,
    smoothgrad,
)

__all__ = [
    "BASELINES",
    "agi",
    "big",
    "bsm",
    "deeplift",
    "deeplift_refusal",
    "grad_x_input",
    "integrated_gradients",
    "make_baseline",
    "saliency",
    "smoothgrad",
]
