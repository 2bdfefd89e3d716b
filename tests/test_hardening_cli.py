"""Numbers that are not numbers: every numeric CLI input is checked at the entry point (finite, in
range, an integer where it must be) and refused with one line; JSON output stays JSON."""

import json

import pytest

from boundary_core.cli import COMMANDS, build_parser, joined_negative_values, main
from boundary_core.toy import load_toy_model


def refuse(capsys, *args) -> str:
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.err.count("\n") == 1 and captured.err.startswith("error: "), captured.err
    assert captured.out == ""
    return captured.err


def strict_json(text: str):
    def refuse_constant(name):
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse_constant)


def test_a_negative_first_coordinate_is_a_query(capsys):
    assert main(["toy", "--query", "-0.5,0.3", "--baseline", "-1,-1", "--json"]) == 0
    result = strict_json(capsys.readouterr().out)
    assert result["query"] == [-0.5, 0.3] and result["baseline"] == [-1.0, -1.0]


def test_negative_lists_join_their_option_and_nothing_else():
    argv = ["toy", "--query", "-0.5,0.3", "--baseline", "-.5,1e-3", "--seed", "-1", "-h"]
    assert joined_negative_values(argv) == [
        "toy",
        "--query=-0.5,0.3",
        "--baseline=-.5,1e-3",
        "--seed",
        "-1",  # a single number: argparse's own business
        "-h",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--eps", "nan"], "--eps must be finite"),
        (["--eps", "inf"], "--eps must be finite"),
        (["--eps", "-1"], "--eps must be > 0"),
        (["--hidden", "100000,100000"], "--hidden must be 1 to 6 integers in [1, 256]"),
        (["--hidden", "16,nan"], "--hidden must be some finite numbers"),
        (["--hidden", "16.5"], "--hidden must be"),
        (["--query", "nan,0"], "--query must be 2 finite numbers"),
        (["--seed", str(2**70)], "--seed must be in [0,"),
        (["--seed", "-3"], "--seed must be in [0,"),
    ],
)
def test_toy_numbers_are_refused_in_one_line(capsys, args, message):
    assert message in refuse(capsys, "toy", *args)


def test_toy_save_model_refuses_a_directory_and_writes_a_file(tmp_path, capsys):
    assert "takes a file path" in refuse(capsys, "toy", "--save-model", str(tmp_path))
    path = tmp_path / "new" / "folder" / "toy.safetensors"
    assert main(["toy", "--save-model", str(path), "--json"]) == 0
    result = strict_json(capsys.readouterr().out)
    model = load_toy_model(path)
    assert model.widths == (2, *result["hidden"], len(result["logits"]))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", str(2**70)], "--seed must be in [0, "),
        (["--search-steps", "1000000000"], "--search-steps must be in [1, 10000]"),
        (["--search-steps", "-5"], "--search-steps must be in [1, 10000]"),
        (["--search-steps", "0"], "--search-steps must be in [1, 10000]"),
        (["--methods", ""], "unknown method(s) (none given)"),
    ],
)
def test_evaluate_numbers_are_refused_before_any_work(tmp_path, capsys, args, message):
    base = ["evaluate", "--model", "shapes-standard", "--n", "2", "--json", str(tmp_path / "o")]
    assert message in refuse(capsys, *base, *args)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lr", "nan"], "--lr must be finite"),
        (["--lr", "0"], "--lr must be > 0"),
        (["--eps", "inf"], "--eps must be finite"),
        (["--eps-warmup", "2"], "--eps-warmup must be in [0, 1]"),
        (["--epochs", "0"], "--epochs must be >= 1"),
        (["--seed", "-1"], "--seed must be in [0, "),
        (["--widths", "100000"], "each width must be in [1, 1024]"),
        (["--widths", "8", "8", "8", "8", "8", "8", "8"], "widths must be 1 to 6 integers"),
        (["--max-batches", "0"], "--max-batches must be >= 1"),
        (["--pgd-steps", "0"], "--pgd-steps must be >= 1"),
    ],
)
def test_train_numbers_are_refused_before_any_work(tmp_path, capsys, args, message):
    out = tmp_path / "m.safetensors"
    assert message in refuse(capsys, "train", "--model", "shapes-robust", "--out", str(out), *args)
    assert not out.exists()


def test_every_command_is_listed_with_its_own_help():
    """The help ``--help`` shows without importing a command is the one its parser uses."""
    full = build_parser()
    choices = next(a for a in full._actions if a.dest == "command")
    helps = {action.dest: action.help for action in choices._choices_actions}
    assert helps == {name: help_text for name, (_, help_text) in COMMANDS.items()}


def test_a_huge_classes_file_is_refused_before_it_is_read(tmp_path, capsys, monkeypatch):
    from pathlib import Path

    from boundary_core.limits import USER_MAX_CLASSES_BYTES

    classes = tmp_path / "classes.txt"
    with open(classes, "wb") as handle:
        handle.truncate(USER_MAX_CLASSES_BYTES + 1)  # sparse: nothing is written

    def no_reading(self):
        raise AssertionError(f"{self} was read before its size was checked")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(b"")
    args = ["models", "add", "mine", "--arch", "resnet18", "--weights", str(weights)]
    args += ["--classes", str(classes), "--mean", "0.5", "0.5", "0.5", "--std", "0.2", "0.2", "0.2"]
    message = refuse(capsys, *args, "--input-size", "32")
    assert "classes file" in message and "MiB" in message


def test_bench_threads_must_be_positive(capsys):
    assert "--threads must be >= 1, got 0" in refuse(capsys, "bench", "toy", "--threads", "0")
