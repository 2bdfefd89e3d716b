"""ShapesNet and the shipped shapes models: DeepLift-safe ReLUs, normalisation, weights, CLI."""

import json
from itertools import islice

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn
from torch.nn import functional as F

from boundary_core.cli import main as cli_main
from boundary_core.data.shapes import test_split, train_batches
from boundary_core.models import get_spec, load_model
from boundary_core.models.shapes import MODELS_DIR, weights_path
from boundary_core.models.shapes_net import (
    SHAPES_MEAN,
    SHAPES_STD,
    Normalize,
    ShapesNet,
    load_shapes_net,
    relu_modules,
    save_shapes_net,
)
from boundary_core.training import epsilon_at, recipe, train_shapes_net, training_batches

SHIPPED = ("shapes-standard", "shapes-robust")
needs_weights = pytest.mark.skipif(
    not all(weights_path(name).exists() for name in SHIPPED), reason="weights not trained yet"
)


def tiny_net(seed: int = 0) -> ShapesNet:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return ShapesNet(widths=(4, 8, 8)).eval()


def test_every_relu_is_its_own_module_and_runs_exactly_once():
    model = tiny_net()
    relus = relu_modules(model)
    assert len(relus) == 1 + 2 * 3  # stem + two per basic block
    assert len({id(module) for module in relus}) == len(relus)
    assert not any(module.inplace for module in relus)
    calls = {id(module): 0 for module in relus}
    handles = [
        module.register_forward_hook(lambda m, i, o: calls.__setitem__(id(m), calls[id(m)] + 1))
        for module in relus
    ]
    model(torch.rand(2, 3, 64, 64))
    for handle in handles:
        handle.remove()
    assert set(calls.values()) == {1}


