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
    """A metric function, its family, its display label, whether higher values are better, and
    one sentence saying what it measures (shown beside it in every front)."""

    name: str
    family: str
    fn: Callable
    label: str
    definition: str

    @property
    def higher_is_better(self) -> bool:
        return self.fn.higher_is_better


METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric(
            "loc",
            "localization",
            localization,
            "Loc",
            "Localization: IoU of the positively attributed pixels with the object's box "
            "(App. B.1).",
        ),
        Metric(
            "eg",
            "localization",
            energy_game,
            "EG",
            "Energy game: positive attribution inside the box over all positive attribution "
            "(App. B.1).",
        ),
        Metric(
            "pp",
            "localization",
            positive_percentage,
            "PP",
            "Positive percentage: positive attribution in the box over absolute attribution in "
            "the box (App. B.1).",
        ),
        Metric(
            "con",
            "localization",
            concentration,
            "Con",
            "Concentration: the box's attribution mass weighted by inverse distance to its centre "
            "of mass; higher = more concentrated (App. B.1).",
        ),
        Metric(
            "gt_loc",
            "localization",
            gt_loc,
            "GT-Loc",
            "Fraction of images whose thresholded map overlaps the box with IoU > 0.5 (Fig. 5/6).",
        ),
        Metric(
            "l2",
            "alignment",
            l2_distance,
            "ℓ2",
            "Raw ℓ2 distance between two maps (Table 1); it also shrinks when gradients are "
            "merely smaller.",
        ),
        Metric(
            "cosine",
            "alignment",
            cosine_distance,
            "1 − cos",
            "Cosine distance between two maps, in [0, 2]: compares directions only.",
        ),
    )
}
LOCALIZATION_METRICS = ("loc", "eg", "pp", "con")  # the per-image box scores of Table 3
ALIGNMENT_KINDS = ("l2", "cosine")  # how two maps are compared (Table 1)

__all__ = [
    "ALIGNMENT_KINDS",
    "GT_LOC_BLUR",
    "LOCALIZATION_METRICS",
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
