"""Reading user images: every format becomes (3, H, W) in [0, 1]; bad files are clear errors."""

import io

import numpy as np
import pytest
from PIL import Image

from boundary_core.data.images import preprocess, read_image_bytes


def encode(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "image",
    [
        Image.new("L", (40, 30), 128),
        Image.new("RGBA", (30, 40), (255, 0, 0, 0)),
        Image.new("P", (20, 20)),
        Image.new("1", (20, 20), 1),
        Image.fromarray(np.full((20, 30), 40000, dtype=np.uint16)),
    ],
    ids=["grayscale", "rgba", "palette", "binary", "16-bit"],
)
def test_modes_become_rgb_in_unit_range(image):
    x = preprocess(read_image_bytes(encode(image)), 32)
    assert x.shape == (3, 32, 32) and x.dtype.is_floating_point
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0


def test_transparent_pixels_are_composited_on_white():
    x = preprocess(read_image_bytes(encode(Image.new("RGBA", (8, 8), (255, 0, 0, 0)))), 8)
    assert float(x.min()) > 0.99


def test_centre_crop_keeps_the_middle():
    array = np.zeros((10, 30, 3), dtype=np.uint8)
    array[:, 10:20] = 255  # white centre square, black sides
    assert float(preprocess(array, 10).min()) > 0.99


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"definitely not an image", "not a readable image"),
        (encode(Image.new("RGB", (64, 64)))[:60], "truncated or corrupt"),
    ],
)
def test_bad_bytes_are_value_errors(data, message):
    with pytest.raises(ValueError, match=message):
        read_image_bytes(data)


def test_huge_images_are_refused(monkeypatch):
    monkeypatch.setattr("boundary_core.data.images.MAX_PIXELS", 100)
    with pytest.raises(ValueError, match="limit"):
        read_image_bytes(encode(Image.new("RGB", (20, 20))))
