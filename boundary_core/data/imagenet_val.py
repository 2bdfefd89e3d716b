"""ILSVRC2012 validation images with their official boxes, as a model sees them.

Reads a local folder (nothing is downloaded): the validation JPEGs (``ILSVRC2012_val_*.JPEG``,
flat or in sub-folders), one PASCAL VOC XML per image with the same stem (the official
``ILSVRC2012_bbox_val_v3`` files, or Kaggle's ``Annotations/CLS-LOC/val``), and the devkit's
``LOC_synset_mapping.txt`` (``n01440764 tench, Tinca tinca`` per line). No list of the 1000 synsets
ships offline with torch or torchvision (their ImageNet categories are names, not synsets), so the
class index is a synset's line in that file: the sorted-synset order torchvision's categories
follow.

Each box goes through the model's own preprocessing (``data.images.preprocess``: centred square of
``crop_fraction`` of the shorter side, resized to ``size``): VOC's 1-based inclusive pixels become
half-open ``(x0, y0, x1, y1)``, are shifted into the crop, scaled, clipped to the crop and rounded
outwards (every output pixel the object touches is inside). A box the crop removes entirely is
dropped; an image left with no box is skipped and counted. Several boxes of one image (same
synset in the validation set) become their enclosing box, since the localization metrics take one
box per image.
"""

import math
import re
import xml.etree.ElementTree as ElementTree  # the user's local annotation files, not uploads
from dataclasses import dataclass
from pathlib import Path

from boundary_core.data.images import preprocess, read_image_bytes

SYNSET_FILE = "LOC_synset_mapping.txt"
SYNSET = re.compile(r"n\d{8}")
JPEG_SUFFIXES = (".jpeg", ".jpg")


@dataclass(frozen=True)
class Annotation:
    """One image's VOC annotation: its synset and its boxes, 1-based inclusive pixels."""

    synset: str
    boxes: tuple[tuple[int, int, int, int], ...]  # (xmin, ymin, xmax, ymax)


def read_synsets(root: Path) -> tuple[str, ...]:
    """The synsets of ``LOC_synset_mapping.txt`` under ``root``, in file order (= class index)."""
    found = sorted(Path(root).rglob(SYNSET_FILE))
    if not found:
        raise ValueError(
            f"no {SYNSET_FILE} under {root}: it maps synsets to class indices (torchvision's "
            "order) and ships with the ILSVRC devkit / Kaggle's ImageNet copy; place it there"
        )
    synsets = tuple(line.split()[0] for line in found[0].read_text().splitlines() if line.strip())
    bad = [s for s in synsets if not SYNSET.fullmatch(s)]
    if bad or len(set(synsets)) != len(synsets):
        raise ValueError(f"{found[0]} is not a synset list: bad or repeated entries {bad[:3]}")
    return synsets


def read_annotation(path: Path) -> Annotation:
    """The synset and boxes of one PASCAL VOC XML file."""
    try:
        root = ElementTree.parse(path).getroot()
        objects = root.findall("object")
        boxes = tuple(
            tuple(int(float(o.find(f"bndbox/{k}").text)) for k in ("xmin", "ymin", "xmax", "ymax"))
            for o in objects
        )
        synset = objects[0].find("name").text.strip()
    except (ElementTree.ParseError, AttributeError, IndexError, TypeError, ValueError) as error:
        raise ValueError(f"{path} is not a VOC annotation with boxes: {error}") from None
    return Annotation(synset, boxes)


def box_in_crop(box, width: int, height: int, crop_fraction: float, size: int):
    """A VOC box of a ``width``×``height`` image in the ``size``×``size`` model input, as
    half-open ``(x0, y0, x1, y1)`` ints, or ``None`` when the centre crop removes it."""
    side = max(1, round(min(height, width) * crop_fraction))  # as data.images.center_square
    top, left = (height - side) // 2, (width - side) // 2
    scale = size / side
    xmin, ymin, xmax, ymax = box
    x0, x1 = ((xmin - 1 - left) * scale, (xmax - left) * scale)
    y0, y1 = ((ymin - 1 - top) * scale, (ymax - top) * scale)
    x0, y0 = max(0, math.floor(x0)), max(0, math.floor(y0))
    x1, y1 = min(size, math.ceil(x1)), min(size, math.ceil(y1))
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def enclosing(boxes) -> tuple[int, int, int, int]:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


class ImageNetVal:
    """The validation images under ``root``, sorted by file name, with annotations and labels."""

    def __init__(self, root: Path):
        root = Path(root)
        if not root.is_dir():
            raise ValueError(f"--root must be a folder of ImageNet validation images, got {root}")
        self.root = root
        self.synsets = read_synsets(root)
        self.index = {synset: i for i, synset in enumerate(self.synsets)}
        images = [p for p in root.rglob("*") if p.suffix.lower() in JPEG_SUFFIXES]
        self.images = sorted(images, key=lambda p: p.name)
        self.annotations = {p.stem: p for p in root.rglob("*.xml")}
        if not self.images:
            raise ValueError(f"no JPEG images under {root}")

    def __len__(self) -> int:
        return len(self.images)

    def item(self, position: int, size: int, crop_fraction: float):
        """Image ``position`` as ``(image (3, size, size), label, box)``, or the reason it is
        skipped (``"no_annotation"``, ``"box_cropped_away"``) instead."""
        path = self.images[position]
        xml = self.annotations.get(path.stem)
        if xml is None:
            return "no_annotation"
        annotation = read_annotation(xml)
        if annotation.synset not in self.index:
            raise ValueError(f"{xml}: synset {annotation.synset} is not in {SYNSET_FILE}")
        array = read_image_bytes(path.read_bytes())
        height, width = array.shape[:2]
        kept = [box_in_crop(b, width, height, crop_fraction, size) for b in annotation.boxes]
        kept = [box for box in kept if box is not None]
        if not kept:
            return "box_cropped_away"
        image = preprocess(array, size, crop_fraction)
        return image, self.index[annotation.synset], enclosing(kept)