def randomise_batch_norms(model: nn.Module, seed: int = 0) -> nn.Module:
    """Non-trivial running statistics and affine parameters, so a forward pass that skipped or
    misapplied a batch norm would change the logits."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                size = module.num_features
                module.running_mean.copy_(0.2 * torch.randn(size, generator=generator))
                module.running_var.copy_(0.5 + torch.rand(size, generator=generator))
                module.weight.copy_(0.5 + torch.rand(size, generator=generator))
                module.bias.copy_(0.2 * torch.randn(size, generator=generator))
    return model


def hand_forward(state: dict, x: torch.Tensor, *, normalise: bool = True) -> torch.Tensor:
    """ShapesNet's documented layout written out with ``torch.nn.functional`` from the weights
    alone (one basic block per stage): normalise with the published constants → 3×3 stride-2 stem
    → three stages → global average pool → linear."""

    def bn(h, name):
        return F.batch_norm(
            h,
            state[f"{name}.running_mean"],
            state[f"{name}.running_var"],
            state[f"{name}.weight"],
            state[f"{name}.bias"],
            training=False,
            eps=1e-5,
        )

    if normalise:
        mean = torch.tensor(SHAPES_MEAN).view(1, 3, 1, 1)
        std = torch.tensor(SHAPES_STD).view(1, 3, 1, 1)
        x = (x - mean) / std
    h = F.relu(bn(F.conv2d(x, state["stem.0.weight"], stride=2, padding=1), "stem.1"))
    for stage in range(3):
        block, stride = f"stages.{stage}.0", 1 if stage == 0 else 2
        out = F.relu(
            bn(
                F.conv2d(h, state[f"{block}.conv1.weight"], stride=stride, padding=1),
                f"{block}.bn1",
            )
        )
        out = bn(F.conv2d(out, state[f"{block}.conv2.weight"], padding=1), f"{block}.bn2")
        if f"{block}.shortcut.0.weight" in state:
            h = bn(
                F.conv2d(h, state[f"{block}.shortcut.0.weight"], stride=stride),
                f"{block}.shortcut.1",
            )
        h = F.relu(out + h)
    return F.linear(h.mean(dim=(2, 3)), state["linear.weight"], state["linear.bias"])  # (B, K)


def test_normalisation_is_the_first_layer_and_takes_unit_range_pixels():
    model = randomise_batch_norms(tiny_net())
    assert isinstance(model.normalize, Normalize)
    x = torch.rand(3, 3, 64, 64)  # [0, 1] pixels
    expected = (x - torch.tensor(SHAPES_MEAN).view(1, 3, 1, 1)) / torch.tensor(SHAPES_STD).view(
        1, 3, 1, 1
    )
    seen = []
    handle = model.stem[0].register_forward_pre_hook(lambda m, args: seen.append(args[0]))
    with torch.no_grad():
        logits = model(x)
    handle.remove()
    assert len(seen) == 1 and torch.allclose(seen[0], expected, atol=1e-6)  # the first conv's input
    state = model.state_dict()
    with torch.no_grad():
        assert torch.allclose(logits, hand_forward(state, x), atol=1e-5)
        # The comparison can tell: the same weights without normalisation give other logits.
        assert not torch.allclose(logits, hand_forward(state, x, normalise=False), atol=1e-3)


def test_safetensors_round_trip(tmp_path):
    model = tiny_net(seed=3)
    path = tmp_path / "net.safetensors"
    save_shapes_net(model, path)
    loaded = load_shapes_net(path).eval()
    assert loaded.architecture == model.architecture
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))
    with pytest.raises(OSError):
        load_shapes_net(tmp_path / "missing.safetensors")


def test_recipes_and_epsilon_warmup():
    robust = recipe("shapes-robust")
    assert robust.mode == "adversarial" and robust.training.startswith("adversarial l2 eps=")
    assert recipe("shapes-standard").training == "standard"
    assert epsilon_at(robust, 0.0) == 0.0 and epsilon_at(robust, 1.0) == robust.eps
    with pytest.raises(ValueError):
        recipe("shapes-huge")
    with pytest.raises(ValueError):
        recipe("shapes-robust", eps=-1.0)


def test_prefetching_worker_streams_the_same_batches_in_order():
    config = recipe("shapes-standard", batch_size=4, data_seed=3)
    plain = train_batches(4, seed=3)
    expected_batches = [next(plain) for _ in range(3)]
    streamed = list(islice(training_batches(config), 3))
    assert len(streamed) == 3
    for (images, labels), expected in zip(streamed, expected_batches, strict=True):
        assert torch.equal(images, expected.images) and torch.equal(labels, expected.labels)


def test_channels_last_changes_the_layout_not_the_training():
    config = recipe(
        "shapes-robust",
        epochs=1,
        max_batches=2,
        batch_size=8,
        samples_per_epoch=16,
        widths=(4, 8, 8),
        pgd_steps=1,
    )
    runs = [
        train_shapes_net(config, log=lambda _: None, prefetch=False, channels_last=layout)
        for layout in (True, False)
    ]
    nhwc, nchw = (model.state_dict() for model, _ in runs)
    assert runs[0][1]["memory_format"] == "channels_last"
    assert runs[0][0].stem[0].weight.is_contiguous(memory_format=torch.channels_last)
    for name, value in nchw.items():  # same PGD points, same updates, up to float rounding
        assert torch.allclose(nhwc[name].float(), value.float(), atol=1e-4), name
    moved = [(nchw[k].float() - v.float()).abs().max() for k, v in tiny_net().state_dict().items()]
    assert max(moved) > 1e-3  # the weights did train, so the comparison above means something


@pytest.mark.parametrize("name", SHIPPED)
def test_train_command_runs_a_tiny_epoch(tmp_path, name, capsys):
    out = tmp_path / f"{name}.safetensors"
    code = cli_main(
        [
            "train",
            "--model",
            name,
            "--epochs",
            "1",
            "--max-batches",
            "2",
            "--batch-size",
            "8",
            "--samples-per-epoch",
            "16",
            "--threads",
            "1",
            "--test-n",
            "8",
            "--out",
            str(out),
            *(["--no-prefetch", "--widths", "4", "8", "16"] if name == "shapes-robust" else []),
        ]
    )
    assert code == 0 and out.exists()
    card = json.loads(out.with_name(f"{name}.card.json").read_text())
    assert card["train"]["train_samples"] == 16 and 0 <= card["clean_accuracy"] <= 1
    assert card["training"] == recipe(name).training
    assert "epoch 1/1" in capsys.readouterr().out
    widths = [4, 8, 16] if name == "shapes-robust" else list(recipe(name).widths)
    assert load_shapes_net(out).architecture["widths"] == widths
    assert card["train"]["config"]["widths"] == widths


def test_train_command_rejects_mistakes(tmp_path, capsys):
    assert cli_main(["train", "--model", "shapes-standard", "--threads", "0"]) == 2
    out = str(tmp_path / "weights.pt")
    assert cli_main(["train", "--model", "shapes-standard", "--out", out]) == 2
    assert "error:" in capsys.readouterr().err


@needs_weights
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_models_load_offline_and_match_their_cards(name):
    spec = get_spec(name)
    assert spec.offline and spec.input_size == (3, 64, 64) and len(spec.class_names) == 10
    assert spec.training == spec.card["training"]
    assert (weights_path(name).stat().st_size < 5_000_000) and MODELS_DIR.is_dir()
    model = load_model(name)
    assert not model.training and not any(p.requires_grad for p in model.parameters())
    test = test_split(64)
    with torch.no_grad():
        accuracy = (model(test.images).argmax(1) == test.labels).float().mean().item()
    assert accuracy >= spec.card["clean_accuracy"] - 0.08  # 64 images: binomial slack


@needs_weights
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_models_classify_the_gallery(name):
    gallery = MODELS_DIR.parent / "shapes_gallery"
    entries = json.loads((gallery / "index.json").read_text())["images"]
    images = torch.stack(
        [
            torch.from_numpy(
                np.asarray(Image.open(gallery / e["file"]), dtype=np.float32) / 255
            ).permute(2, 0, 1)  # (H, W, 3) -> (3, H, W)
            for e in entries
        ]
    )
    labels = torch.tensor([e["label"] for e in entries])
    with torch.no_grad():
        correct = (load_model(name)(images).argmax(1) == labels).float().mean().item()
    assert correct >= 0.75  # 12 images, 8-bit quantised


def test_registered_models_are_relu_safe_for_deeplift():
    for module in tiny_net().modules():
        assert not isinstance(module, nn.ReLU) or not module.inplace


def test_bench_train_projects_each_recipe_from_timed_steps(capsys):
    assert cli_main(["bench", "train", "--batches", "2", "--threads", "1", "--no-record"]) == 0
    out = capsys.readouterr().out
    for name in SHIPPED:
        row = next(line for line in out.splitlines() if line.startswith(f"| {name} |"))
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        steps, default, startup = int(cells[1]), float(cells[2]), float(cells[6].split()[0])
        config = recipe(name)
        assert steps == config.epochs * config.samples_per_epoch // config.batch_size
        # s/step shown to 3 decimals, start-up to 0.1 s, minutes to 0.1
        rounding = 0.0005 * steps / 60 + 0.05 / 60 + 0.05 + 1e-9
        projected = (startup + default * steps) / 60
        assert float(cells[7].split()[0]) == pytest.approx(projected, abs=rounding)
        assert startup >= 0 and float(cells[8].split()[0]) > 0
    assert "Target ≤ 45 min per model" in out
