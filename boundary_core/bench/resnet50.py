"""ResNet-50 at 224²: every panel of one photo through a random-init ImageNet ResNet-50.

Targets (issue 15), default ``Settings()``: the headline panels (SM, IG black, IG white, BSM, BIG
and the search) ≤ 20 s on the 2-core CPU and ≤ 1 s on a GPU; all panels (adding SmoothGrad,
Grad×Input, DeepLIFT, AGI) ≤ 60 s CPU, ≤ 2 s GPU. Random weights cost what trained ones cost.

Per panel it reports the wall time, the passes through the net (counted by a hook on the model's
forward, and on its output for every backward through it) and wall ÷ (passes × time per pass),
with the time per pass measured at every batch size the panels used: ≫ 1 means overhead outside
the net, ≈ 1 means the pass count is the cost.
"""

import os
import statistics
import time
import warnings
from dataclasses import dataclass, field

import torch
from torch import nn

from boundary_core.data.photos import load_photo
from boundary_core.device import default_device, describe
from boundary_core.explain import explain_image, parallel_by_default
from boundary_core.methods import DEFAULT_METHODS, DEFAULT_SETTINGS, METHODS
from boundary_core.models.resnets import IMAGENET_MEAN, IMAGENET_STD, build, normalized
from boundary_core.models.zoo import IMAGENET_CLASSES

HEADLINE = ("sm", "ig_black", "ig_white", "bsm", "big")
EVERY = DEFAULT_METHODS  # the default panels: the headline ones plus SG, Grad×Input, DeepLIFT, AGI
TARGETS = {"cpu": (20.0, 60.0), "cuda": (1.0, 2.0)}  # (headline s, all panels s)
SEARCH, PREDICT = "search", "predict x, x′"  # buckets that are no method


