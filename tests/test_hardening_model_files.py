"""Model files are data from strangers: every bad ShapesNet safetensors file is refused with one
line, from its header and metadata, before any module is built (``boundary_core.limits``)."""

import json
import struct

import pytest
import torch
from safetensors.torch import save_file

from boundary_core.cli import main
from boundary_core.models.shapes_net import ShapesNet, load_shapes_net, save_shapes_net

SMALL = {"num_classes": 10, "widths": [4, 4, 4], "blocks": 1}


TENSOR_PROBLEMS = {"missing tensor", "extra tensor", "wrong shape", "other architecture"}


def small_state() -> dict:
    model = ShapesNet(**SMALL)
    return {key: value.contiguous() for key, value in model.state_dict().items()}


def with_architecture(**changes) -> tuple[dict, dict]:
    architecture = ShapesNet(**SMALL).architecture | changes
    return small_state(), {"architecture": json.dumps(architecture)}


def good_bytes(tmp_path) -> bytes:
    path = tmp_path / "good.safetensors"
    save_shapes_net(ShapesNet(**SMALL), path)
    return path.read_bytes()


def bad_files(tmp_path) -> dict[str, bytes | tuple[dict, dict]]:
    """name: raw bytes, or (tensors, metadata) to write with safetensors."""
    good = good_bytes(tmp_path)
    (header_length,) = struct.unpack("<Q", good[:8])
    state = small_state()
    first = next(iter(state))
    return {
        "not safetensors": b"PK\x03\x04 a zip, not weights",
        "empty": b"",
        "truncated header": good[: 8 + header_length // 2],
        "truncated data": good[: len(good) - 100],
        "huge header length": struct.pack("<Q", 2**60) + good[8:],
        "header not json": struct.pack("<Q", 12) + b"{not json!!}" + good[8 + header_length :],
        "metadata not json": (state, {"architecture": "{widths: [4"}),
        "metadata a list": (state, {"architecture": "[4, 4, 4]"}),
        "blocks 100000": with_architecture(blocks=100_000),
        "blocks a string": with_architecture(blocks="1"),
        "blocks true": with_architecture(blocks=True),
        "width a million": with_architecture(widths=[1_000_000]),
        "widths empty": with_architecture(widths=[]),
        "widths a string": with_architecture(widths="4,4,4"),
        "width a float": with_architecture(widths=[4.5, 4, 4]),
        "too many parameters": with_architecture(widths=[1024] * 6, blocks=8),
        "num_classes 1e9": with_architecture(num_classes=10**9),
        "num_classes 1": with_architecture(num_classes=1),
        "std zero": with_architecture(std=[0.0, 0.3, 0.3]),
        "mean nan": (state, {"architecture": json.dumps(SMALL | {"mean": [float("nan")] * 3})}),
        "mean two values": with_architecture(mean=[0.5, 0.5]),
        "unknown key": with_architecture(dropout=0.5),
        "missing tensor": ({k: v for k, v in state.items() if k != first}, with_architecture()[1]),
        "extra tensor": (state | {"extra": torch.zeros(2)}, with_architecture()[1]),
        "wrong shape": (
            state | {"linear.weight": torch.zeros(10, 5)},
            with_architecture()[1],
        ),
        "other architecture": with_architecture(widths=[8, 8, 8]),
    }


def write(path, content) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        tensors, metadata = content
        save_file(tensors, str(path), metadata=metadata)


def test_a_good_small_file_loads(tmp_path):
    path = tmp_path / "good.safetensors"
    path.write_bytes(good_bytes(tmp_path))
    assert load_shapes_net(path).architecture["widths"] == [4, 4, 4]


def test_every_bad_file_is_one_value_error_before_building(tmp_path, monkeypatch):
    built = []
    original = ShapesNet.__init__

    def counting_init(self, *args, **kwargs):
        built.append(kwargs)
        original(self, *args, **kwargs)

    monkeypatch.setattr(ShapesNet, "__init__", counting_init)
    for name, content in bad_files(tmp_path).items():
        path = tmp_path / f"{name.replace(' ', '_')}.safetensors"
        write(path, content)
        built.clear()
        with pytest.raises(ValueError) as caught:
            load_shapes_net(path)
        message = str(caught.value)
        assert "\n" not in message and path.name in message, (name, message)
        if name not in TENSOR_PROBLEMS:  # header or metadata: refused before building
            assert not built, f"{name}: a ShapesNet was built before the refusal"


@pytest.mark.parametrize("command", ["card-only", "init"])
def test_train_refuses_each_bad_file_in_one_line(tmp_path, capsys, command):
    for name, content in bad_files(tmp_path).items():
        path = tmp_path / f"{name.replace(' ', '_')}.safetensors"
        write(path, content)
        if command == "card-only":
            args = ["train", "--model", "shapes-standard", "--card-only", "--out", str(path)]
        else:
            out = tmp_path / "out.safetensors"
            args = ["train", "--model", "shapes-standard", "--init", str(path), "--out", str(out)]
            args += ["--epochs", "1", "--max-batches", "1", "--no-prefetch"]
        code = main(args)
        error = capsys.readouterr().err
        assert code == 2, (name, error)
        assert error.count("\n") == 1 and error.startswith("error: "), (name, error)


def test_a_card_that_is_not_an_object_is_one_line(tmp_path, capsys):
    path = tmp_path / "m.safetensors"
    path.write_bytes(good_bytes(tmp_path))
    (tmp_path / "m.card.json").write_text("[1, 2]")
    code = main(["train", "--model", "shapes-standard", "--card-only", "--out", str(path)])
    assert code == 2 and "must hold a JSON object" in capsys.readouterr().err
