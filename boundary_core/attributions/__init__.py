"""Attribution methods. Every function maps ``(model, x (B, C, H, W), target (B,))`` to a signed
map of the same shape as ``x``; path methods (IG, BIG, IDGI, Guided IG) also return the
completeness delta Σ map − (f(x) − f(baseline)) ``(B,)``."""

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
from boundary_core.attributions.guided_ig import guided_ig, guided_path
from boundary_core.attributions.idgi import idgi

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
    "guided_ig",
    "guided_path",
    "idgi",
    "integrated_gradients",
    "make_baseline",
    "saliency",
    "smoothgrad",
]
