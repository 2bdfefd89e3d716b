"""Bring your own model (issue 15): ``models add`` checks by a strict, tensors-only load, keeps a
safetensors copy and a config entry, and every later command sees the model; bad inputs are one
line and exit 2 with nothing kept; a broken config file is refused in one line naming it.

Offline and fast: a random-init resnet18 with three classes at 32×32. The config and the cache
point at a tmp dir (``BAE_CONFIG``, ``BAE_CACHE``), so nothing touches the real home.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import save, save_file
from torchvision.models import resnet18

from boundary_core.cli import main
from boundary_core.models import load_model, registry, user
from boundary_core.models.checkpoints import CheckpointError
from boundary_core.models.user_config import UserModelError, config_path, write_config

MEAN, STD = (0.5, 0.4, 0.3), (0.2, 0.25, 0.3)
CLASSES = ("cat", "dog", "bird")
ROOT = Path(__file__).resolve().parents[1]


class WritesMarker:
    """Unpickling this calls ``open(marker, "w")``: the file appears iff pickle code ran."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """Config and cache in tmp; the registry as it was before the test, afterwards."""
    monkeypatch.setenv("BAE_CONFIG", str(tmp_path / "config"))
    monkeypatch.setenv("BAE_CACHE", str(tmp_path / "cache"))
    registry.list_models()
    saved = dict(registry._REGISTRY)
    yield tmp_path
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)


def reference_net(classes: int = 3) -> torch.nn.Module:
    torch.manual_seed(0)
    return resnet18(weights=None, num_classes=classes).eval()


def write_weights(folder: Path, state: dict, suffix: str = ".pth") -> Path:
    path = folder / f"weights{suffix}"
    if suffix == ".safetensors":
        save_file({key: value.contiguous() for key, value in state.items()}, path)
    else:
        torch.save(state, path)
    return path


def write_classes(folder: Path, text: str = "\n".join(CLASSES) + "\n") -> Path:
    path = folder / "classes.txt"
    path.write_text(text, encoding="utf-8")
    return path


def add_argv(name, weights, classes, **overrides) -> list[str]:
    options = {
        "--arch": ["resnet18"],
        "--weights": [str(weights)],
        "--classes": [str(classes)],
        "--mean": [str(value) for value in MEAN],
        "--std": [",".join(str(value) for value in STD)],  # comma-separated works too
        "--input-size": ["32"],
    } | overrides
    return [
        "models",
        "add",
        name,
        *[item for key, values in options.items() for item in [key, *values]],
    ]


def run_cli(capsys, argv) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def listed(capsys) -> dict:
    code, out, _ = run_cli(capsys, ["models", "--json"])
    assert code == 0
    return {entry["name"]: entry for entry in json.loads(out)}


def expected_logits(net, x):
    mean, std = torch.tensor(MEAN).view(1, 3, 1, 1), torch.tensor(STD).view(1, 3, 1, 1)
    with torch.no_grad():
        return net((x - mean) / std)


def test_add_list_explain_remove(home, capsys):
    net = reference_net()
    weights = write_weights(home, net.state_dict())
    code, out, err = run_cli(capsys, add_argv("my-r18", weights, write_classes(home)))
    assert (code, err) == (0, "") and out.startswith("added my-r18: ")
    entry = listed(capsys)["my-r18"]
    assert entry["available"] and entry["offline"] and entry["source"] is None
    assert entry["training"] == "user-supplied" and entry["class_names"] == list(CLASSES)
    assert (
        entry["input_size"] == [3, 32, 32] and entry["preprocessing"] == "resize 37, centre crop 32"
    )
    # The registered model is the user's net behind the given normaliser (oracle: torchvision).
    x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(load_model("my-r18")(x), expected_logits(net, x))

    from PIL import Image

    Image.fromarray((x[0].permute(1, 2, 0).numpy() * 255).astype("uint8")).save(home / "x.png")
    argv = ["explain", "--model", "my-r18", "--image", str(home / "x.png"), "--json"]
    code, out, err = run_cli(capsys, argv + ["--methods", "sm,ig_black", "--search-steps", "5"])
    summary = json.loads(out)
    assert code == 0 and summary["model"] == "my-r18"
    assert summary["prediction"]["label"] in CLASSES and set(summary["methods"]) == {
        "sm",
        "ig_black",
    }

    copy = user.weights_dir() / "my-r18.safetensors"
    assert copy.is_file()
    code, out, _ = run_cli(capsys, ["models", "remove", "my-r18"])
    assert code == 0 and str(copy) in out and not copy.exists()
    assert "my-r18" not in listed(capsys)
    assert json.loads(config_path().read_text())["models"] == []


def test_a_later_process_sees_the_added_model(home):
    """Registered through the config file: a fresh interpreter lists it, available."""
    weights = write_weights(home, reference_net().state_dict(), ".safetensors")
    user.add_user_model("later", "resnet18", weights, CLASSES, MEAN, STD, 32, dataset="mine")
    environment = os.environ | {"OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "boundary_core", "models", "--json"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    entry = {item["name"]: item for item in json.loads(result.stdout)}["later"]
    assert entry["available"] and entry["dataset"] == "mine"


def malicious_pickle(folder: Path) -> Path:
    path = folder / "evil.pt"
    torch.save({"conv1.weight": torch.zeros(1), "args": WritesMarker(folder / "MARKER")}, path)
    return path


def renamed_key(state: dict) -> dict:
    state = dict(state)
    state["head.bias"] = state.pop("fc.bias")
    return state


BAD_ADDS = {  # case: (argv overrides, weights transform, classes text, expected message part)
    "unknown arch": ({"--arch": ["vgg16"]}, None, None, "unsupported arch 'vgg16'; supported: "),
    "wrong keys": ({}, renamed_key, None, "missing key 'fc.bias' (1 missing, 1 unexpected)"),
    "wrong shape": (
        {},
        None,
        "a\nb\nc\nd\ne\n",
        "'fc.weight' has shape (3, 512), expected (5, 512): the classes file gives 5 classes",
    ),
    "malicious pickle": ({}, "evil", None, "refused evil.pt: loading it would run pickled code"),
    "mean NaN": ({"--mean": ["nan", "0.5", "0.5"]}, None, None, "mean must be three finite"),
    "mean 2 values": ({"--mean": ["0.5", "0.5"]}, None, None, "mean must be three finite"),
    "std 0": ({"--std": ["0", "0.2", "0.2"]}, None, None, "std values must be in (0, 1]"),
    "mean 0-255": ({"--mean": ["124", "116", "104"]}, None, None, "divide 0-255 values by 255"),
    "empty classes": ({}, None, "", "the classes file is empty"),
    "blank class line": ({}, None, "cat\n\ndog\n", "class name on line 2 is empty"),
    "input size": ({"--input-size": ["8"]}, None, None, "input size must be an integer side in"),
    "input size text": ({"--input-size": ["big"]}, None, None, "--input-size must be an integer"),
    "pickle suffix": ({}, "pkl", None, "weights must be one of .safetensors, .pt, .pth, .ckpt"),
    "garbage safetensors": ({}, "garbage", None, "is not a readable safetensors file"),
}


@pytest.mark.parametrize("case", list(BAD_ADDS))
def test_bad_inputs_are_one_line_and_nothing_is_kept(home, capsys, case):
    overrides, transform, classes_text, message = BAD_ADDS[case]
    state = reference_net().state_dict()
    if transform == "evil":
        weights = malicious_pickle(home)
    elif transform == "garbage":
        weights = home / "weights.safetensors"
        weights.write_bytes(b"not a safetensors file")
    elif transform == "pkl":
        weights = write_weights(home, state, ".pkl")
    else:
        weights = write_weights(home, transform(state) if transform else state)
    classes = write_classes(home, *(() if classes_text is None else (classes_text,)))
    code, out, err = run_cli(capsys, add_argv("bad", weights, classes, **overrides))
    assert (code, out) == (2, "") and err.count("\n") == 1 and message in err, err
    assert not (home / "MARKER").exists()  # the payload never ran
    assert "bad" not in listed(capsys)
    assert not config_path().exists() and not list(user.weights_dir().glob("*"))


@pytest.mark.parametrize("clash", ["first", "cifar10-resnet18", "../evil"])
def test_names_are_slugs_and_unique(home, capsys, clash):
    weights, classes = write_weights(home, reference_net().state_dict()), write_classes(home)
    assert run_cli(capsys, add_argv("first", weights, classes))[0] == 0
    config = config_path().read_text()
    code, _, err = run_cli(capsys, add_argv(clash, weights, classes))
    assert code == 2 and err.count("\n") == 1
    assert (repr(clash) in err) and ("already" in err or "letters, digits" in err)
    assert config_path().read_text() == config
    assert [path.name for path in user.weights_dir().iterdir()] == ["first.safetensors"]


def test_upload_bytes_safetensors_only_and_capped(home, monkeypatch):
    net = reference_net()
    data = save({key: value.contiguous() for key, value in net.state_dict().items()})
    spec = user.add_user_model_from_bytes("uploaded", "resnet18", data, CLASSES, MEAN, STD, 32)
    assert spec.available and "uploaded" in {model.name for model in registry.list_models()}
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(load_model("uploaded")(x), expected_logits(net, x))
    marker = malicious_pickle(home).read_bytes()  # a pickle is not safetensors: refused, not run
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        user.add_user_model_from_bytes("evil", "resnet18", marker, CLASSES, MEAN, STD, 32)
    assert not (home / "MARKER").exists()
    monkeypatch.setattr(user, "MAX_UPLOAD_BYTES", len(data) - 1)
    with pytest.raises(UserModelError, match="uploads are limited to"):
        user.add_user_model_from_bytes("big", "resnet18", data, CLASSES, MEAN, STD, 32)


@pytest.mark.parametrize("agrees", [True, False])
def test_a_carried_normaliser_must_agree(home, agrees):
    """MadryLab's layout carries its own mean/std: a different one given by the user is refused."""
    carried = MEAN if agrees else (0.485, 0.456, 0.406)
    checkpoint = {"module.normalizer.new_mean": torch.tensor(carried).view(3, 1, 1)}
    checkpoint["module.normalizer.new_std"] = torch.tensor(STD).view(3, 1, 1)
    for key, value in reference_net().state_dict().items():
        checkpoint[f"module.model.{key}"] = value
    weights = home / "madry.ckpt"
    torch.save({"model": checkpoint, "epoch": 3}, weights)
    if agrees:
        assert user.add_user_model("madry", "resnet18", weights, CLASSES, MEAN, STD, 32).available
    else:
        with pytest.raises(CheckpointError, match="carries its own normaliser mean"):
            user.add_user_model("madry", "resnet18", weights, CLASSES, MEAN, STD, 32)


