"""Normal projection (the refinement step of SuperDeepFool, Abdollahi et al. 2024): move a boundary
point towards the foot of the perpendicular from x.

At a boundary point x′ with margin gradient g, the boundary is locally the hyperplane through x′
normal to g, and the closest point of that hyperplane to x is ``x + ((x′ − x)·ĝ) ĝ``. Where DDN's
last steps were too small to turn its direction (a boundary that bends, a corner between two linear
pieces), the segment from x through that foot crosses the boundary closer than x′ does. One
gradient and a segment search per iteration; the closer point wins (``closest``).
"""

import torch
from torch import nn

from boundary_core.search.bisection import Origin, bisect_to_boundary, closest
from boundary_core.search.ddn import margin_and_gradient
from boundary_core.search.geometry import Bounds, clamp_bounds, normalize_l2, per_sample
from boundary_core.search.result import BoundaryResult

OVERSHOOT = 1.1  # the foot is on the linearised boundary: go a little past it, then search back


def project_to_normal(
    model: nn.Module, origin: Origin, best: BoundaryResult, *, bounds: Bounds, iterations: int
) -> BoundaryResult:
    """``iterations`` normal projections of each found point; rows not found stay as they are."""
    x = origin.x
    for _ in range(iterations):
        found = best.found
        start = torch.where(per_sample(found, x), best.point, x)  # (B, ...) no NaN rows
        _, gradient = margin_and_gradient(model, start, origin.labels)
        normal = normalize_l2(gradient)
        along = ((start - x) * normal).flatten(1).sum(dim=1)  # (B,) signed, < 0 towards across
        foot = x + per_sample(OVERSHOOT * along, x) * normal
        candidate = bisect_to_boundary(model, origin, clamp_bounds(foot, bounds), bounds=bounds)
        candidate[~found] = float("nan")
        best = closest(model, origin, best, candidate, best.method)
    return best
