"""Reading user images safely and preprocessing them the same way everywhere.

Preprocessing: convert to 8-bit RGB (grayscale, palette, RGBA over white, 16-bit and float images
rescaled), centre-crop to a square, resize with Pillow's antialiased bicubic filter, scale to
``[0, 1]``. Output is ``(3, H, W)`` float32.
"""

import io
import os
import re
import struct
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from boundary_core.limits import (  # every limit in one place
    DECODED_PIXELS,
    MAX_BYTES,
    MAX_JPEG_PIXELS,
    MAX_JPEG_SCANS,
    MAX_PIXELS,
)


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
    """Decode image bytes with Pillow into an array; every refusal is one ``ValueError`` line.

    Sizes are checked from the header before anything is decoded (an ICO's entries before Pillow
    opens it: Pillow decodes an ICO on open). Decoder warnings are silenced: a refusal is the
    error alone (the C decoders' own stderr lines are silenced by ``quiet_native_stderr``).
    """
    check_file_size(len(data))
    _check_ico(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # before open: TIFF and EXIF warn while reading headers
        try:
            with Image.open(io.BytesIO(data)) as image:
                _check_pixels(image.width, image.height, image.format)
                if image.format == "JPEG":
                    _check_jpeg_scans(data)
                    image.draft(image.mode, _reduced_size(image.size))  # decode at 1/2 .. 1/8
                image.load()
                return _as_array(_reduced(ImageOps.exif_transpose(image)))
        except LimitError:
            raise
        except UnidentifiedImageError:
            raise ValueError(
                "not a readable image: Pillow does not recognise the file format"
            ) from None
        except Image.DecompressionBombError as error:  # Pillow's own, larger limit
            raise LimitError(_pixel_refusal(_bomb_pixels(error), None, None)) from None
        except MemoryError:
            raise ValueError("could not decode image: out of memory") from None
        except Exception as error:  # noqa: BLE001 - Pillow raises ~10 types for corrupt files
            reason = f"{error}".splitlines()[0] if str(error) else type(error).__name__
            raise ValueError(f"could not decode image (truncated or corrupt?): {reason}") from None


class LimitError(ValueError):
    """An image over one of ``boundary_core.limits`` (pixels: one wording for every format and
    for Pillow's own refusal)."""


def _pixel_refusal(pixels: int, size: tuple[int, int] | None, fmt: str | None) -> str:
    """The one wording: ``image is W×H pixels; the limit is N pixels``."""
    limit = f"{MAX_JPEG_PIXELS if fmt == 'JPEG' else MAX_PIXELS:,} pixels"
    if fmt is None:  # Pillow's own refusal does not say the format
        limit = f"{MAX_PIXELS:,} pixels ({MAX_JPEG_PIXELS:,} for a JPEG)"
    shape = f"{size[0]}×{size[1]} pixels" if size else f"{pixels:,} pixels"
    return f"image is {shape}; the limit is {limit}"


def _check_pixels(width: int, height: int, fmt: str | None) -> None:
    limit = MAX_JPEG_PIXELS if fmt == "JPEG" else MAX_PIXELS
    if width * height > limit:
        raise LimitError(_pixel_refusal(width * height, (width, height), fmt))


def _bomb_pixels(error: Exception) -> int:
    match = re.search(r"\((\d+) pixels\)", str(error))
    return int(match.group(1)) if match else MAX_JPEG_PIXELS + 1


def _check_ico(data: bytes) -> None:
    """Refuse an ICO whose entries (BMP or embedded PNG) are over ``MAX_PIXELS``, from the bytes:
    Pillow's ICO reader decodes the largest entry while opening the file."""
    if not data.startswith(b"\x00\x00\x01\x00") or len(data) < 6:
        return
    (count,) = struct.unpack_from("<H", data, 4)
    for index in range(count):
        entry = 6 + 16 * index
        if entry + 16 > len(data):
            return  # Pillow refuses the truncated directory itself
        width, height = data[entry] or 256, data[entry + 1] or 256
        (offset,) = struct.unpack_from("<I", data, entry + 12)
        if data[offset : offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + 24 <= len(data):
            width, height = struct.unpack_from(">II", data, offset + 16)  # the PNG's IHDR
        _check_pixels(width, height, "ICO")


def _as_array(image: Image.Image) -> np.ndarray:
    """A decoded image in a mode ``to_rgb_uint8`` takes (16-bit and float kept as numbers)."""
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("I;16", "I;16B", "I;16L"):
        return np.asarray(image).astype(np.uint16)
    if image.mode in ("I", "F"):
        return np.asarray(image, dtype=np.float64)
    if image.mode not in ("L", "RGB", "RGBA", "1"):
        image = image.convert("RGB")
    return np.asarray(image)


def check_file_size(n_bytes: int) -> None:
    """The one size refusal for image files (uploads, the CLI, the API)."""
    if n_bytes > MAX_BYTES:
        raise ValueError(
            f"image file is {n_bytes / 2**20:.1f} MiB; the limit is {MAX_BYTES // 2**20} MiB"
        )


@contextmanager
def quiet_native_stderr():
    """Silence file descriptor 2 for the block: libtiff and other C decoders print their own
    lines there, which no Python warning filter reaches. Process-wide, so for command-line tools
    only (a server's other threads would lose their stderr meanwhile)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as sink:
            os.dup2(sink.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _reduced_size(size: tuple[int, int]) -> tuple[int, int]:
    """``size`` scaled (aspect kept) to at most ``DECODED_PIXELS`` pixels."""
    width, height = size
    scale = min(1.0, (DECODED_PIXELS / (width * height)) ** 0.5)
    return max(1, int(width * scale)), max(1, int(height * scale))


def _reduced(image: Image.Image) -> Image.Image:
    """The decoded image brought under ``DECODED_PIXELS`` in its own mode (integer box
    reduction, then an exact resize), before any conversion to floats."""
    target = _reduced_size(image.size)
    if target == image.size:
        return image
    if image.mode in ("1", "P"):  # neither reduces nor resamples smoothly as it is
        image = image.convert("L" if image.mode == "1" else "RGBA")
    factor = max(1, min(image.width // target[0], image.height // target[1]))
    if factor > 1 and not image.mode.startswith("I;16"):  # Pillow reduces no 16-bit mode
        image = image.reduce(factor)
    return image.resize(target, Image.Resampling.BICUBIC) if image.size != target else image


def _check_jpeg_scans(data: bytes) -> None:
    """Refuse a JPEG with more than ``MAX_JPEG_SCANS`` scans (start-of-scan markers FFDA: inside
    entropy-coded data an FF byte is always followed by 00, so the count is exact)."""
    scans = data.count(b"\xff\xda")
    if scans > MAX_JPEG_SCANS:
        raise LimitError(f"JPEG refused: {scans} scans (the limit is {MAX_JPEG_SCANS})")


def load_image(path: str | Path, size: int, crop_fraction: float = 1.0) -> torch.Tensor:
    """Read an image file and preprocess it to ``(3, size, size)`` in ``[0, 1]``; the file's
    size is checked before it is read."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no such image file: {path}")
    check_file_size(path.stat().st_size)
    return preprocess(read_image_bytes(path.read_bytes()), size, crop_fraction)