def test_a_changed_or_missing_copy_is_refused_at_load(home):
    weights = write_weights(home, reference_net().state_dict())
    user.add_user_model("fragile", "resnet18", weights, CLASSES, MEAN, STD, 32)
    copy = user.weights_dir() / "fragile.safetensors"
    altered = bytearray(copy.read_bytes())
    altered[-1] ^= 1  # one bit of one weight
    copy.write_bytes(bytes(altered))
    with pytest.raises(UserModelError, match="changed since it was added"):
        load_model("fragile")
    copy.unlink()
    with pytest.raises(UserModelError, match="weights copy .* is missing"):
        load_model("fragile")
    (entry,), problems = user.read_config()
    assert problems == []
    assert not user.spec_of(entry).available  # what a later process lists


def good_entry(home) -> dict:
    weights = write_weights(home, reference_net().state_dict())
    user.add_user_model("kept", "resnet18", weights, CLASSES, MEAN, STD, 32)
    return json.loads(config_path().read_text())["models"][0]


def config_text(*entries) -> str:
    return json.dumps({"version": 1, "models": list(entries)})


BROKEN_CONFIGS = {  # case: (config text from a good entry, message, name to remove, still kept)
    "not json": (lambda good: "{", "is not valid JSON", None, ()),
    "version": (lambda good: '{"version": 9, "models": []}', "version 9, expected 1", None, ()),
    "std 0": (
        lambda good: config_text(good | {"std": [0, 0.2, 0.2]}),
        "entry 0 ('kept') is left out: std values must be in (0, 1]",
        "kept",
        (),
    ),
    "missing key": (
        lambda good: config_text({"name": "kept"}),
        "entry 0 ('kept') is left out: expected the keys",
        "kept",
        (),
    ),
    "one bad of two": (
        lambda good: config_text(good, good | {"name": "other", "arch": "vgg16"}),
        "entry 1 ('other') is left out: unsupported arch 'vgg16'",
        "other",
        ("kept",),
    ),
    "twice": (
        lambda good: config_text(good, good),
        "entry 1 ('kept') is left out: the name appears twice in the file",
        None,
        ("kept",),
    ),
    "built-in name": (
        lambda good: config_text(good | {"name": "cifar10-resnet18"}),
        "entry 0 ('cifar10-resnet18') is left out: a built-in model has the same name",
        "cifar10-resnet18",
        (),
    ),
}


