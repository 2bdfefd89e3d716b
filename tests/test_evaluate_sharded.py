"""``evaluate`` under torchrun: flags that pass through torchrun's parser, shards merged into the
one-process JSON, a killed run resumed to the same JSON."""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from torch.distributed.run import get_args_parser

from boundary_core.cli import evaluate_cmd
from boundary_core.evaluation.shards import batch_path, load_batch, shard_directory
from boundary_core.models.shapes import weights_path

ONE_PROCESS_ONLY = {"--n"}  # documented: an ambiguous prefix for torchrun; --num-images passes


def evaluate_flags() -> set[str]:
    subparsers = argparse.ArgumentParser().add_subparsers()
    evaluate_cmd.register(subparsers)
    parser = subparsers.choices["evaluate"]
    return {flag for action in parser._actions for flag in action.option_strings} - {"-h", "--help"}


def torchrun_flags() -> set[str]:
    parser = get_args_parser()
    return {flag for action in parser._actions for flag in action.option_strings}


def clashes(ours: str, theirs: set[str]) -> set[str]:
    """torchrun flags that ``ours`` is a prefix of, or that are a prefix of ``ours``; argparse
    prefix-matches every argument, so such a flag is read (or refused) by torchrun itself."""
    return {flag for flag in theirs if flag.startswith(ours) or ours.startswith(flag)}


def test_no_evaluate_flag_is_a_prefix_of_a_torchrun_flag_or_the_reverse():
    theirs = torchrun_flags()
    found = {ours: clashes(ours, theirs) for ours in sorted(evaluate_flags())}
    assert {ours for ours, flags in found.items() if flags} == ONE_PROCESS_ONLY, found
    assert "--num-images" in found and not found["--num-images"]


@pytest.mark.parametrize("flag", sorted(evaluate_flags() - ONE_PROCESS_ONLY))
def test_every_evaluate_flag_reaches_the_program_through_torchrun(flag):
    head = ["--standalone", "--nproc_per_node=2", "-m", "boundary_core", "evaluate"]
    parsed = get_args_parser().parse_args([*head, flag, "1"])
    assert parsed.training_script_args == ["evaluate", flag, "1"]


def test_n_is_refused_by_torchrun_and_num_images_means_the_same(capsys):
    with pytest.raises(SystemExit):
        get_args_parser().parse_args(
            ["--standalone", "-m", "boundary_core", "evaluate", "--n", "8"]
        )
    assert "ambiguous option: --n" in capsys.readouterr().err
    subparsers = argparse.ArgumentParser().add_subparsers()
    evaluate_cmd.register(subparsers)
    parser = subparsers.choices["evaluate"]
    common = ["--model", "shapes-standard", "--json", "x.json"]
    assert parser.parse_args([*common, "--n", "8"]).n == 8
    assert parser.parse_args([*common, "--num-images", "8"]).n == 8


# --- torchrun with 2 CPU processes (gloo) against one process -------------------------------------

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
N_IMAGES, BATCH = 8, 2  # 4 batches: ranks 0 and 1 take two each
EVALUATE = [
    "-m",
    "boundary_core",
    "evaluate",
    "--model",
    "shapes-standard",
    "--num-images",
    str(N_IMAGES),
    "--batch-size",
    str(BATCH),
    "--methods",
    "sm,ig_black,bsm,big",
    "--search-steps",
    "5",
    "--threads",
    "1",
]
TORCHRUN = [str(BIN / "torchrun"), "--standalone", "--nproc_per_node=2"]  # the README's command
needs_weights = pytest.mark.skipif(
    not weights_path("shapes-standard").exists(), reason="no shipped weights"
)


def command(launcher: list[str], out: Path) -> list[str]:
    return [*launcher, *EVALUATE, "--json", str(out)]


def environment() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    return env | {"OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}


def run(args: list[str]) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=ROOT, env=environment(), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def comparable(path: Path) -> dict:
    """The JSON less what differs between any two runs (timings, machine, where shards are)."""
    document = json.loads(path.read_text())
    return {k: v for k, v in document.items() if k not in ("seconds", "machine", "shards")}


def per_image(path: Path) -> dict[str, np.ndarray]:
    directory = shard_directory(path)
    parts = [load_batch(batch_path(directory, b))[0] for b in range(N_IMAGES // BATCH)]
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


@pytest.fixture(scope="module")
def one_process(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("one") / "eval.json"
    run(command([sys.executable], out))
    return out


@needs_weights
def test_torchrun_two_processes_merge_into_the_one_process_json(one_process, tmp_path):
    out = tmp_path / "eval.json"
    run(command(TORCHRUN, out))
    assert comparable(out) == comparable(one_process)  # equal means, curves, counts, everything
    assert json.loads(out.read_text())["machine"]["processes"] == 2
    ours, theirs = per_image(out), per_image(one_process)
    assert set(ours) == set(theirs) and sorted(ours["index"]) == list(range(N_IMAGES))
    for name, values in theirs.items():  # bit for bit: each rank scores the one-process batches
        np.testing.assert_array_equal(ours[name], values, err_msg=name)


def worker_pids(parent: int) -> list[int]:
    """Processes whose parent is ``parent`` (torchrun's workers), read from /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent:
            pids.append(int(stat.parent.name))
    return pids


@needs_weights
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find workers")
def test_killed_torchrun_run_resumes_to_the_same_json(one_process, tmp_path):
    out = tmp_path / "eval.json"
    directory = shard_directory(out)
    launcher = subprocess.Popen(
        command(TORCHRUN, out), cwd=ROOT, env=environment(), stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    while not list(directory.glob("batch-*.npz")) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in worker_pids(launcher.pid):  # both ranks die mid-run, no clean-up
        os.kill(pid, signal.SIGKILL)
    assert launcher.wait(timeout=120) != 0
    written = {p.name: p.stat().st_mtime_ns for p in directory.glob("batch-*.npz")}
    assert 1 <= len(written) < N_IMAGES // BATCH and not out.exists()

    refused = subprocess.run(
        [*command([sys.executable], out), "--seed", "1"],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2 and "holds shards of a different evaluate run" in refused.stderr
    assert "seed" in refused.stderr

    run(command(TORCHRUN, out))
    kept = {name: (directory / name).stat().st_mtime_ns for name in written}
    assert kept == written  # shards already written were skipped, not recomputed
    assert comparable(out) == comparable(one_process)
    for name, values in per_image(one_process).items():
        np.testing.assert_array_equal(per_image(out)[name], values, err_msg=name)


def test_a_finished_one_process_run_is_replaced_by_a_different_one(tmp_path, capsys):
    from boundary_core.cli import main

    out = tmp_path / "eval.json"
    common = ["evaluate", "--model", "shapes-standard", "--methods", "sm", "--search-steps", "3"]
    assert main([*common, "--n", "2", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["n_images"] == 2
    assert main([*common, "--n", "3", "--json", str(out)]) == 0  # no longer refused
    assert json.loads(out.read_text())["n_images"] == 3
    (shard_directory(out) / "finished").unlink()  # as if the second run had been killed
    assert main([*common, "--n", "4", "--json", str(out)]) == 2
    assert "holds shards of a different evaluate run" in capsys.readouterr().err
