"""``shapes-standard`` and ``shapes-robust``: ``ShapesNet`` trained here on the shapes dataset.

Both share one architecture; the weights ship in ``assets/models/<name>.safetensors`` and the
measured facts (accuracy, robust accuracy, median boundary distance, how they were trained) in
``<name>.card.json`` next to them, written by ``python -m boundary_core train``. Nothing about
them is hard-coded here: the registry's ``training`` string and ``card`` come from that JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from boundary_core.data.shapes_draw import SHAPE_CLASSES
from boundary_core.models.registry import ModelSpec, register
from boundary_core.paths import MODELS_DIR
from boundary_core.recipes import LADDER_EPSILONS, RECIPES

if TYPE_CHECKING:  # the network is imported by the loader only: listing models needs no torch
    from torch import nn

DESCRIPTIONS = {
    "shapes-standard": "Small ResNet on the 64×64 shapes dataset, standard training.",
    "shapes-robust": "Small ResNet on the 64×64 shapes dataset, ℓ2 PGD adversarial training.",
}
for _eps in LADDER_EPSILONS:  # the offline robustness ladder; registered when its weights ship
    DESCRIPTIONS[f"shapes-robust-l2-{_eps:g}"] = (
        f"Small ResNet on the 64×64 shapes dataset, ℓ2 PGD adversarial training at ε = {_eps:g} "
        f"(robustness ladder: {RECIPES[f'shapes-robust-l2-{_eps:g}'].epochs} epochs, where "
        f"shapes-robust had {RECIPES['shapes-robust'].epochs})."
    )
PARTNERS = {"shapes-standard": "shapes-robust", "shapes-robust": "shapes-standard"}


def weights_path(name: str) -> Path:
    return MODELS_DIR / f"{name}.safetensors"


def read_card(name: str) -> dict:
    path = MODELS_DIR / f"{name}.card.json"
    return json.loads(path.read_text()) if path.exists() else {}


def make_loader(name: str):
    def load() -> nn.Module:
        from boundary_core.models.shapes_net import load_shapes_net

        return load_shapes_net(weights_path(name))

    return load


for _name, _description in DESCRIPTIONS.items():
    if _name not in PARTNERS and not weights_path(_name).exists():
        continue
    _card = read_card(_name)
    _recipe = RECIPES[_name]
    register(
        ModelSpec(
            name=_name,
            dataset="shapes64",
            input_size=(3, 64, 64),
            class_names=SHAPE_CLASSES,
            training=_card.get("training", _recipe.training),
            offline=True,
            loader=make_loader(_name),
            description=_description,
            card=_card,
            partner=PARTNERS.get(_name),
            family="shapes",
            epsilon=_recipe.eps,
            norm="l2",
        )
    )
