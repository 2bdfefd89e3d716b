"""IG baselines: black, white, blurred, uniform noise, a custom colour."""

import torch
from scipy.ndimage import gaussian_filter
from torch import Tensor

BASELINES = ("black", "white", "blur", "noise", "color")


def make_baseline(
    kind: str,
    x: Tensor,
    *,
    color: tuple[float, float, float] = (0.5, 0.5, 0.5),
    blur_sigma: float = 5.0,
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
        generator = torch.Generator().manual_seed(seed)
        return torch.rand(x.shape, generator=generator).to(x.device, x.dtype)
    if kind == "color":
        if len(color) != x.shape[1] or not all(0.0 <= c <= 1.0 for c in color):
            raise ValueError(f"color must be {x.shape[1]} values in [0, 1], got {color}")
        return torch.tensor(color, dtype=x.dtype, device=x.device).view(1, -1, 1, 1).expand_as(x)
    raise ValueError(f"unknown baseline {kind!r}; choose one of {', '.join(BASELINES)}")
