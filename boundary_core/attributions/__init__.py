"""Attribution methods. Every function maps ``(model, x (B, C, H, W), target (B,))`` to a signed
map of the same shape as ``x``; IG-type methods also return Captum's completeness delta ``(B,)``."""

from boundary_core.attributions.agi import agi
from boundary_core.attributions.baselines import (
    BASELINES,
    color_from_hex,
    color_to_hex,
    make_baseline,
)
from boundary_core.attributions.boundary import big, bsm
from boundary_core.attributions.classic import (
    DeepLiftRefused,
    deeplift,
    deeplift_refusal,
    grad_x_input,
    integrated_gradients,
    saliency,
    smoothgrad,
)

__all__ = [
    "BASELINES",
    "DeepLiftRefused",
    "agi",
    "big",
    "bsm",
    "color_from_hex",
    "color_to_hex",
    "deeplift",
    "deeplift_refusal",
    "grad_x_input",
    "integrated_gradients",
    "make_baseline",
    "saliency",
    "smoothgrad",
]
