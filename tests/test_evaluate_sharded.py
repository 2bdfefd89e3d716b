"""``evaluate`` under torchrun: flags that pass through torchrun's parser, shards merged into the
one-process JSON, a killed run resumed to the same JSON."""

import argparse

import pytest
from torch.distributed.run import get_args_parser

from boundary_core.cli import evaluate_cmd

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
