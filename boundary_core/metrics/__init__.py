"""Attribution metrics grouped by family: localization (B.1, B.6), alignment (5.1), sanity (B.7).

``METRICS`` lists every scalar metric with its direction, as Quantus does.
"""

from collections.abc import Callable
from dataclasses import dataclass

from boundary_core.metrics.alignment import (
    cosine_distance,
    cosine_distance_batch,
    l2_distance,
    l2_distance_batch,
)
from boundary_core.metrics.localization import (
    GT_LOC_BLUR,
    GT_LOC_PERCENTILES,
    concentration,
    energy_game,
    gt_loc,
    gt_loc_iou,
    localization,
    positive_percentage,
)
from boundary_core.metrics.sanity import SanityCurve, randomize_top_down, rank_correlations


@dataclass(frozen=True)
class Metric:
    """A metric function, the family it belongs to and whether higher values are better."""

    name: str
    family: str
    fn: Callable
    higher_is_better: bool


def _metric(name: str, family: str, fn: Callable) -> tuple[str, Metric]:
    return name, Metric(name, family, fn, fn.higher_is_better)


METRICS: dict[str, Metric] = dict(
    [
        _metric("loc", "localization", localization),
        _metric("eg", "localization", energy_game),
        _metric("pp", "localization", positive_percentage),
        _metric("con", "localization", concentration),
        _metric("gt_loc", "localization", gt_loc),
        _metric("l2", "alignment", l2_distance),
        _metric("cosine", "alignment", cosine_distance),
    ]
)

__all__ = [
    "GT_LOC_BLUR",
    "GT_LOC_PERCENTILES",
    "METRICS",
    "Metric",
    "SanityCurve",
    "concentration",
    "cosine_distance",
    "cosine_distance_batch",
    "energy_game",
    "gt_loc",
    "gt_loc_iou",
    "l2_distance",
    "l2_distance_batch",
    "localization",
    "positive_percentage",
    "randomize_top_down",
    "rank_correlations",
]
