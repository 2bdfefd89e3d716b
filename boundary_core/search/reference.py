"""Strong minimal-norm references for ``bench search`` (not used by the presets).

The reference distance of an image is the best of these attacks, each result tightened by the same
segment search as the presets and re-checked one image at a time:
- foolbox ``DDNAttack`` (Rony et al. 2019), untargeted, ``ddn_steps`` steps, its default ε₀ = 1;
- pyautoattack FAB-ℓ2 (Croce & Hein 2020), targeted at every other class in turn (ranks 2…K of the
  clean logits), ``fab_steps`` iterations each, from x (``attack_single_run``: the library's
  ``perturb`` stops at the first target that succeeds, which is not the closest one).
- adv-lib's FMN-ℓ2 (Pintor et al. 2021), untargeted, ``fmn_steps`` steps. foolbox's FMN is not
  used: REFERENCE.md records that its ℓ2 projection never shrinks (AttackBench: 0.539 optimality
  against adv-lib's 0.908). adv-lib imports visdom for an optional logger only; its PyPI
  dependency on visdom does not build here, so it is installed with ``pip install --no-deps
  adv-lib==0.2.8`` and a stub module stands in for visdom (never called).

The raw attack outputs are cached (``.cache/search-references/``, ignored by git), keyed by model
name, a hash of the inputs and the attack settings, so a rerun only computes the presets.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn

from boundary_core.search.bisection import bisect_to_boundary, closest, origin_of
from boundary_core.search.result import empty_result

CACHE = Path(".cache/search-references")


@dataclass(frozen=True)
class ReferenceConfig:
    ddn_steps: int = 1000
    fab_steps: int = 100  # per target class
    fmn_steps: int = 1000

    def attacks(self) -> dict[str, int]:
        """The attacks to run and their steps (an attack with 0 steps is left out)."""
        steps = {
            "foolbox-ddn": self.ddn_steps,
            "adv-lib-fmn": self.fmn_steps,
            "fab-targeted": self.fab_steps,
        }
        return {attack: count for attack, count in steps.items() if count > 0}


def foolbox_ddn(model: nn.Module, x: Tensor, labels: Tensor, steps: int) -> Tensor:
    import foolbox as fb

    attack = fb.attacks.DDNAttack(steps=steps)
    with torch.enable_grad():  # callers run under no_grad
        raw, _, _ = attack(fb.PyTorchModel(model, bounds=(0, 1)), x, labels, epsilons=None)
    return raw.detach()


ADV_LIB_MISSING = (
    "the FMN reference needs adv-lib: pip install --no-deps adv-lib==0.2.8 (or --fmn-steps 0)"
)


def adv_lib_fmn(model: nn.Module, x: Tensor, labels: Tensor, steps: int) -> Tensor:
    import sys
    import types

    if "visdom" not in sys.modules:  # adv-lib's optional logger imports it at module level
        stub = types.ModuleType("visdom")
        stub.Visdom = object
        sys.modules["visdom"] = stub
    try:
        from adv_lib.attacks.fast_minimum_norm import fmn
    except ImportError as error:
        raise SystemExit(ADV_LIB_MISSING) from error
    with torch.enable_grad():
        return fmn(model, x, labels, norm=2, steps=steps).detach()


def fab_targeted(model: nn.Module, x: Tensor, labels: Tensor, steps: int) -> Tensor:
    """``(K−1, B, ...)``: FAB's point towards each logit rank 2…K (x where it failed)."""
    from pyautoattack.fab_pt import FABAttack_PT

    classes = model(x[:1]).shape[1]
    attack = FABAttack_PT(model, norm="L2", n_iter=steps, targeted=True, device=x.device, seed=0)
    points = []
    for rank in range(2, classes + 1):
        attack.target_class = rank
        with torch.enable_grad():
            points.append(attack.attack_single_run(x, labels, is_targeted=True).detach())
    return torch.stack(points)


def digest(x: Tensor) -> str:
    """A short hash of the inputs' bytes (the cache key's image part)."""
    return hashlib.sha256(x.detach().cpu().numpy().tobytes()).hexdigest()[:16]


def _key(name: str, x: Tensor, attack: str, steps: int) -> Path:
    return CACHE / f"{name}-{digest(x)}-{attack}-{steps}.pt"


def raw_points(model, name: str, x: Tensor, attack: str, steps: int, log=print) -> Tensor:
    """The attack's raw output ``(A, B, ...)`` (A candidates per image), from the cache if there."""
    path = _key(name, x, attack, steps)
    if path.exists():
        return torch.load(path, weights_only=True)
    log(f"  reference {attack}-{steps} on {name} ({len(x)} images): computing, then cached")
    labels = model(x).argmax(dim=1)
    if attack == "foolbox-ddn":
        points = foolbox_ddn(model, x, labels, steps)[None]
    elif attack == "adv-lib-fmn":
        points = adv_lib_fmn(model, x, labels, steps)[None]
    else:
        points = fab_targeted(model, x, labels, steps)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(points, path)
    return points


@torch.no_grad()
def adversarial_alone(model: nn.Module, points: Tensor, labels: Tensor) -> Tensor:
    """``(B,)`` bool: each point evaluated on its own (batch size 1) has a label ≠ ``labels``."""
    return torch.stack(
        [
            model(point[None]).argmax(dim=1)[0] != label
            for point, label in zip(points, labels, strict=True)
        ]
    )


@torch.no_grad()
def tightened_best(model: nn.Module, x: Tensor, candidates: Tensor, method: str):
    """The closest of ``candidates (A, B, ...)`` per image after the segment search."""
    origin = origin_of(model, x)
    result = empty_result(x, origin.labels)
    for candidate in candidates:
        tightened = bisect_to_boundary(model, origin, candidate)
        result = closest(model, origin, result, tightened, method)
    return result


@torch.no_grad()
def reference_distances(model, name: str, x: Tensor, config: ReferenceConfig, log=print) -> dict:
    """Per attack, ``(B,)`` distances after segment search and a re-check at batch size 1
    (``inf`` where it found nothing); ``"best"`` is their minimum."""
    out = {}
    for attack, steps in config.attacks().items():
        result = tightened_best(model, x, raw_points(model, name, x, attack, steps, log), attack)
        alone = adversarial_alone(model, result.point, result.original_label)
        out[attack] = torch.where(result.found & alone, result.distance, torch.inf)
    out["best"] = torch.stack(list(out.values())).amin(dim=0)
    return out