def random_imagenet_resnet50(seed: int = 0, device: torch.device | str = "cpu") -> nn.Module:
    """What ``zoo.make_loader`` builds for ``imagenet-resnet50`` (normalisation + the
    one-ReLU-per-call-site ResNet-50, 1000 classes), with seeded random weights, as
    ``load_model`` hands it out: eval mode, parameters frozen."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = normalized(build("resnet50", len(IMAGENET_CLASSES)), IMAGENET_MEAN, IMAGENET_STD)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model.eval().to(device)


@dataclass
class PassCounter:
    """Forward calls on the model (batch size each) and backward passes through their outputs,
    grouped in buckets that ``progress`` messages of ``explain_image`` switch between."""

    bucket: str = PREDICT
    calls: dict[str, list[list[int]]] = field(default_factory=dict)  # [batch, backwards]

    def attach(self, model: nn.Module):
        def forward_hook(module, inputs, output):
            call = [int(inputs[0].shape[0]), 0]
            self.calls.setdefault(self.bucket, []).append(call)
            if output.requires_grad:
                output.register_hook(lambda grad: call.__setitem__(1, call[1] + 1))

        return model.register_forward_hook(forward_hook)


def _bucket_of(message: str) -> str:
    labels = {f"computing {method.label}": name for name, method in METHODS.items()}
    if message in labels:
        return labels[message]
    return PREDICT if message == "done" else SEARCH


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def counted_run(model, x, device, methods=EVERY, settings=DEFAULT_SETTINGS):
    """One serial ``explain_image`` (``parallel=False``): wall seconds and forward/backward calls
    per bucket (each method, the search, the two prediction forwards), and the total."""
    counter, seconds = PassCounter(), {}
    mark = [PREDICT, time.perf_counter()]

    def progress(fraction, message):
        _sync(device)
        now = time.perf_counter()
        seconds[mark[0]] = seconds.get(mark[0], 0.0) + now - mark[1]
        counter.bucket = _bucket_of(message)
        mark[:] = [counter.bucket, now]

    hook = counter.attach(model)
    try:
        start = time.perf_counter()
        explain_image(
            model,
            x,
            IMAGENET_CLASSES,
            methods=methods,
            settings=settings,
            progress=progress,
            parallel=False,
        )
        _sync(device)
        end = time.perf_counter()
    finally:
        hook.remove()
    seconds[mark[0]] = seconds.get(mark[0], 0.0) + end - mark[1]
    return seconds, counter.calls, end - start


def timed_run(model, x, device, methods, parallel: bool, settings=DEFAULT_SETTINGS) -> float:
    """Wall seconds of one ``explain_image`` of ``methods``."""
    _sync(device)
    start = time.perf_counter()
    explain_image(model, x, IMAGENET_CLASSES, methods=methods, settings=settings, parallel=parallel)
    _sync(device)
    return time.perf_counter() - start


def pass_seconds(model, x, batch: int, device, repeats: int) -> tuple[float, float]:
    """Median seconds of one forward (no grad) and one forward + input-gradient backward of
    ``batch`` copies of ``x (C, H, W)``."""
    points = x[None].expand(batch, *x.shape).contiguous()  # (batch, C, H, W)
    forward, both = [], []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        with torch.no_grad():
            model(points)
        _sync(device)
        middle = time.perf_counter()
        inputs = points.clone().requires_grad_(True)
        torch.autograd.grad(model(inputs)[:, 0].sum(), inputs)
        _sync(device)
        forward.append(middle - start)
        both.append(time.perf_counter() - middle)
    return statistics.median(forward), statistics.median(both)


def measured_sizes(sizes: list[int], most: int = 6) -> list[int]:
    """The batch sizes to time: all distinct ones used, or ``most`` spread over them."""
    sizes = sorted(set(sizes))
    if len(sizes) <= most:
        return sizes
    return sorted({sizes[round(i * (len(sizes) - 1) / (most - 1))] for i in range(most)})


def interpolate(table: dict[int, float], batch: int) -> float:
    """Piecewise-linear seconds at ``batch`` from the measured ``{batch: seconds}``."""
    sizes = sorted(table)
    if batch in table:
        return table[batch]
    low = max(s for s in sizes if s < batch)
    high = min(s for s in sizes if s > batch)
    weight = (batch - low) / (high - low)
    return (1 - weight) * table[low] + weight * table[high]


def modelled_seconds(calls, forward: dict, both: dict) -> float:
    """Σ over calls of one forward plus, per backward through it, one backward's extra cost."""
    return sum(
        interpolate(forward, batch)
        + backwards * (interpolate(both, batch) - interpolate(forward, batch))
        for batch, backwards in calls
    )


def add_arguments(parser) -> None:
    parser.add_argument("--repeats", type=int, default=3, help="runs per mode; medians shown")
    parser.add_argument("--photo", default="astronaut")
    parser.add_argument("--seed", type=int, default=0, help="random-init weights")


def run(args) -> str:
    warnings.filterwarnings("ignore", module=r"captum\..*")
    device = default_device()
    load_before = os.getloadavg()[0]
    model = random_imagenet_resnet50(args.seed, device)
    x = load_photo(args.photo, 224).to(device)  # (3, 224, 224)
    pass_seconds(model, x, 1, device, 1)  # warm-up: first-call allocations and kernel choice
    runs = {"panels": [], "all_on": [], "headline_on": []}
    for repeat in range(args.repeats):
        runs["panels"].append(counted_run(model, x, device))
        runs["all_on"].append(timed_run(model, x, device, EVERY, parallel=True))
        runs["headline_on"].append(timed_run(model, x, device, HEADLINE, parallel=True))
        print(
            f"  repeat {repeat + 1}: all serial {runs['panels'][-1][2]:.2f} s, all parallel "
            f"{runs['all_on'][-1]:.2f} s, headline parallel {runs['headline_on'][-1]:.2f} s",
            flush=True,
        )
    calls = runs["panels"][0][1]  # pass counts do not change between runs
    sizes = measured_sizes([batch for bucket in calls.values() for batch, _ in bucket])
    timing = {b: pass_seconds(model, x, b, device, 3 if b <= 4 else 1) for b in sizes}
    forward = {b: f for b, (f, _) in timing.items()}
    both = {b: fb for b, (_, fb) in timing.items()}
    loads = (load_before, os.getloadavg()[0])
    return _report(args, device, runs, calls, forward, both, loads)


