"""The shapes gallery shipped in ``assets/shapes_gallery/``: a few test images with their boxes.

Regenerate with ``python -m boundary_core.data.shapes_gallery [--out DIR]``. The picks are
deterministic: the first test-split images that fill the quotas (dark-on-light, light-on-dark,
with a distractor object, coloured), preferring classes not yet shown.
"""

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from boundary_core.data.shapes import SHAPE_CLASSES, TEST_SEED, ShapeSample, make_sample
from boundary_core.paths import SHAPES_GALLERY_DIR as GALLERY_DIR

QUOTAS = (  # (name, predicate, how many)
    ("dark_on_light", lambda s: s.flags.polarity == "dark_on_light" and not s.flags.distractor, 3),
    ("light_on_dark", lambda s: s.flags.polarity == "light_on_dark" and not s.flags.distractor, 3),
    ("distractor", lambda s: s.flags.distractor, 4),
    ("colour", lambda s: s.flags.polarity == "colour" and not s.flags.distractor, 2),
)


def pick_gallery(scan: int = 400) -> list[tuple[str, ShapeSample]]:
    """Deterministic picks from the first ``scan`` test images: ``[(group, sample), ...]``."""
    samples = [make_sample(i, seed=TEST_SEED) for i in range(scan)]
    picks, shown = [], set()
    for group, wanted, count in QUOTAS:
        taken = {sample.index for _, sample in picks}
        candidates = [s for s in samples if wanted(s) and s.index not in taken]
        for _ in range(min(count, len(candidates))):
            # The first image of a class not shown yet, else the first one left.
            choice = next((s for s in candidates if s.label not in shown), candidates[0])
            candidates = [s for s in candidates if s.index != choice.index]
            picks.append((group, choice))
            shown.add(choice.label)
    return picks


def to_png(image: torch.Tensor) -> Image.Image:
    """``(3, H, W)`` in [0, 1] → 8-bit RGB image."""
    array = (image.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)  # (H, W, 3)
    return Image.fromarray(array)


def gallery_entries(picks: list[tuple[str, ShapeSample]]) -> list[dict]:
    entries = []
    for number, (group, sample) in enumerate(picks):
        entries.append(
            {
                "file": f"{number:02d}_{group}_{sample.class_name}.png",
                "label": sample.label,
                "class_name": sample.class_name,
                "box": list(sample.box),
                "distractor_box": list(sample.distractor_box) if sample.distractor_box else None,
                "distractor_label": sample.distractor_label,
                "flags": sample.flags.as_dict(),
                "seed": sample.seed,
                "index": sample.index,
            }
        )
    return entries


def write_gallery(out: Path = GALLERY_DIR) -> list[dict]:
    """Write the PNGs and ``index.json`` (box convention and class names included)."""
    out.mkdir(parents=True, exist_ok=True)
    picks = pick_gallery()
    entries = gallery_entries(picks)
    for entry, (_, sample) in zip(entries, picks, strict=True):
        to_png(sample.image).save(out / entry["file"], optimize=True)
    index = {
        "box_format": "(x0, y0, x1, y1), half-open pixel coordinates in the 64x64 image",
        "class_names": list(SHAPE_CLASSES),
        "regenerate": "python -m boundary_core.data.shapes_gallery",
        "images": entries,
    }
    (out / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=GALLERY_DIR, help="output folder")
    args = parser.parse_args(argv)
    for entry in write_gallery(args.out):
        print(f"{entry['file']:<36} box={entry['box']} distractor={entry['distractor_box']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
