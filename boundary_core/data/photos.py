"""The built-in offline photo gallery: scikit-image sample photos, a few of CIFAR-10 classes.

These photos ship inside scikit-image, so they load with no network. ``expected`` is the CIFAR-10
class a person would name (``None`` for out-of-distribution photos, kept on purpose).
"""

from dataclasses import dataclass

import numpy as np
import skimage.data
import torch

from boundary_core.data.images import center_square, preprocess, to_rgb_uint8


@dataclass(frozen=True)
class Photo:
    name: str
    loader: str  # attribute of skimage.data
    expected: str | None
    crop: tuple[float, float, float, float] | None = None  # (top, left, bottom, right) fractions


PHOTOS = (
    Photo("chelsea", "chelsea", "cat"),
    Photo("horse", "horse", "horse"),
    Photo("rocket", "rocket", None),
    Photo("motorcycle", "stereo_motorcycle", None),
    Photo("coffee", "coffee", None),
    Photo("astronaut", "astronaut", None),
    Photo("camera", "camera", None),
    Photo("hubble", "hubble_deep_field", None),
    Photo("colorwheel", "colorwheel", None),
)
PHOTO_NAMES = tuple(photo.name for photo in PHOTOS)


def photo_array(name: str) -> np.ndarray:
    """The named photo as ``(H, W, 3)`` uint8 (binary images become black on white)."""
    photo = _get(name)
    array = getattr(skimage.data, photo.loader)()
    if isinstance(array, tuple):  # stereo pairs
        array = array[0]
    if array.dtype == bool:
        array = np.where(array, 0, 255).astype(np.uint8)  # silhouette: dark object, light ground
    array = to_rgb_uint8(array)
    if photo.crop is not None:
        height, width = array.shape[:2]
        top, left, bottom, right = photo.crop
        array = array[
            int(top * height) : int(bottom * height), int(left * width) : int(right * width)
        ]
    return array


def load_photo(name: str, size: int = 32, crop_fraction: float = 1.0) -> torch.Tensor:
    """The named gallery photo preprocessed to ``(3, size, size)`` in ``[0, 1]``."""
    return preprocess(photo_array(name), size, crop_fraction)


def photo_set(size: int = 32, variants: int = 4) -> tuple[torch.Tensor, list[str]]:
    """A deterministic benchmark set: each photo's centre crop plus ``variants`` zoomed crops.

    Returns ``x (N, 3, size, size)`` and a name per row, e.g. ``"chelsea/zoom2"``.
    """
    images, names = [], []
    for photo in PHOTOS:
        square = center_square(photo_array(photo.name))
        side = square.shape[0]
        images.append(preprocess(square, size))
        names.append(photo.name)
        for index in range(variants):
            zoom = 0.9 - 0.1 * index  # 90%, 80%, ... of the side, alternating corners
            crop = int(side * zoom)
            offset = 0 if index % 2 == 0 else side - crop
            images.append(preprocess(square[offset : offset + crop, offset : offset + crop], size))
            names.append(f"{photo.name}/zoom{index + 1}")
    return torch.stack(images), names


def _get(name: str) -> Photo:
    for photo in PHOTOS:
        if photo.name == name:
            return photo
    raise ValueError(f"unknown gallery photo {name!r}; choose one of {', '.join(PHOTO_NAMES)}")