def _panel_rows(runs, calls, forward, both):
    """``(bucket, median s, forward calls, forward images, backward images, modelled s)``."""
    order = [PREDICT, SEARCH, *EVERY]
    rows = []
    for bucket in order + [b for b in calls if b not in order]:
        times = [seconds.get(bucket, 0.0) for seconds, _, _ in runs["panels"]]
        bucket_calls = calls.get(bucket, [])
        rows.append(
            (
                bucket,
                statistics.median(times),
                len(bucket_calls),
                sum(batch for batch, _ in bucket_calls),
                sum(batch * backwards for batch, backwards in bucket_calls),
                modelled_seconds(bucket_calls, forward, both),
            )
        )
    return rows


def _report(args, device, runs, calls, forward, both, loads) -> str:
    rows = _panel_rows(runs, calls, forward, both)
    by_name = {row[0]: row for row in rows}
    headline_serial = sum(by_name[b][1] for b in (PREDICT, SEARCH, *HEADLINE))
    all_serial = statistics.median(run[2] for run in runs["panels"])
    all_parallel = statistics.median(runs["all_on"])
    headline_parallel = statistics.median(runs["headline_on"])
    s = DEFAULT_SETTINGS
    lines = [
        f"Random-init ImageNet ResNet-50 (seed {args.seed}), photo `{args.photo}` at 224², "
        f"{describe(device)}; default `Settings()` (IG/BIG {s.ig_steps} steps, SmoothGrad "
        f"{s.sg_samples} samples, AGI {s.agi_classes} classes × {s.agi_steps} steps), search "
        f"preset `fast`. Median of {args.repeats} run(s). 1-minute load average "
        f"{loads[0]:.2f} before, {loads[1]:.2f} after ({os.cpu_count()} cores).",
        "",
        "Time per pass (median), at every batch size the panels used:",
        "",
        "| batch | forward s | forward + backward s | per image f+b s |",
        "|---|---|---|---|",
    ]
    for batch in sorted(forward):
        lines.append(
            f"| {batch} | {forward[batch]:.3f} | {both[batch]:.3f} | {both[batch] / batch:.3f} |"
        )
    lines += [
        "",
        "Per panel, one serial `explain_image` (`parallel=False`); passes counted by hooks:",
        "",
        "| panel | wall s | forward calls | forward images | backward images | "
        "passes × time per pass s | wall ÷ that |",
        "|---|---|---|---|---|---|---|",
    ]
    for bucket, wall, count, images, backward, modelled in rows:
        label = METHODS[bucket].label if bucket in METHODS else bucket
        ratio = wall / modelled if modelled > 0 else float("nan")
        lines.append(
            f"| {label} | {wall:.2f} | {count} | {images} | {backward} | {modelled:.2f} "
            f"| {ratio:.2f} |"
        )
    default_on = parallel_by_default()  # on for a CPU with ≥ 2 cores, off on a GPU
    headline_target, all_target = TARGETS[device.type]
    headline = headline_parallel if default_on else headline_serial
    every = all_parallel if default_on else all_serial
    lines += [
        "",
        "| totals | parallel off s | parallel on s |",
        "|---|---|---|",
        f"| headline (SM, IG black, IG white, BSM, BIG, search) | {headline_serial:.2f} "
        f"(sum of its panels above) | {headline_parallel:.2f} |",
        f"| all panels | {all_serial:.2f} | {all_parallel:.2f} |",
        "",
        f"Targets on {device.type}, judged with `parallel` at its default "
        f"({'on' if default_on else 'off'}):",
        _verdict("headline", headline, headline_target),
        _verdict("all panels", every, all_target),
    ]
    return "\n".join(lines)


def _verdict(what: str, seconds: float, target: float) -> str:
    met = "met" if seconds <= target else "not met"
    return f"- {what} ≤ {target:g} s: **{met}** ({seconds:.2f} s)"
