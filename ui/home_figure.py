"""The Home page's example: BIG on the standard and the robust shapes model for one image.

Regenerate with ``python -m ui.home_figure`` (writes ``assets/home/big_pair.png`` and
``big_pair.json``). The image is picked, not random: among the shapes gallery, the one where
both models classify correctly and
robust BIG puts the largest share of its positive attribution inside the object's box compared
with standard BIG (EG, App. B.1). The Evaluate page shows whether that holds on average.
"""

import json

import torch
from PIL import Image, ImageDraw

from boundary_core.data.gallery import shapes_names, shapes_picture
from boundary_core.explain import explain_image
from boundary_core.heatmap import paper_overlay
from boundary_core.metrics import energy_game
from boundary_core.models import get_spec, load_model, shipped_pair
from boundary_core.paths import HOME_DIR as OUT
from boundary_core.render import image_rgb, upscale
from ui.home import GAP, TILE

PAIR = shipped_pair()  # (standard, robust), from the registry


def big_maps(name: str) -> dict:
    """BIG of both models on one gallery image, with EG and the predictions."""
    picture = shapes_picture(name)
    row = {"image": name, "label": picture.true_label, "box": list(picture.box)}
    for model_name in PAIR:
        model = load_model(model_name)
        spec = get_spec(model_name)
        explanation = explain_image(
            model, torch.from_numpy(picture.image), spec.class_names, methods=("big",)
        )
        summary = explanation.summary()
        big = explanation.attributions.maps.get("big")
        row[model_name] = {
            "prediction": summary["prediction"]["label"],
            "eg": energy_game(big[0], picture.box) if big is not None else float("nan"),
            "map": big[0].numpy() if big is not None else None,
        }
    return row


def pair_png(picture, row: dict, width: int = TILE) -> Image.Image:
    """Three tiles: the image with its box, standard BIG, robust BIG; captions underneath."""
    tiles = [("input: " + picture.true_label, image_rgb(picture.image))]
    for model_name in PAIR:
        entry = row[model_name]
        tiles.append(
            (
                f"BIG, {model_name} (EG {entry['eg']:.2f})",
                paper_overlay(picture.image, entry["map"]),
            )
        )
    sheet = Image.new("RGB", (len(tiles) * (width + GAP), width + 24), "white")
    draw = ImageDraw.Draw(sheet)
    for index, (caption, rgb) in enumerate(tiles):
        left = index * (width + GAP)
        sheet.paste(upscale(rgb, width, picture.box), (left, 0))
        draw.text((left + 4, width + 6), caption, fill="black")
    return sheet


def main() -> int:
    torch.set_num_threads(1)
    rows = [big_maps(name) for name in shapes_names()]
    usable = [
        r
        for r in rows
        if all(r[m]["map"] is not None and r[m]["prediction"] == r["label"] for m in PAIR)
    ]
    best = max(usable, key=lambda r: r[PAIR[1]]["eg"] - r[PAIR[0]]["eg"])
    OUT.mkdir(parents=True, exist_ok=True)
    pair_png(shapes_picture(best["image"]), best).save(OUT / "big_pair.png", optimize=True)
    facts = {
        "image": best["image"],
        "chosen_by": "largest EG(robust BIG) − EG(standard BIG) among the shapes gallery "
        "images both models classify correctly",
        "robust_eg_higher": f"{sum(r[PAIR[1]]['eg'] > r[PAIR[0]]['eg'] for r in usable)} of "
        f"{len(usable)}",
        "robust_eg_higher_over": "the gallery images both models classify correctly",
        "per_image": [
            {
                "image": r["image"],
                **{m: {"prediction": r[m]["prediction"], "eg": r[m]["eg"]} for m in PAIR},
            }
            for r in rows
        ],
        "regenerate": "python -m ui.home_figure",
    }
    (OUT / "big_pair.json").write_text(json.dumps(facts, indent=2) + "\n")
    for r in rows:
        print(r["image"], {m: (r[m]["prediction"], round(r[m]["eg"], 3)) for m in PAIR})
    print("chosen:", best["image"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
