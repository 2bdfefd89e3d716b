"""Weights-only loading: pickle payloads refused (never run), MadryLab and torchvision layouts
loaded strictly with equal outputs, mismatches named, rebuilt ResNets equal to torchvision's."""

import pickle
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file
from torchvision.models import resnet18, resnet50

from boundary_core.models import checkpoints, download
from boundary_core.models.checkpoints import CheckpointError
from boundary_core.models.registry import Source
from boundary_core.models.resnets import build, torchvision_resnet
from boundary_core.models.zoo import make_loader


class WritesMarker:
    """Unpickling this calls ``open(marker, "w")``: the file appears iff pickle code ran."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def save_malicious(path: Path, marker: Path, how: str) -> None:
    payload = {"model": {"conv1.weight": torch.zeros(1)}, "args": WritesMarker(marker)}
    if how == "zip":
        torch.save(payload, path)
    elif how == "legacy":
        torch.save(payload, path, _use_new_zipfile_serialization=False)
    else:  # a bare pickle, protocol 2 (what torch.load's legacy reader parses) or 4
        path.write_bytes(pickle.dumps(payload, protocol=int(how[-1])))


@pytest.mark.parametrize(
    "suffix,how",
    [
        (".pt", "zip"),
        (".pth", "zip"),
        (".ckpt", "zip"),
        (".pt", "legacy"),
        (".ckpt", "legacy"),
        (".pth", "pickle2"),
        (".pkl", "pickle4"),
    ],
)
@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_malicious_pickle_is_refused_and_never_runs(tmp_path, suffix, how):
    marker = tmp_path / "MARKER"
    path = tmp_path / f"evil{suffix}"
    save_malicious(path, marker, how)
    with pytest.raises(CheckpointError, match="refused evil") as error:
        checkpoints.read_tensors(path)
    assert not marker.exists()
    if how in ("zip", "legacy"):
        assert "the global io.open" in str(error.value)  # the global torch stopped at, named
    assert "\n" not in str(error.value)


def test_marker_payload_really_runs_when_unpickled(tmp_path):
    """The oracle for the test above: the same payload does write the marker under plain pickle."""
    marker = tmp_path / "MARKER"
    pickle.loads(pickle.dumps(WritesMarker(marker)))
    assert marker.exists()


@pytest.mark.parametrize("arch,factory", [("resnet18", resnet18), ("resnet50", resnet50)])
def test_rebuilt_resnet_equals_torchvision(arch, factory):
    torch.manual_seed(0)
    reference = factory(weights=None).eval()
    rebuilt = torchvision_resnet(arch).eval()
    checkpoints.load_strict(rebuilt, reference.state_dict())
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(rebuilt(x), reference(x), rtol=0, atol=0)
    relus = [m for m in rebuilt.modules() if isinstance(m, torch.nn.ReLU)]
    assert relus and not any(m.inplace for m in relus)
    calls = {id(m): 0 for m in relus}
    for module in relus:
        module.register_forward_hook(lambda m, i, o: calls.__setitem__(id(m), calls[id(m)] + 1))
    with torch.no_grad():
        rebuilt(x[:1])
    assert set(calls.values()) == {1}  # every ReLU module is one call site


def madrylab_checkpoint(net: torch.nn.Module, mean, std) -> dict:
    """``net`` saved as MadryLab ``robustness`` saves it: DataParallel(AttackerModel) keys."""
    model = {"module.normalizer.new_mean": torch.tensor(mean).view(3, 1, 1)}
    model["module.normalizer.new_std"] = torch.tensor(std).view(3, 1, 1)
    model["module.attacker.normalize.new_mean"] = torch.tensor(mean).view(3, 1, 1)
    model["module.attacker.normalize.new_std"] = torch.tensor(std).view(3, 1, 1)
    for key, value in net.state_dict().items():
        model[f"module.model.{key}"] = value
        model[f"module.attacker.model.{key}"] = value
    optimizer = {"state": {}, "param_groups": [{"lr": 0.1, "momentum": 0.9, "params": [0, 1]}]}
    return {"model": model, "optimizer": optimizer, "schedule": None, "epoch": 90}


def test_madrylab_layout_loads_strictly_with_its_normaliser(tmp_path):
    torch.manual_seed(1)
    reference = resnet18(weights=None).eval()
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.3)
    path = tmp_path / "resnet18_l2_eps3.ckpt"
    torch.save(madrylab_checkpoint(reference, mean, std), path)
    state, normalizer = checkpoints.state_dict_of(checkpoints.read_tensors(path))
    assert not any(key.startswith(("module.", "attacker", "normalizer")) for key in state)
    torch.testing.assert_close(normalizer[0], torch.tensor(mean))
    torch.testing.assert_close(normalizer[1], torch.tensor(std))
    rebuilt = build("resnet18", 1000).eval()
    checkpoints.load_strict(rebuilt, state)
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(rebuilt(x), reference(x), rtol=0, atol=0)


def test_zoo_loader_reads_madrylab_file_then_its_safetensors_copy(tmp_path, monkeypatch):
    """The registry's loader: a checked file → strict load with the checkpoint's normaliser →
    a tensors-only copy; with the original gone, the copy alone loads the same model."""
    monkeypatch.setenv("BAE_CACHE", str(tmp_path / "cache"))
    torch.manual_seed(2)
    reference = resnet18(weights=None).eval()
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    source = Source(filename="resnet18_l2_eps3.ckpt", url="http://127.0.0.1:9/none")
    path = download.file_path(source)
    path.parent.mkdir(parents=True)
    torch.save(madrylab_checkpoint(reference, mean, std), path)
    load = make_loader("test-resnet18", source, "resnet18", 1000, (0.0,) * 3, (1.0,) * 3)
    with pytest.raises(download.DownloadError, match="not downloaded"):
        load()  # a file nobody checked is never loaded
    download.fetch(source)  # the placed file is checked and recorded, no network
    x = torch.rand(2, 3, 64, 64)
    expected = reference(
        (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
    )
    with torch.no_grad():
        torch.testing.assert_close(load().eval()(x), expected.detach(), rtol=1e-5, atol=1e-5)
    assert download.tensors_path("test-resnet18").exists()
    path.unlink()
    with torch.no_grad():
        torch.testing.assert_close(load().eval()(x), expected.detach(), rtol=1e-5, atol=1e-5)


def test_torchvision_state_dict_and_safetensors_load(tmp_path):
    torch.manual_seed(3)
    reference = resnet18(weights=None).eval()
    pth, st = tmp_path / "resnet18-12345678.pth", tmp_path / "resnet18.safetensors"
    torch.save(reference.state_dict(), pth)
    save_file({k: v.contiguous() for k, v in reference.state_dict().items()}, st)
    x = torch.rand(1, 3, 64, 64)
    for path in (pth, st):
        state, normalizer = checkpoints.state_dict_of(checkpoints.read_tensors(path))
        assert normalizer is None
        rebuilt = build("resnet18", 1000).eval()
        checkpoints.load_strict(rebuilt, state)
        with torch.no_grad():
            torch.testing.assert_close(rebuilt(x), reference(x), rtol=0, atol=0)


def test_mismatches_name_the_first_key():
    net = build("resnet18", 1000)
    state = dict(resnet18(weights=None).state_dict())
    missing = dict(state)
    del missing["fc.bias"]
    with pytest.raises(CheckpointError, match="missing key 'fc.bias'"):
        checkpoints.load_strict(net, missing)
    extra = state | {"head.weight": torch.zeros(1)}
    with pytest.raises(CheckpointError, match="unexpected key 'head.weight'"):
        checkpoints.load_strict(net, extra)
    wrong = state | {"fc.weight": torch.zeros(10, 512)}
    with pytest.raises(CheckpointError, match=r"'fc.weight' has shape \(10, 512\), expected"):
        checkpoints.load_strict(net, wrong)


def test_not_a_weights_file_is_a_clear_error(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_text("hello")
    with pytest.raises(CheckpointError, match="notes.pt is not a readable weights file"):
        checkpoints.read_tensors(path)


def test_a_garbled_safetensors_file_is_a_checkpoint_error(tmp_path):
    from boundary_core.models.checkpoints import CheckpointError, read_tensors

    path = tmp_path / "garbled.safetensors"
    path.write_bytes((10**9).to_bytes(8, "little") + b"{}")  # a header length that lies
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        read_tensors(path)
