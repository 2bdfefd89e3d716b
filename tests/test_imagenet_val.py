"""``evaluate --data imagenet-val``: a fabricated ILSVRC2012 validation folder in the official
format (JPEGs, one PASCAL VOC XML per image, the devkit's synset list), boxes carried through the
model's crop by hand, and the CLI end to end with a small random-init ImageNet-shaped model."""

import json

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from boundary_core.bench.resnet50 import random_imagenet_resnet50
from boundary_core.cli import main as cli_main
from boundary_core.data.imagenet_val import ImageNetVal, box_in_crop, read_annotation
from boundary_core.data.images import preprocess
from boundary_core.evaluation.data import imagenet_val_data
from boundary_core.models.registry import ModelSpec, Preprocessing, register, unregister
from boundary_core.models.zoo import IMAGENET_CLASSES, IMAGENET_PREPROCESSING

SYNSETS = tuple(f"n{1440764 + 7 * i:08d}" for i in range(1000))  # sorted, like the real list
SIZE, PREPROCESSING = 35, Preprocessing(resize=40, crop=35)  # crop fraction 0.875, as ImageNet's
# A 100×80 image: the crop keeps the centred 70×70 square (left 15, top 5), scaled by 35/70 = 0.5.
# VOC boxes are 1-based inclusive (xmin, ymin, xmax, ymax).
IMAGES = {
    "ILSVRC2012_val_00000001": [(18, 8, 41, 31)],  # -> half-open (17, 7, 41, 31) -> (1, 1, 13, 13)
    "ILSVRC2012_val_00000002": [(18, 8, 41, 31), (61, 41, 80, 60)],  # two: enclosing box
    "ILSVRC2012_val_00000003": [(1, 1, 40, 30)],  # partly outside the crop: clipped
    "ILSVRC2012_val_00000004": [(1, 10, 10, 40)],  # in the left strip the crop removes
}
EXPECTED_BOXES = {
    "ILSVRC2012_val_00000001": (1, 1, 13, 13),
    "ILSVRC2012_val_00000002": (1, 1, 33, 28),  # (60, 40, 80, 60) -> (22.5, 17.5, 32.5, 27.5)
    "ILSVRC2012_val_00000003": (0, 0, 13, 13),  # (0, 0, 40, 30) -> (-7.5, -2.5, 12.5, 12.5)
}


def voc_xml(stem: str, synset: str, boxes) -> str:
    objects = "".join(
        f"<object><name>{synset}</name><pose>Unspecified</pose><truncated>0</truncated>"
        f"<difficult>0</difficult><bndbox><xmin>{x0}</xmin><ymin>{y0}</ymin><xmax>{x1}</xmax>"
        f"<ymax>{y1}</ymax></bndbox></object>"
        for x0, y0, x1, y1 in boxes
    )
    return (
        f"<annotation><folder>val</folder><filename>{stem}</filename><source><database>ILSVRC_2012"
        f"</database></source><size><width>100</width><height>80</height><depth>3</depth></size>"
        f"<segmented>0</segmented>{objects}</annotation>"
    )


def tiny_imagenet_model() -> nn.Module:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),
            nn.Linear(128, 1000),
        )
    return model.eval()


