"""Evaluation over a labelled dataset with boxes: the paper's Tables 1, 2, 3, 5 and Fig. 5/6.

``evaluate(model, batches)`` streams images through the boundary search, every attribution and
every metric, keeping per-image floats only; ``Evaluation.summary()`` is the JSON of the
``evaluate`` command; ``tables`` renders it (and the paper's numbers) as markdown.
"""

from boundary_core.evaluation.data import BOXED_DATASETS, evaluate_model, shapes_test_batches
from boundary_core.evaluation.run import (
    EvalBatch,
    Evaluation,
    evaluate,
    image_seed,
)

__all__ = [
    "BOXED_DATASETS",
    "EvalBatch",
    "Evaluation",
    "evaluate",
    "evaluate_model",
    "image_seed",
    "shapes_test_batches",
]
