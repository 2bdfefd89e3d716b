"""The reference attacks of ``bench search`` (foolbox DDN, adv-lib FMN, FAB aimed at each class),
checked where the answer is known: on a linear two-class model the closest boundary point is the
orthogonal projection, so each reference, after the segment search, must land on that distance."""

import pytest
import torch
from test_search import linear_case

from boundary_core.search.reference import (
    ReferenceConfig,
    adv_lib_fmn,
    adversarial_alone,
    fab_targeted,
    foolbox_ddn,
    reference_distances,
    tightened_best,
)

ATTACKS = {"foolbox-ddn": foolbox_ddn, "fab-targeted": fab_targeted}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_reference_reaches_the_exact_distance_on_a_linear_model(attack):
    model, x, weight = linear_case(seed=3)
    exact = (x.flatten(1) @ weight.flatten() + model.bias).abs() / weight.norm()
    labels = model(x).argmax(1)
    raw = ATTACKS[attack](model, x, labels, 100)
    candidates = raw if attack == "fab-targeted" else raw[None]
    result = tightened_best(model, x, candidates, attack)
    assert result.found.all()
    assert adversarial_alone(model, result.point, labels).all()
    assert torch.allclose(result.distance, exact, rtol=0.02)


def test_fmn_lands_on_a_linear_boundary_and_is_kept_only_where_across():
    """adv-lib's FMN sets its radius to ‖δ‖ + |margin| / ‖∇‖, which on a linear model puts the
    point exactly on the boundary; where rounding leaves it on the original side it never
    crosses. Its distance is still exact; the reference keeps only points that are across."""
    model, x, weight = linear_case(seed=3)
    exact = (x.flatten(1) @ weight.flatten() + model.bias).abs() / weight.norm()
    labels = model(x).argmax(1)
    raw = adv_lib_fmn(model, x, labels, 100)
    across = model(raw).argmax(1) != labels
    assert across.any()
    assert torch.allclose((raw - x).flatten(1).norm(dim=1)[across], exact[across], rtol=0.02)
    result = tightened_best(model, x, raw[None], "fmn")
    assert torch.equal(result.found, across)  # a point not across is never counted


def test_reference_distances_take_the_best_attack_and_cache_it(tmp_path, monkeypatch):
    import boundary_core.search.reference as reference

    monkeypatch.setattr(reference, "CACHE", tmp_path)
    model, x, weight = linear_case(seed=4, batch=3)
    exact = (x.flatten(1) @ weight.flatten() + model.bias).abs() / weight.norm()
    config = ReferenceConfig(ddn_steps=50, fab_steps=20, fmn_steps=50)
    first = reference_distances(model, "linear", x, config, log=lambda line: None)
    assert set(first) == {"foolbox-ddn", "adv-lib-fmn", "fab-targeted", "best"}
    stacked = torch.stack([first[a] for a in config.attacks()])
    assert torch.equal(first["best"], stacked.amin(dim=0))
    assert torch.allclose(first["best"], exact, rtol=0.02)
    assert len(list(tmp_path.glob("linear-*.pt"))) == 3  # one cached file per attack
    again = reference_distances(model, "linear", x, config, log=pytest.fail)  # from the cache
    assert torch.equal(again["best"], first["best"])


def test_skip_gives_the_next_correct_images_as_a_held_out_set():
    """``bench search --skip N``: the images after the first N correct ones, none of them shared."""
    from argparse import Namespace

    from boundary_core.bench.search import inputs
    from boundary_core.models import load_model

    model = load_model("shapes-standard")
    first, first_names = inputs("shapes-standard", model, Namespace(images=5, variants=4))
    held, held_names = inputs("shapes-standard", model, Namespace(images=3, skip=2, variants=4))
    assert torch.equal(held, first[2:5]) and held_names == first_names[2:5]


@pytest.mark.parametrize(("images", "skip"), [(0, 0), (10, -1), (10, 10_001)])
def test_bench_search_refuses_bad_image_counts_in_one_line(images, skip):
    from argparse import Namespace

    from boundary_core.bench.search import run

    with pytest.raises(ValueError, match="--images|--skip"):
        run(Namespace(images=images, skip=skip))