def fresh_registry(monkeypatch):
    """What a new process does: the catalogue's user entries are read again from the config."""
    import boundary_core.models as package

    for module in ("catalog", "user_entries"):
        monkeypatch.delitem(sys.modules, f"boundary_core.models.{module}")
        monkeypatch.delattr(package, module)
    for name, spec in list(registry._REGISTRY.items()):
        if user.is_user_model(spec):
            del registry._REGISTRY[name]


@pytest.mark.parametrize("case", list(BROKEN_CONFIGS))
def test_a_broken_config_is_left_out_reported_and_repairable(
    home, capsys, caplog, monkeypatch, case
):
    """The registry still loads (built-ins, valid entries); the bad part is logged at load in one
    line, ``models`` refuses in one line naming file and entry, ``models remove`` repairs it."""
    make, message, repair, kept = BROKEN_CONFIGS[case]
    config_path().write_text(make(good_entry(home)))
    fresh_registry(monkeypatch)
    with caplog.at_level("WARNING", logger="boundary_core.models.user"):
        names = {spec.name: spec for spec in registry.list_models()}
    assert [record.getMessage() for record in caplog.records if message in record.getMessage()]
    assert "cifar10-resnet18" in names and not user.is_user_model(names["cifar10-resnet18"])
    assert {name for name, spec in names.items() if user.is_user_model(spec)} == set(kept)
    code, out, err = run_cli(capsys, ["models", "--json"])
    assert (code, out) == (2, "") and err.count("\n") == 1, err
    assert err.startswith(f"error: user model config {config_path()}") and message in err
    if "kept" not in kept:
        argv = ["explain", "--model", "kept", "--image", str(home / "absent.png")]
        code, _, err = run_cli(capsys, argv)
        assert code == 2 and err.startswith("error: unknown model 'kept'")
    if repair is None:
        return
    assert run_cli(capsys, ["models", "remove", repair])[0] == 0
    assert user.config_problems() == []
    assert set(listed(capsys)) >= {"cifar10-resnet18", *kept}


def test_config_is_replaced_atomically(home, monkeypatch):
    path = config_path()
    write_config(path, [{"name": "old"}])
    before = path.read_text()

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_config(path, [{"name": "new"}])
    assert path.read_text() == before and sorted(p.name for p in path.parent.iterdir()) == [
        "models.json"
    ]
