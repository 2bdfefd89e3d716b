"""Everything the Explain page and ``explain`` command show for one input, in one call."""

import time
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from boundary_core import schedule as two_threads
from boundary_core.maps import Attributions, attribute_all
from boundary_core.methods import DEFAULT_METHODS, DEFAULT_SETTINGS, Settings, parse_methods
from boundary_core.search import BoundaryResult, find_boundary
from boundary_core.search.find import Progress


@dataclass(frozen=True)
class Explanation:
    """One image explained: prediction, boundary point and every attribution map."""

    x: Tensor  # (C, H, W) in [0, 1]
    class_names: tuple[str, ...]
    target: int
    probabilities: Tensor  # (K,) softmax at x
    boundary: BoundaryResult  # batch of one
    boundary_probabilities: Tensor | None  # (K,) softmax at x′, None if not found
    attributions: Attributions
    search_seconds: float

    @property
    def prediction(self) -> int:
        return int(self.probabilities.argmax())

    def summary(self) -> dict:
        """JSON-friendly numbers (the CLI's ``--json`` output)."""
        found = bool(self.boundary.found[0])
        boundary = self.boundary.row(0)
        boundary["label"] = self.class_names[boundary["index"]] if found else None
        boundary["probability"] = (
            float(self.boundary_probabilities.max())
            if self.boundary_probabilities is not None
            else None
        )
        boundary["seconds"] = round(self.search_seconds, 3)
        methods = {
            name: {"completeness_delta": float(self.attributions.deltas[name][0])}
            if name in self.attributions.deltas
            else {}
            for name in self.attributions.maps
        }
        for name in methods:
            methods[name]["seconds"] = round(self.attributions.seconds[name], 3)
        index = self.prediction
        return {
            "prediction": {
                "index": index,
                "label": self.class_names[index],
                "probability": float(self.probabilities[index]),
            },
            "target": {"index": self.target, "label": self.class_names[self.target]},
            "boundary": boundary,
            "methods": methods,
            "unavailable": dict(self.attributions.unavailable),
        }


def explain_image(
    model: nn.Module,
    x: Tensor,
    class_names: tuple[str, ...],
    *,
    methods=DEFAULT_METHODS,
    preset: str = "fast",
    target: int | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    search_steps: int | None = None,
    progress: Progress | None = None,
    parallel: bool | None = None,
    boundary: BoundaryResult | None = None,
) -> Explanation:
    """Explain one image ``x (C, H, W)``: predict, search the boundary, attribute.

    ``target`` defaults to the predicted class; the boundary search always moves away from the
    predicted class (that is what x′ means), so BSM/BIG for another target use the same x′.
    ``parallel`` (default ``schedule.parallel_by_default()``) computes the methods that need no
    x′ on a worker thread while the search runs; the maps are the same either way.
    ``boundary`` (a batch-of-one result of an earlier ``find_boundary`` on this ``x``, e.g. from a
    cache) skips the search: only the maps are computed, and ``search_seconds`` is 0.
    """
    if x.dim() != 3:
        raise ValueError(f"expected one image (C, H, W), got shape {tuple(x.shape)}")
    methods = parse_methods(methods, allow_empty=True)
    batch = x[None]  # (1, C, H, W)
    with torch.no_grad():
        probabilities = model(batch).softmax(dim=1)[0]
    target = int(probabilities.argmax()) if target is None else target
    if isinstance(target, bool) or not 0 <= int(target) < len(class_names):
        raise ValueError(
            f"target must be a class index in [0, {len(class_names) - 1}], got {target}"
        )
    targets = torch.tensor([int(target)], device=x.device)
    parallel = two_threads.parallel_by_default() if parallel is None else parallel
    if boundary is not None and boundary.point.shape != batch.shape:
        raise ValueError(
            f"boundary is for inputs of shape {tuple(boundary.point.shape)}, "
            f"not {tuple(batch.shape)}"
        )
    schedule = two_threads.Schedule(methods, settings) if parallel and methods else None
    if schedule is not None:
        # The worker gets its own input tensor: Captum flips ``requires_grad`` on the tensor it
        # is given, and two threads flipping one tensor's flag broke 4 of 30 concurrent runs.
        mine = batch.detach().clone()
        job = two_threads.WORKERS.submit(
            two_threads.work,
            schedule,
            two_threads.worker_model(model),
            mine,
            targets,
            settings,
            False,
        )
    start = time.perf_counter()
    try:
        if boundary is None:
            boundary = find_boundary(
                model,
                batch,
                preset=preset,
                seed=settings.seed,
                steps=search_steps,
                progress=(lambda f, m: progress(0.5 * f, m)) if progress else None,
            )
        search_seconds = time.perf_counter() - start
        if schedule is not None:
            schedule.search_done(boundary)  # the worker may start on x′ at once
        found = bool(boundary.found[0])
        with torch.no_grad():
            boundary_probabilities = model(boundary.point).softmax(dim=1)[0] if found else None
        if schedule is None:
            attributions = attribute_all(
                model,
                batch,
                targets,
                boundary,
                methods,
                settings,
                (lambda f, m: progress(0.5 + 0.5 * f, m)) if progress else None,
            )
        else:
            parts = two_threads.work(schedule, model, batch, targets, settings, True, progress)
    except BaseException:
        if schedule is not None:
            schedule.search_done(None)  # the worker takes no more methods
        raise
    if schedule is not None:
        attributions = two_threads.merge_parts(parts + job.result(), methods)
    return Explanation(
        x,
        tuple(class_names),
        int(target),
        probabilities,
        boundary,
        boundary_probabilities,
        attributions,
        search_seconds,
    )
