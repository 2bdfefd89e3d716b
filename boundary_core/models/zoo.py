"""Models fetched on demand: ImageNet ResNet-50s (standard, the ℓ2 ladder, ℓ∞) and a robust
CIFAR-10 ResNet-50. Nothing is downloaded at import: an entry is ``available`` once
``python -m boundary_core models download NAME`` (or the app's button) fetched and checked it.

Provenance, as published:
- ``imagenet-resnet50``: torchvision ``ResNet50_Weights.IMAGENET1K_V1`` (76.13% top-1), the
  paper's standard model; its file name carries the first 8 hex digits of its sha256.
- ``imagenet-resnet50-{l2,linf}-ε``: Hub ``madrylab/robust-imagenet-models`` (Salman et al. 2020,
  "Do adversarially robust ImageNet models transfer better?", MIT). Same training code as the
  paper's Engstrom et al. 2019 models (MadryLab ``robustness``), not the same files.
- ``…-paper``: the paper's own files, as linked in the MadryLab ``robustness`` README (Dropbox;
  links may rot). Saved with ``dill``: a weights-only load refuses them, naming the global.
- ``cifar10-resnet50-l2-0.5``: MadryLab ``robustness`` README's CIFAR-10 ResNet-50, ℓ2 ε = 0.5.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from boundary_core.models import download
from boundary_core.models.cifar10 import CIFAR10_CLASSES
from boundary_core.models.facts import (
    CIFAR10_MEAN,
    CIFAR10_STD,
    IMAGENET_CLASSES,
    IMAGENET_MEAN,
    IMAGENET_STD,
    TORCHVISION_RESNET50_URL,
)
from boundary_core.models.registry import ModelSpec, Preprocessing, Source, register
from boundary_core.models.shapes import read_card  # <name>.card.json, once measured

if TYPE_CHECKING:  # torch is imported by the loaders only: listing models needs none of it
    from torch import nn

IMAGENET_PREPROCESSING = Preprocessing(resize=256, crop=224)
HUB = "madrylab/robust-imagenet-models"
SALMAN = (
    "Salman et al. 2020 (Hub madrylab/robust-imagenet-models): same training code as the "
    "paper's Engstrom et al. 2019 models, not the same files"
)
# Published ImageNet top-1 of the Hub's ResNet-50s, keyed by the ε spelled as in the file names.
L2_LADDER = {
    "0": 75.80,
    "0.01": 75.68,
    "0.03": 75.76,
    "0.05": 75.59,
    "0.1": 74.78,
    "0.25": 74.14,
    "0.5": 73.16,
    "1": 70.43,
    "3": 62.83,
    "5": 56.13,
}
LINF = {"4": 63.86, "8": 54.53}  # ε in 1/255 units
# Known from the Hub's file listing; every other file's size and sha256 are unpublished.
LINF4_SIZE, LINF4_SHA256 = (
    204_818_947,
    "9e62216975c111b8081481533b6142dec34be69abe5d90b54d7f860015c263db",
)
MADRY_README = "URL as linked in the MadryLab robustness README (?dl=1 asks Dropbox for the file)"


def make_loader(name: str, source: Source, arch: str, num_classes: int, mean, std):
    """Build ``name`` from its cached tensors copy, else from its checked download (no network)."""

    def load() -> nn.Module:
        from safetensors.torch import load_file

        from boundary_core.models import checkpoints
        from boundary_core.models.resnets import build, normalized

        model = normalized(build(arch, num_classes), mean, std)
        copy = download.tensors_path(name)
        if copy.exists() and _copy_matches(copy, source):
            checkpoints.load_strict(model, load_file(copy), copy.name)
            return model
        if not download.is_available(name, source):
            raise download.DownloadError(
                f"{name} is not downloaded: run `python -m boundary_core models download {name}` "
                f"(needs network), or place the file at {download.file_path(source)}"
            )
        path = download.file_path(source)
        state, normalizer = checkpoints.state_dict_of(checkpoints.read_tensors(path))
        checkpoints.load_strict(model.model, state, source.filename)
        if normalizer is not None:  # the checkpoint's own normaliser wins over our constants
            model.normalize.mean.copy_(normalizer[0].view(1, -1, 1, 1))
            model.normalize.std.copy_(normalizer[1].view(1, -1, 1, 1))
        digest = download.verify(path, source)
        checkpoints.save_tensors_copy(model, copy, {"source": source.location, "sha256": digest})
        return model

    return load


def _copy_matches(copy, source: Source) -> bool:
    from safetensors import safe_open

    if source.sha256 is None:
        return True
    with safe_open(copy, framework="pt") as handle:
        return (handle.metadata() or {}).get("sha256", "").startswith(source.sha256)


def _register(name, source, training, description, *, arch="resnet50", dataset="imagenet", **facts):
    imagenet = dataset == "imagenet"
    mean, std = (IMAGENET_MEAN, IMAGENET_STD) if imagenet else (CIFAR10_MEAN, CIFAR10_STD)
    classes = IMAGENET_CLASSES if imagenet else CIFAR10_CLASSES
    register(
        ModelSpec(
            name=name,
            dataset=dataset,
            input_size=(3, 224, 224) if imagenet else (3, 32, 32),
            class_names=classes,
            training=training,
            offline=False,
            loader=make_loader(name, source, arch, len(classes), mean, std),
            description=description,
            source=source,
            card=read_card(name),
            preprocessing=IMAGENET_PREPROCESSING if imagenet else None,
            **facts,
        )
    )


def _torchvision_source() -> Source:
    url = TORCHVISION_RESNET50_URL  # .../resnet50-0676ba61.pth
    filename = url.rsplit("/", 1)[-1]
    prefix = re.search(r"-([0-9a-f]{8,})\.pth$", filename).group(1)
    return Source(filename=filename, url=url, sha256=prefix, note="torchvision IMAGENET1K_V1")


def _register_all() -> None:
    _register(
        "imagenet-resnet50",
        _torchvision_source(),
        "standard",
        "ImageNet ResNet-50, torchvision IMAGENET1K_V1 (76.13% top-1): the paper's standard model.",
        partner="imagenet-resnet50-l2-3",
        family="imagenet-resnet50",
        epsilon=0.0,
    )
    for eps, top1 in L2_LADDER.items():
        robust = eps != "0"
        _register(
            f"imagenet-resnet50-l2-{eps}",
            Source(filename=f"resnet50_l2_eps{eps}.ckpt", repo_id=HUB),
            f"adversarial l2 eps={eps}" if robust else "standard",
            f"ImageNet ResNet-50, {'ℓ2 PGD training ε = ' + eps if robust else 'standard training'}"
            f" (published {top1:.2f}% top-1). {SALMAN}.",
            partner={"0": "imagenet-resnet50-l2-3", "3": "imagenet-resnet50"}.get(eps),
            family="imagenet-resnet50-l2",
            epsilon=float(eps),
            norm="l2",
        )
    for eps, top1 in LINF.items():
        known = eps == "4"
        _register(
            f"imagenet-resnet50-linf-{eps}",
            Source(
                filename=f"resnet50_linf_eps{eps}.0.ckpt",
                repo_id=HUB,
                size=LINF4_SIZE if known else None,
                sha256=LINF4_SHA256 if known else None,
            ),
            f"adversarial linf eps={eps}/255",
            f"ImageNet ResNet-50, ℓ∞ PGD training ε = {eps}/255 (published {top1:.2f}% top-1). "
            f"{SALMAN}.",
            partner="imagenet-resnet50",
            family="imagenet-resnet50-linf",
            epsilon=int(eps) / 255,
            norm="linf",
        )
    _register_paper_files()


PAPER_FILES = {  # name: (file, Dropbox id, training, ε in pixels, norm, published top-1)
    "imagenet-resnet50-l2-3-paper": (
        "imagenet_l2_3_0.pt",
        "knf4uimlqsi1yz8",
        "l2 eps=3",
        3.0,
        "l2",
        57.90,
    ),
    "imagenet-resnet50-linf-4-paper": (
        "imagenet_linf_4.pt",
        "axfuary2w1cnyrg",
        "linf eps=4/255",
        4 / 255,
        "linf",
        62.42,
    ),
    "imagenet-resnet50-linf-8-paper": (
        "imagenet_linf_8.pt",
        "yxn15a9zklz3s8q",
        "linf eps=8/255",
        8 / 255,
        "linf",
        47.91,
    ),
}


def _register_paper_files() -> None:
    for name, (filename, box, training, eps, norm, top1) in PAPER_FILES.items():
        url = f"https://www.dropbox.com/s/{box}/{filename}?dl=1"
        _register(
            name,
            Source(filename=filename, url=url, note=MADRY_README),
            f"adversarial {training}",
            f"The paper's file: ImageNet ResNet-50, {training} (Engstrom et al. 2019, MadryLab "
            f"robustness; published {top1:.2f}% top-1). Saved with dill: a weights-only load "
            "refuses it unless converted to safetensors.",
            partner="imagenet-resnet50",
            epsilon=eps,
            norm=norm,
        )
    _register(
        "cifar10-resnet50-l2-0.5",
        Source(
            filename="cifar_l2_0_5.pt",
            url="https://www.dropbox.com/s/1zazwjfzee7c8i4/cifar_l2_0_5.pt?dl=1",
            note=MADRY_README,
        ),
        "adversarial l2 eps=0.5",
        "CIFAR-10 ResNet-50, ℓ2 PGD training ε = 0.5 (MadryLab robustness, published 90.83% "
        "clean). Saved with dill: a weights-only load refuses it unless converted to safetensors.",
        arch="cifar_resnet50",
        dataset="cifar10",
        partner="cifar10-resnet18",
        epsilon=0.5,
        norm="l2",
    )


_register_all()
