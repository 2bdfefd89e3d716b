"""CLI start-up: ``models --json`` and ``--help`` import none of torch, torchvision, Captum, scipy
or matplotlib (they cost seconds), and the facts kept torch-free for that equal their sources."""

import json
import subprocess
import sys

from boundary_core.cli import COMMANDS
from boundary_core.paths import ROOT

HEAVY = ("torch", "torchvision", "captum", "scipy", "matplotlib")
PROBE = """
import json, sys
from boundary_core.cli import main
code = main(sys.argv[1:])
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print(json.dumps({{"code": code, "heavy": heavy}}), file=sys.stderr)
"""


def run_probe(*args) -> tuple[str, dict]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


def test_models_json_imports_nothing_heavy_and_lists_every_model():
    out, probe = run_probe("models", "--json")
    assert probe == {"code": 0, "heavy": []}
    names = [entry["name"] for entry in json.loads(out)]
    assert {"shapes-standard", "shapes-robust", "cifar10-resnet18", "imagenet-resnet50"} <= set(
        names
    )


def test_help_lists_every_command_without_importing_them():
    done = subprocess.run(
        [sys.executable, "-m", "boundary_core", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0
    for name, (_, help_text) in COMMANDS.items():
        assert name in done.stdout and help_text in " ".join(done.stdout.split())


def test_imagenet_class_names_equal_torchvisions():
    from torchvision.models import ResNet50_Weights

    from boundary_core.models.facts import IMAGENET_CLASSES, TORCHVISION_RESNET50_URL

    weights = ResNet50_Weights.IMAGENET1K_V1
    assert IMAGENET_CLASSES == tuple(weights.meta["categories"])
    assert TORCHVISION_RESNET50_URL == weights.url


def test_the_recipes_data_seed_is_the_training_streams():
    from boundary_core.data.shapes import TRAIN_SEED
    from boundary_core.recipes import RECIPES, TrainConfig

    assert TrainConfig().data_seed == TRAIN_SEED
    assert all(config.data_seed == TRAIN_SEED for config in RECIPES.values())
