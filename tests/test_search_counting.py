"""Evidence that is counted: a search reports the passes the model really ran (issue 16)."""

import pytest
from test_search import SMALL_BUDGET, Recorder

from boundary_core.search import PaperBudget, find_boundary


@pytest.mark.parametrize("preset", ["fast", "paper"])
def test_counts_equal_what_the_model_records(tiny_cnn, images, preset):
    recorder = Recorder(tiny_cnn)
    result = find_boundary(recorder, images, preset=preset, budget=SMALL_BUDGET, steps=None)
    assert result.found.any()
    assert int(result.gradient_evals.sum()) == recorder.backward_rows > 0
    assert int(result.forward_evals.sum()) == recorder.forward_rows > recorder.backward_rows


def test_cw_is_charged_the_steps_it_ran_not_its_budget(tiny_cnn, images):
    """foolbox's CW stops early (``abort_early``): a 200-step budget must not be charged as 200."""
    budget = PaperBudget(
        ladder=(0.05,), max_eps=0.05, pgd_steps=1, cw_steps=200, cw_binary_steps=2, apgd_steps=1
    )
    recorder = Recorder(tiny_cnn)
    result = find_boundary(recorder, images, preset="paper", budget=budget)
    assert int(result.gradient_evals.sum()) == recorder.backward_rows
    assert recorder.backward_rows < len(images) * (1 + 200 * 2 + 2)


def test_subsets_are_charged_to_their_own_samples(tiny_cnn, images):
    """The PGD ladder lets a sample leave at its first successful rung: samples that leave early
    cost fewer gradients than samples that climb, and each is charged its own."""
    budget = PaperBudget(
        ladder=(0.01, 0.1, 1.0),
        max_eps=1.0,
        pgd_steps=5,
        cw_steps=1,
        cw_binary_steps=1,
        apgd_steps=1,
    )
    recorder = Recorder(tiny_cnn)
    result = find_boundary(recorder, images, preset="paper", budget=budget)
    assert int(result.gradient_evals.sum()) == recorder.backward_rows
    assert result.gradient_evals.unique().numel() > 1  # rungs differ per sample here


def test_the_fast_budget_formula_is_what_a_shapes_image_costs():
    """``fast_gradients`` (the Gradio app's GPU-time estimate) is what an image that needs the
    second run costs, one run's steps less for the others, image by image, as a model that records
    its own backward rows counts them (six shapes-robust test images: the second run fires on
    three)."""
    from boundary_core.data.shapes import TEST_SEED, make_batch
    from boundary_core.models import load_model
    from boundary_core.search.find import FAST_STEPS, fast_gradients

    recorder = Recorder(load_model("shapes-robust"))
    x = make_batch(range(6), seed=TEST_SEED).images
    result = find_boundary(recorder, x, preset="fast")
    assert result.found.all()
    most = fast_gradients(x[0].numel())
    assert set(result.gradient_evals.tolist()) == {most, most - FAST_STEPS}
    assert int(result.gradient_evals.sum()) == recorder.backward_rows


def test_selected_rows_and_cached_records_keep_their_forward_counts():
    """evaluate's row selection and the app's cached search record carry ``forward_evals``."""
    import torch

    from boundary_core.data.shapes import TEST_SEED, make_batch
    from boundary_core.evaluation.run import _select
    from boundary_core.models import load_model
    from ui.search_jobs import boundary_of, search_record

    model = load_model("shapes-standard")
    x = make_batch(range(3), seed=TEST_SEED).images
    result = find_boundary(model, x, preset="fast")
    kept = _select(result, torch.tensor([True, False, True]))
    assert kept.forward_evals.tolist() == result.forward_evals[[0, 2]].tolist()
    one = find_boundary(model, x[:1], preset="fast")
    again = boundary_of(search_record(one, 1.0, None), torch.device("cpu"))
    assert again.row(0) == one.row(0) and again.row(0)["forward_evals"] > 0
