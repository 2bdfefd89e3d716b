"""Where a front's image comes from: the photo gallery, the shapes benchmark gallery (with boxes)
or uploaded bytes, as a ``Picture`` (the image and what is known about it). Shared by the
Streamlit pages, the Gradio app and the benchmarks; the Streamlit upload widget's bytes come
from ``ui/sources.py``."""

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from boundary_core.data.images import preprocess, read_image_bytes
from boundary_core.data.photos import PHOTO_NAMES, load_photo
from boundary_core.data.shapes import make_counterfactual
from boundary_core.paths import SHAPES_GALLERY_DIR as SHAPES_GALLERY

DOMAINS = {
    "photos": "Photos (CIFAR-10)",
    "shapes": "Shapes benchmark (boxes)",
    "upload": "Upload",
}


@dataclass(frozen=True)
class Picture:
    """One input image and what is known about it."""

    image: np.ndarray  # (3, H, W) float32 in [0, 1]
    name: str
    true_label: str | None = None
    box: tuple[int, int, int, int] | None = None  # (x0, y0, x1, y1), half-open, image pixels
    distractor_box: tuple[int, int, int, int] | None = None
    shapes_id: tuple[int, int] | None = None  # (index, seed) of the shapes stream, if from it


@lru_cache(maxsize=1)
def shapes_index() -> dict:
    return json.loads((SHAPES_GALLERY / "index.json").read_text())


def shapes_names() -> list[str]:
    return [entry["file"].removesuffix(".png") for entry in shapes_index()["images"]]


def models_for(domain: str, all_models: list[str]) -> list[str]:
    """Models that fit a gallery domain (uploads go to any model)."""
    if domain == "photos":
        return [m for m in all_models if m.startswith("cifar10")] or all_models
    if domain == "shapes":
        return [m for m in all_models if m.startswith("shapes")] or all_models
    return all_models


def gallery_names(domain: str) -> list[str]:
    return list(PHOTO_NAMES) if domain == "photos" else shapes_names()


def _resize_box(box, source: int, size: int):
    if box is None:
        return None
    if source == size:
        return tuple(box)
    scale = size / source
    return tuple(int(round(v * scale)) for v in box)


def photo_picture(name: str, size: int, crop_fraction: float = 1.0) -> Picture:
    return Picture(load_photo(name, size, crop_fraction).numpy(), name)


def shapes_picture(name: str, size: int = 64) -> Picture:
    """A shapes gallery image, its class and boxes (rescaled if the model's size differs)."""
    for entry in shapes_index()["images"]:
        if entry["file"].removesuffix(".png") == name:
            break
    else:
        raise ValueError(f"unknown shapes gallery image {name!r}")
    data = (SHAPES_GALLERY / entry["file"]).read_bytes()
    array = read_image_bytes(data)
    source = array.shape[0]
    return Picture(
        preprocess(array, size).numpy(),
        name,
        entry["class_name"],
        _resize_box(entry["box"], source, size),
        _resize_box(entry["distractor_box"], source, size),
        (entry["index"], entry["seed"]),
    )


def upload_picture(
    data: bytes, size: int, name: str = "upload", crop_fraction: float = 1.0
) -> Picture:
    """Uploaded bytes → Picture; raises ValueError with a clear reason for bad input."""
    if not data:
        raise ValueError("the file is empty")
    return Picture(preprocess(read_image_bytes(data), size, crop_fraction).numpy(), name)


def gallery_picture(domain: str, name: str, size: int, crop_fraction: float = 1.0) -> Picture:
    """A gallery picture for a model of input ``size`` (photos keep ``crop_fraction`` of their
    shorter side, as the model's preprocessing does; shapes images are shown whole)."""
    if domain == "photos":
        return photo_picture(name, size, crop_fraction)
    return shapes_picture(name, size)


def without_distractor(picture: Picture) -> np.ndarray | None:
    """The same shapes image re-painted without its distractor object (pixel-exact otherwise)."""
    if picture.shapes_id is None or picture.distractor_box is None:
        return None
    index, seed = picture.shapes_id
    image = make_counterfactual(index, seed=seed, remove="distractor")
    size = picture.image.shape[-1]
    if image.shape[-1] != size:
        image = torch.nn.functional.interpolate(image[None], size=(size, size), mode="area")[0]
    return image.numpy()


def erase_rectangle(image: np.ndarray, box, fill: str = "mean") -> np.ndarray:
    """A copy of ``image (3, H, W)`` with ``box (x0, y0, x1, y1)`` filled with the image's mean
    colour (``"mean"``), black, white or a Gaussian blur of the image (``"blur"``)."""
    x0, y0, x1, y1 = (int(v) for v in box)
    out = image.copy()
    if fill == "mean":
        value = image.mean(axis=(1, 2), keepdims=True)
    elif fill in ("black", "white"):
        value = np.full((3, 1, 1), 0.0 if fill == "black" else 1.0, dtype=image.dtype)
    elif fill == "blur":
        from scipy.ndimage import gaussian_filter

        value = gaussian_filter(image, sigma=(0, 4, 4))[:, y0:y1, x0:x1]
    else:
        raise ValueError(f"fill must be mean, black, white or blur, got {fill!r}")
    out[:, y0:y1, x0:x1] = value
    return out
