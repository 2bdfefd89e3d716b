"""Published facts about the registered networks that need no torch: normalisers, the torchvision
ResNet layouts by name, torchvision's ResNet-50 file and the 1,000 ImageNet class names.

Kept apart from the modules that build networks so that listing the registry (``models --json``,
the pages' model pickers) imports neither torch nor torchvision. ``imagenet_classes.txt`` was
written once from torchvision's ``ResNet50_Weights.IMAGENET1K_V1.meta["categories"]``; a test
checks it still equals that list, and the URL below equals the weights' own.
"""

from pathlib import Path

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# MadryLab's CIFAR-10 normaliser (robustness.datasets.CIFAR), used when a checkpoint has none.
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2023, 0.1994, 0.2010)

# torchvision's ResNets: block kind and blocks per stage (models/resnets.py builds them).
RESNET_LAYOUTS = {
    "resnet18": ("basic", (2, 2, 2, 2)),
    "resnet34": ("basic", (3, 4, 6, 3)),
    "resnet50": ("bottleneck", (3, 4, 6, 3)),
    "resnet101": ("bottleneck", (3, 4, 23, 3)),
    "resnet152": ("bottleneck", (3, 8, 36, 3)),
}

TORCHVISION_RESNET50_URL = "https://download.pytorch.org/models/resnet50-0676ba61.pth"  # V1
IMAGENET_CLASSES = tuple(
    (Path(__file__).with_name("imagenet_classes.txt")).read_text(encoding="utf-8").splitlines()
)
