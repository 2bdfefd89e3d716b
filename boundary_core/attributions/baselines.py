"""IG baselines: black, white, blurred, uniform noise, a custom colour."""

import torch
from scipy.ndimage import gaussian_filter
from torch import Tensor

from boundary_core.attributions.defaults import BASELINE_COLOR, BLUR_SIGMA

BASELINES = ("black", "white", "blur", "noise", "color")


def color_from_hex(text: str) -> tuple[float, float, float]:
    """``"#rrggbb"`` (as a colour picker sends it) → three floats in [0, 1]."""
    value = text.lstrip("#")
    if len(value) != 6 or any(c not in "0123456789abcdefABCDEF" for c in value):
        raise ValueError(f"expected a colour like {color_to_hex(BASELINE_COLOR)}, got {text!r}")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))


def color_to_hex(color: tuple[float, float, float]) -> str:
    """Three floats in [0, 1] → ``"#rrggbb"``."""
    return "#" + "".join(f"{round(255 * c):02x}" for c in color)


def make_baseline(
    kind: str,
    x: Tensor,
    *,
    color: tuple[float, float, float] = BASELINE_COLOR,
    blur_sigma: float = BLUR_SIGMA,
    seed: int = 0,
) -> Tensor:
    """A baseline shaped like ``x (B, C, H, W)`` in ``[0, 1]``.

    ``blur`` is ``x`` Gaussian-blurred per channel (σ in pixels); ``noise`` is uniform in [0, 1]
    from a seeded generator; ``color`` fills each channel with ``color``.
    """
    if kind == "black":
        return torch.zeros_like(x)
    if kind == "white":
        return torch.ones_like(x)
    if kind == "blur":
        blurred = gaussian_filter(x.detach().cpu().numpy(), sigma=(0, 0, blur_sigma, blur_sigma))
        return torch.from_numpy(blurred).to(x.device, x.dtype)
    if kind == "noise":
        generator = torch.Generator().manual_seed(seed)  # CPU: the same noise on every device
        return torch.rand(x.shape, generator=generator).to(x.device, x.dtype)
    if kind == "color":
        if len(color) != x.shape[1] or not all(0.0 <= c <= 1.0 for c in color):
            raise ValueError(f"color must be {x.shape[1]} values in [0, 1], got {color}")
        return torch.tensor(color, dtype=x.dtype, device=x.device).view(1, -1, 1, 1).expand_as(x)
    raise ValueError(f"unknown baseline {kind!r}; choose one of {', '.join(BASELINES)}")
