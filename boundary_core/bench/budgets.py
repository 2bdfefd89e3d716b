"""How much the light budget changes the maps it makes cheaper, on trained models.

``SETTINGS_PRESETS["light"]`` cuts SmoothGrad's samples and AGI's false classes × steps (the two
panels that dominate all-panels time at 224² on a CPU, see ``bench resnet50``). For each shipped
trained model and a fixed set of its images this compares, per image, the light map with the
paper-budget map: cosine of the signed maps and Spearman ρ of their absolute values (every channel
and pixel). As a yardstick, the same numbers between two paper-budget maps with different seeds
(other noise for SmoothGrad, another draw of false classes for AGI): a light map as close to the
paper map as that changes nothing a reader could see. Also the seconds per image of each budget
and, for AGI, the forward images per image: paths stop once they reach their false class.
"""

import os
import statistics
import time
import warnings
from dataclasses import replace

import numpy as np
import torch

from boundary_core.data.photos import photo_set
from boundary_core.data.shapes import test_split
from boundary_core.maps import attribute_all
from boundary_core.methods import METHODS, SETTINGS_PRESETS
from boundary_core.metrics.alignment import cosine_distance_batch
from boundary_core.metrics.sanity import spearman_per_sample
from boundary_core.models import load_model

MODELS = ("cifar10-resnet18", "shapes-standard", "shapes-robust")
CHANGED = ("sg", "agi")  # the panels the light budget changes


def add_arguments(parser) -> None:
    parser.add_argument("--images", type=int, default=16, help="images per model")


def _images(name: str, count: int) -> torch.Tensor:
    if name.startswith("cifar10"):
        return photo_set(32, 1)[0][:count]  # (N, 3, 32, 32): the photo gallery
    return test_split(count).images  # (N, 3, 64, 64): the shapes test split


def _maps(model, x, target, method, settings):
    """The map ``(N, C, H, W)``, seconds, and forward images through ``model``."""
    images = [0]

    def count(module, inputs):
        images[0] += len(inputs[0])

    hook = model.register_forward_pre_hook(count)
    try:
        start = time.perf_counter()
        result = attribute_all(model, x, target, None, (method,), settings)
        seconds = time.perf_counter() - start
    finally:
        hook.remove()
    return result.maps[method].numpy(), seconds, images[0]


def _similarity(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Median over images of cos(a, b) and of Spearman ρ(|a|, |b|)."""
    cosine = 1 - cosine_distance_batch(a, b)
    rho = spearman_per_sample(np.abs(a), np.abs(b))
    return float(np.median(cosine)), float(np.median(rho))


def run(args) -> str:
    warnings.filterwarnings("ignore", module=r"captum\..*")
    paper, light = SETTINGS_PRESETS["paper"].settings, SETTINGS_PRESETS["light"].settings
    rows, load_before = [], os.getloadavg()[0]
    for name in MODELS:
        model = load_model(name)
        x = _images(name, args.images)
        with torch.no_grad():
            target = model(x).argmax(dim=1)
        for method in CHANGED:
            full, full_s, full_n = _maps(model, x, target, method, paper)
            other, _, _ = _maps(model, x, target, method, replace(paper, seed=paper.seed + 1))
            cheap, cheap_s, cheap_n = _maps(model, x, target, method, light)
            apart, _, _ = _maps(model, x, target, method, replace(light, seed=light.seed + 1))
            similar = [_similarity(m, full) for m in (cheap, apart, other)]
            rows.append((name, method, *similar, (full_s, cheap_s), (full_n, cheap_n), len(x)))
            print(f"  {name} {method}: done", flush=True)
    return _report(args, paper, light, rows, (load_before, os.getloadavg()[0]))


def _report(args, paper, light, rows, loads) -> str:
    lines = [
        f"Light budget (`SETTINGS_PRESETS['light']`: SmoothGrad {light.sg_samples} samples, AGI "
        f"{light.agi_classes} classes × {light.agi_steps} steps) against the paper budget "
        f"(SmoothGrad {paper.sg_samples}, AGI {paper.agi_classes} × {paper.agi_steps}), "
        f"{args.images} images per model, target = the prediction. Medians over images of the "
        "cosine of the signed maps and of Spearman ρ of |map|. 'light–paper': both with seed 0 "
        "(SmoothGrad's 20 noise draws are then the first 20 of the paper's 50); 'light′–paper': "
        "the light map with seed 1, so no draw is shared; 'paper′–paper': two paper-budget maps "
        "with seeds 1 and 0, the yardstick of what a new seed alone changes. 1-minute load "
        f"average {loads[0]:.1f} before, {loads[1]:.1f} after ({os.cpu_count()} cores).",
        "",
        "| model | panel | cos light–paper | cos light′–paper | cos paper′–paper | ρ light–paper "
        "| ρ light′–paper | ρ paper′–paper | s/image paper | s/image light "
        "| forward images/image paper | light |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, method, same, apart, seeds, seconds, images, count in rows:
        lines.append(
            f"| {name} | {METHODS[method].label} | {same[0]:.3f} | {apart[0]:.3f} "
            f"| {seeds[0]:.3f} | {same[1]:.3f} | {apart[1]:.3f} | {seeds[1]:.3f} "
            f"| {seconds[0] / count:.3f} | {seconds[1] / count:.3f} "
            f"| {images[0] / count:.0f} | {images[1] / count:.0f} |"
        )
    worst = min(row[3][0] for row in rows)
    lines += [
        "",
        f"Lowest median cosine light′–paper: {worst:.3f} "
        f"(median over panels and models {statistics.median(row[3][0] for row in rows):.3f}). "
        "These models have 10 classes, so AGI's 10 false classes are all 9 there and only its "
        "step cap can differ; on 1000 ImageNet classes the light budget also draws half as many "
        "classes, which these models cannot show.",
    ]
    return "\n".join(lines)
