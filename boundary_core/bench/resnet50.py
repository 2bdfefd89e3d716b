"""ResNet-50 at 224²: every panel of one photo through a random-init ImageNet ResNet-50.

Targets (issue 15), default ``Settings()``: the headline panels (SM, IG black, IG white, BSM, BIG
and the search) ≤ 20 s on the 2-core CPU and ≤ 1 s on a GPU; all panels (adding SmoothGrad,
Grad×Input, DeepLIFT, AGI) ≤ 60 s CPU, ≤ 2 s GPU; for all panels it also times the named light
budget (``SETTINGS_PRESETS["light"]``: fewer SmoothGrad samples and AGI classes × steps). Random
weights cost what trained ones cost, except AGI: its paths stop once they reach their false class,
which on a trained net takes a step or two, while on a random one they run every step (the worst
case, measured here).

Per panel it reports the wall time, the passes through the net (counted by a global hook on the
model's ``Normalize`` layer, so passes through private copies count too, and on its output for
every backward through it) and wall ÷ (passes × time per pass),
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
from torch.nn.modules.module import register_module_forward_hook

from boundary_core.attributions import deeplift_refusal
from boundary_core.data.photos import load_photo
from boundary_core.device import default_device, describe
from boundary_core.explain import explain_image
from boundary_core.methods import DEFAULT_METHODS, DEFAULT_SETTINGS, METHODS, SETTINGS_PRESETS
from boundary_core.models.resnets import IMAGENET_MEAN, IMAGENET_STD, build, normalized
from boundary_core.models.shapes_net import Normalize
from boundary_core.models.zoo import IMAGENET_CLASSES
from boundary_core.schedule import parallel_by_default

HEADLINE = ("sm", "ig_black", "ig_white", "bsm", "big")
LIGHT = SETTINGS_PRESETS["light"].settings
LIGHTER = ("sg", "agi")  # the panels the light budget changes
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
    """Forward calls through the model (batch size each) and backward passes through their
    outputs, grouped in buckets that ``progress`` messages of ``explain_image`` switch between.

    Every pass through the zoo's model starts at its ``Normalize`` layer, so a global hook on
    that layer counts passes through the model and through the private copies that DeepLIFT and
    the worker thread keep (a hook on the model itself is not on copies made before it)."""

    bucket: str = PREDICT
    calls: dict[str, list[list[int]]] = field(default_factory=dict)  # [batch, backwards]

    def attach(self):
        def forward_hook(module, inputs, output):
            if not isinstance(module, Normalize):
                return
            call = [int(inputs[0].shape[0]), 0]
            self.calls.setdefault(self.bucket, []).append(call)
            if output.requires_grad:
                output.register_hook(lambda grad: call.__setitem__(1, call[1] + 1))

        return register_module_forward_hook(forward_hook)


def _bucket_of(message: str) -> str:
    labels = {f"computing {method.label}": name for name, method in METHODS.items()}
    if message in labels:
        return labels[message]
    return PREDICT if message == "done" else SEARCH


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def counted_run(model, x, device, methods=EVERY, settings=DEFAULT_SETTINGS, boundary=None):
    """One serial ``explain_image`` (``parallel=False``; ``boundary``: reuse x′, no search): wall
    seconds and forward/backward calls per bucket (each method, the search, the two prediction
    forwards), the total, and the explanation."""
    counter, seconds = PassCounter(), {}
    mark = [PREDICT, time.perf_counter()]

    def progress(fraction, message):
        _sync(device)
        now = time.perf_counter()
        seconds[mark[0]] = seconds.get(mark[0], 0.0) + now - mark[1]
        counter.bucket = _bucket_of(message)
        mark[:] = [counter.bucket, now]

    hook = counter.attach()
    try:
        start = time.perf_counter()
        explanation = explain_image(
            model,
            x,
            IMAGENET_CLASSES,
            methods=methods,
            settings=settings,
            progress=progress,
            parallel=False,
            boundary=boundary,
        )
        _sync(device)
        end = time.perf_counter()
    finally:
        hook.remove()
    seconds[mark[0]] = seconds.get(mark[0], 0.0) + end - mark[1]
    return seconds, counter.calls, end - start, explanation


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
    parser.add_argument("--repeats", type=int, default=1, help="runs per mode; medians shown")
    parser.add_argument("--photo", default="astronaut")
    parser.add_argument("--seed", type=int, default=0, help="random-init weights")


def run(args) -> str:
    warnings.filterwarnings("ignore", module=r"captum\..*")
    device = default_device()
    load_before = os.getloadavg()[0]
    model = random_imagenet_resnet50(args.seed, device)
    x = load_photo(args.photo, 224).to(device)  # (3, 224, 224)
    pass_seconds(model, x, 1, device, 1)  # warm-up: first-call allocations and kernel choice
    start = time.perf_counter()
    deeplift_refusal(model, x[None])  # once per model: DeepLIFT's private copy and its check
    once = {"DeepLIFT's copy and check (first call per model)": time.perf_counter() - start}
    runs = {key: [] for key in ("panels", "light_panels", "all_on", "light_on", "headline_on")}
    for repeat in range(args.repeats):
        runs["panels"].append(counted_run(model, x, device))
        boundary = runs["panels"][-1][3].boundary  # the light budget changes no searched panel
        runs["light_panels"].append(counted_run(model, x, device, LIGHTER, LIGHT, boundary))
        runs["all_on"].append(timed_run(model, x, device, EVERY, parallel=True))
        runs["light_on"].append(timed_run(model, x, device, EVERY, True, LIGHT))
        runs["headline_on"].append(timed_run(model, x, device, HEADLINE, parallel=True))
        print(
            f"  repeat {repeat + 1}: all serial {runs['panels'][-1][2]:.2f} s, all parallel "
            f"{runs['all_on'][-1]:.2f} s (light {runs['light_on'][-1]:.2f} s), headline "
            f"parallel {runs['headline_on'][-1]:.2f} s",
            flush=True,
        )
    calls = runs["panels"][0][1] | {
        f"{name} (light)": runs["light_panels"][0][1].get(name, []) for name in LIGHTER
    }  # pass counts do not change between runs
    sizes = measured_sizes([batch for bucket in calls.values() for batch, _ in bucket])
    timing = {b: pass_seconds(model, x, b, device, 3 if b <= 4 else 1) for b in sizes}
    forward = {b: f for b, (f, _) in timing.items()}
    both = {b: fb for b, (_, fb) in timing.items()}
    loads = (load_before, os.getloadavg()[0])
    return _report(args, device, x, runs, calls, forward, both, loads, once)


def _panel_rows(runs, calls, forward, both):
    """``(bucket, median s, forward calls, forward images, backward images, modelled s)``."""
    order = [PREDICT, SEARCH, *EVERY, *(f"{name} (light)" for name in LIGHTER)]
    rows = []
    for bucket in order + [b for b in calls if b not in order]:
        source, key = (
            ("light_panels", bucket[: -len(" (light)")])
            if "(light)" in bucket
            else (
                "panels",
                bucket,
            )
        )
        times = [seconds.get(key, 0.0) for seconds, _, _, _ in runs[source]]
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


def _label(bucket: str) -> str:
    name, light = bucket.removesuffix(" (light)"), bucket.endswith(" (light)")
    label = METHODS[name].label if name in METHODS else name
    return f"{label} (light)" if light else label


def _report(args, device, x, runs, calls, forward, both, loads, once) -> str:
    rows = _panel_rows(runs, calls, forward, both)
    by_name = {row[0]: row for row in rows}
    headline_serial = sum(by_name[b][1] for b in (PREDICT, SEARCH, *HEADLINE))
    all_serial = statistics.median(run[2] for run in runs["panels"])
    light_serial = all_serial + sum(
        by_name[f"{name} (light)"][1] - by_name[name][1] for name in LIGHTER
    )
    parallel = {key: statistics.median(runs[key]) for key in ("all_on", "light_on", "headline_on")}
    s, light = DEFAULT_SETTINGS, LIGHT
    lines = [
        f"Random-init ImageNet ResNet-50 (seed {args.seed}), photo `{args.photo}` at 224², "
        f"{describe(device)}; the paper budget `Settings()` (IG/BIG {s.ig_steps} steps, SmoothGrad "
        f"{s.sg_samples} samples, AGI {s.agi_classes} classes × {s.agi_steps} steps) and the "
        f"light budget `SETTINGS_PRESETS['light']` (SmoothGrad {light.sg_samples} samples, AGI "
        f"{light.agi_classes} × {light.agi_steps}; every other panel the same); "
        f"{s.images_per_pass(x[None])} images per pass; search preset `fast`. Median of "
        f"{args.repeats} run(s). 1-minute load average {loads[0]:.2f} before, {loads[1]:.2f} "
        f"after ({os.cpu_count()} cores).",
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
        ratio = wall / modelled if modelled > 0 else float("nan")
        lines.append(
            f"| {_label(bucket)} | {wall:.2f} | {count} | {images} | {backward} | {modelled:.2f} "
            f"| {ratio:.2f} |"
        )
    lines += [f"- {what}: {seconds:.2f} s, before the runs above" for what, seconds in once.items()]
    default_on = parallel_by_default()  # on for a CPU with ≥ 2 cores, off on a GPU
    headline_target, all_target = TARGETS[device.type]
    headline = parallel["headline_on"] if default_on else headline_serial
    every = parallel["all_on"] if default_on else all_serial
    every_light = parallel["light_on"] if default_on else light_serial
    lines += [
        "",
        "| totals | parallel off s | parallel on s |",
        "|---|---|---|",
        f"| headline (SM, IG black, IG white, BSM, BIG, search) | {headline_serial:.2f} "
        f"(sum of its panels above) | {parallel['headline_on']:.2f} |",
        f"| all panels, paper budget | {all_serial:.2f} | {parallel['all_on']:.2f} |",
        f"| all panels, light budget | {light_serial:.2f} (with the light rows above) "
        f"| {parallel['light_on']:.2f} |",
        "",
        f"Targets on {device.type}, judged with `parallel` at its default "
        f"({'on' if default_on else 'off'}):",
        _verdict("headline", headline, headline_target),
        _verdict("all panels, paper budget", every, all_target),
        _verdict("all panels, light budget", every_light, all_target),
    ]
    return "\n".join(lines)


def _verdict(what: str, seconds: float, target: float) -> str:
    met = "met" if seconds <= target else "not met"
    return f"- {what} ≤ {target:g} s: **{met}** ({seconds:.2f} s)"