def fabricate(root, labels=None, model=None, spec=None) -> dict[str, int]:
    """The folder: JPEGs in val/, XMLs in bbox/, the synset list at the top; XML synsets are the
    tiny model's predictions (so a random model classifies them right) unless ``labels``."""
    (root / "val").mkdir(parents=True)
    (root / "bbox").mkdir()
    lines = [f"{synset} class {i}, name" for i, synset in enumerate(SYNSETS)]
    (root / "LOC_synset_mapping.txt").write_text("\n".join(lines) + "\n")
    rng = np.random.default_rng(0)
    model, predicted = model or tiny_imagenet_model(), {}
    size, fraction = (SIZE, PREPROCESSING.crop_fraction) if spec is None else spec
    for stem in IMAGES:
        pixels = rng.integers(0, 256, (80, 100, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(root / "val" / f"{stem}.JPEG", quality=95)
        decoded = np.asarray(Image.open(root / "val" / f"{stem}.JPEG"))
        with torch.no_grad():
            x = preprocess(decoded, size, fraction)[None]
            predicted[stem] = int(model(x).argmax())
    labels = labels or predicted
    for stem, boxes in IMAGES.items():
        xml = voc_xml(stem, SYNSETS[labels[stem]], boxes)
        (root / "bbox" / f"{stem}.xml").write_text(xml)
    return labels


def test_boxes_through_the_crop_by_hand():
    assert box_in_crop((18, 8, 41, 31), 100, 80, 0.875, SIZE) == (1, 1, 13, 13)
    assert box_in_crop((1, 1, 40, 30), 100, 80, 0.875, SIZE) == (0, 0, 13, 13)
    assert box_in_crop((1, 10, 10, 40), 100, 80, 0.875, SIZE) is None
    assert box_in_crop((1, 1, 100, 80), 100, 80, 0.875, SIZE) == (0, 0, SIZE, SIZE)
    assert box_in_crop((86, 6, 100, 75), 100, 80, 1.0, 80) == (
        75,
        5,
        80,
        75,
    )  # uncropped, clipped


def test_folder_reads_labels_boxes_and_skips_a_cropped_away_box(tmp_path):
    labels = fabricate(tmp_path, labels={stem: i * 100 + 7 for i, stem in enumerate(IMAGES)})
    annotation = read_annotation(tmp_path / "bbox" / "ILSVRC2012_val_00000002.xml")
    assert annotation.synset == SYNSETS[107] and len(annotation.boxes) == 2
    data = imagenet_val_data(tmp_path, 4, SIZE, PREPROCESSING.crop_fraction)
    batch = data.batch(0, 4)
    assert batch.skipped == {"box_cropped_away": 1}
    assert batch.indices.tolist() == [0, 1, 2]  # dataset positions, sorted by file name
    assert batch.labels.tolist() == [labels[stem] for stem in EXPECTED_BOXES]  # synset line index
    assert [tuple(box) for box in batch.boxes.tolist()] == list(EXPECTED_BOXES.values())
    assert batch.images.shape == (3, 3, SIZE, SIZE)
    assert 0.0 <= batch.images.min() and batch.images.max() <= 1.0
    assert data.batch(3, 1).images.shape == (0, 3, SIZE, SIZE)  # all skipped: an empty batch


def test_missing_synset_list_and_too_many_images_are_one_line_errors(tmp_path):
    fabricate(tmp_path)
    with pytest.raises(ValueError, match="exceeds the 4 JPEG images"):
        imagenet_val_data(tmp_path, 5, SIZE, 0.875)
    (tmp_path / "LOC_synset_mapping.txt").unlink()
    with pytest.raises(ValueError, match="no LOC_synset_mapping.txt"):
        ImageNetVal(tmp_path)


@pytest.fixture
def tiny_model_name():
    name = "test-imagenet-tiny-random"
    register(
        ModelSpec(
            name=name,
            dataset="imagenet",
            input_size=(3, SIZE, SIZE),
            class_names=tuple(f"class {i}" for i in range(1000)),
            training="random init (test)",
            offline=True,
            loader=tiny_imagenet_model,
            preprocessing=PREPROCESSING,
        )
    )
    yield name
    unregister(name)


def test_cli_evaluates_imagenet_val_and_counts_the_skipped_image(tmp_path, tiny_model_name):
    fabricate(tmp_path / "ILSVRC")
    out = tmp_path / "eval.json"
    common = ["evaluate", "--model", tiny_model_name, "--num-images", "4", "--json", str(out)]
    args = [*common, "--methods", "sm,bsm", "--search-steps", "3", "--batch-size", "3"]
    assert cli_main([*args, "--data", "imagenet-val", "--root", str(tmp_path / "ILSVRC")]) == 0
    summary = json.loads(out.read_text())
    assert summary["dataset"] == "imagenet-val" and summary["split"]["n"] == 4
    assert summary["n_skipped_box_cropped_away"] == 1
    assert summary["n_images"] == 3 and summary["n_evaluated"] == 3  # labels = predictions
    assert summary["metrics"]["sm"]["loc"]["n"] == 3
    assert cli_main(args) == 2  # an ImageNet model on the shapes split: refused
    assert (
        cli_main(
            [
                "evaluate",
                "--model",
                "shapes-standard",
                "--n",
                "2",
                "--json",
                str(out),
                "--data",
                "imagenet-val",
                "--root",
                str(tmp_path),
            ]
        )
        == 2
    )


@pytest.fixture
def resnet50_name():
    name = "test-imagenet-resnet50-random"
    register(
        ModelSpec(
            name=name,
            dataset="imagenet",
            input_size=(3, 224, 224),
            class_names=IMAGENET_CLASSES,
            training="random init (test)",
            offline=True,
            loader=random_imagenet_resnet50,
            preprocessing=IMAGENET_PREPROCESSING,
        )
    )
    yield name
    unregister(name)


def test_cli_evaluates_a_random_init_zoo_resnet50_at_224(tmp_path, resnet50_name):
    """The zoo's ResNet-50 (normaliser + torchvision architecture, seeded random weights) at 224²
    with ImageNet's resize 256 / crop 224: the same folder, its boxes scaled by 224/70."""
    spec = (224, IMAGENET_PREPROCESSING.crop_fraction)
    fabricate(tmp_path / "ILSVRC", model=random_imagenet_resnet50(), spec=spec)
    data = imagenet_val_data(tmp_path / "ILSVRC", 4, *spec)
    assert data.batch(0, 1).boxes.tolist() == [
        [6, 6, 84, 84]
    ]  # (2, 2, 26, 26) in the crop × 3.2, outwards
    out = tmp_path / "eval.json"
    args = ["evaluate", "--model", resnet50_name, "--num-images", "2", "--json", str(out)]
    args += ["--data", "imagenet-val", "--root", str(tmp_path / "ILSVRC"), "--methods", "sm"]
    assert cli_main([*args, "--search-steps", "1", "--threads", "1"]) == 0
    summary = json.loads(out.read_text())
    assert summary["n_images"] == summary["n_evaluated"] == 2
    assert summary["metrics"]["sm"]["loc"]["n"] == 2
