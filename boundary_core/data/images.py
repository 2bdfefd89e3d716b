"""Reading user images safely and preprocessing them the same way everywhere.

Preprocessing: convert to 8-bit RGB (grayscale, palette, RGBA over white, 16-bit and float images
rescaled), centre-crop to a square, resize with Pillow's antialiased bicubic filter, scale to
``[0, 1]``. Output is ``(3, H, W)`` float32.
"""

import io
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

MAX_PIXELS = 40_000_000  # refuse decompression bombs and absurd uploads
MAX_BYTES = 50 * 1024 * 1024


def unit_range(array: np.ndarray) -> np.ndarray:
    """Scale pixel values to float ``[0, 1]``: unsigned ints by their type's maximum, bools as
    0/1, other numbers kept if already in ``[0, 1]``, else min-max scaled."""
    if array.dtype == bool:
        return array.astype(np.float64)
    if array.dtype.kind == "u":
        return array.astype(np.float64) / np.iinfo(array.dtype).max
    array = array.astype(np.float64)
    low, high = float(array.min()), float(array.max())
    if not np.isfinite([low, high]).all():
        raise ValueError("image contains NaN or infinite values")
    if 0.0 <= low and high <= 1.0:
        return array
    return (array - low) / (high - low) if high > low else np.zeros_like(array)


def to_rgb_uint8(array: np.ndarray) -> np.ndarray:
    """Any ``(H, W)``, ``(H, W, 1|3|4)`` bool/int/float array → ``(H, W, 3)`` uint8.

    Grayscale is repeated over channels; an alpha channel is composited over white.
    """
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    if array.ndim != 3 or array.shape[-1] not in (3, 4):
        raise ValueError(f"expected an image of shape (H, W[, 1|3|4]), got {array.shape}")
    if array.dtype == np.uint8 and array.shape[-1] == 3:
        return array
    values = unit_range(array)
    if values.shape[-1] == 4:
        alpha = values[..., 3:4]
        values = values[..., :3] * alpha + (1.0 - alpha)
    return np.round(values * 255).astype(np.uint8)


def center_square(array: np.ndarray, fraction: float = 1.0) -> np.ndarray:
    """Centred square crop of an ``(H, W, C)`` array, ``fraction`` of its shorter side (1: the
    largest square; ImageNet's resize 256 + centre crop 224 keeps 224/256 = 0.875)."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"crop fraction must be in (0, 1], got {fraction}")
    height, width = array.shape[:2]
    side = max(1, round(min(height, width) * fraction))
    top, left = (height - side) // 2, (width - side) // 2
    return array[top : top + side, left : left + side]


def preprocess(array: np.ndarray, size: int, crop_fraction: float = 1.0) -> torch.Tensor:
    """Image array → ``(3, size, size)`` float32 in ``[0, 1]``: a centred square of
    ``crop_fraction`` of the shorter side (a model's ``ModelSpec.crop_fraction``), bicubic resize.
    """
    square = center_square(to_rgb_uint8(array), crop_fraction)
    resized = Image.fromarray(square).resize((size, size), Image.Resampling.BICUBIC)
    return (
        torch.from_numpy(np.asarray(resized, dtype=np.float32) / 255.0)
        .permute(2, 0, 1)
        .contiguous()
    )


def read_image_bytes(data: bytes) -> np.ndarray:
    """Decode image bytes with Pillow into an array, with clear errors for bad input."""
    if len(data) > MAX_BYTES:
        raise ValueError(
            f"image file is {len(data) / 2**20:.1f} MiB; the limit is {MAX_BYTES // 2**20} MiB"
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValueError(
                    f"image is {image.width}×{image.height} pixels; the limit is {MAX_PIXELS:,}"
                )
            image.load()
            if image.mode == "P":
                image = image.convert("RGBA")
            if image.mode in ("I;16", "I;16B", "I;16L"):
                return np.asarray(image).astype(np.uint16)
            if image.mode in ("I", "F"):
                return np.asarray(image, dtype=np.float64)
            if image.mode not in ("L", "RGB", "RGBA", "1"):
                image = image.convert("RGB")
            return np.asarray(image)
    except UnidentifiedImageError:
        raise ValueError(
            "not a readable image: Pillow does not recognise the file format"
        ) from None
    except Image.DecompressionBombError as error:
        raise ValueError(f"image refused: {error}") from None
    except (OSError, SyntaxError) as error:  # truncated or corrupt files
        raise ValueError(f"could not decode image (truncated or corrupt?): {error}") from None


def load_image(path: str | Path, size: int, crop_fraction: float = 1.0) -> torch.Tensor:
    """Read an image file and preprocess it to ``(3, size, size)`` in ``[0, 1]``."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no such image file: {path}")
    return preprocess(read_image_bytes(path.read_bytes()), size, crop_fraction)
