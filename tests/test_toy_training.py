"""The playground's Step/Play training: a run continued in chunks is the one-go training."""

import pytest
import torch

from boundary_core.toy import ToyTrainConfig, make_data, train_mlp
from boundary_core.toy.train import start_training, train_epochs


@pytest.mark.parametrize("mode", ["standard", "adversarial"])
def test_chunks_of_epochs_add_up_to_the_full_training(mode):
    data = make_data("moons")
    config = ToyTrainConfig(mode=mode, epochs=40)
    run = start_training(data, (8, 8), config=config, seed=3)
    assert run.epoch == 0 and not run.done
    for chunk in (7, 13, 50):  # the last chunk stops at config.epochs
        train_epochs(run, chunk)
    assert run.epoch == 40 and run.done and len(run.losses) == 40
    whole = train_mlp(data, (8, 8), config=config, seed=3)
    for chunked, once in zip(run.model.parameters(), whole.parameters(), strict=True):
        assert torch.equal(chunked, once)
    assert train_epochs(run, 5).epoch == 40  # a finished run stays finished


def test_losses_are_the_cross_entropy_of_each_epoch_and_fall():
    data = make_data("moons")
    run = start_training(data, (8, 8), config=ToyTrainConfig(epochs=120))
    first = torch.nn.functional.cross_entropy(run.model(data.x), data.y).item()
    train_epochs(run, 120)
    assert run.losses[0] == pytest.approx(first)  # recorded before the first step
    assert run.losses[-1] < 0.5 * run.losses[0]
    assert not run.model.training


def test_start_training_rejects_unknown_modes():
    with pytest.raises(ValueError, match="unknown training"):
        start_training(make_data("moons"), (8,), config=ToyTrainConfig(mode="fancy"))
