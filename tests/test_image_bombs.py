"""Small files that used to cost minutes or gigabytes are refused or reduced cheaply, and phone
photos come out upright (EXIF orientation applied)."""

import io
import tracemalloc

import numpy as np
import pytest
from PIL import Image

from boundary_core.data import images
from boundary_core.data.images import DECODED_PIXELS, load_image, read_image_bytes


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def test_exif_orientation_is_applied():
    array = np.zeros((20, 40, 3), dtype=np.uint8)  # landscape: 40 wide, 20 high
    array[:, :20] = 255  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    data = encode(Image.fromarray(array), "JPEG", exif=exif, quality=95)
    decoded = read_image_bytes(data)
    assert decoded.shape[:2] == (40, 20)  # portrait, as the camera meant
    assert decoded[:20].mean() > 200 and decoded[20:].mean() < 50  # white half now on top


def test_a_transparent_megapixel_png_is_refused_from_its_header():
    data = encode(Image.new("RGBA", (6324, 6324), (0, 0, 0, 0)))  # ~40 Mpx, ~150 KB
    tracemalloc.start()
    with pytest.raises(ValueError, match="pixels; the limit is"):
        read_image_bytes(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 20 * 2**20  # nothing decoded


def test_a_large_png_under_the_limit_is_reduced_before_floats():
    side = 2800  # 7.8 Mpx: allowed, decoded, then reduced to DECODED_PIXELS
    data = encode(Image.new("RGBA", (side, side), (255, 0, 0, 128)))
    array = read_image_bytes(data)
    assert array.shape[0] * array.shape[1] <= DECODED_PIXELS and array.dtype == np.uint8
    assert array.shape[0] == array.shape[1]  # aspect kept


def test_a_big_jpeg_is_decoded_at_reduced_scale():
    data = encode(Image.new("RGB", (4000, 3000), (10, 200, 30)), "JPEG")
    array = read_image_bytes(data)
    assert array.shape[0] * array.shape[1] <= DECODED_PIXELS
    assert abs(array.shape[1] / array.shape[0] - 4 / 3) < 0.01
    assert np.abs(array.reshape(-1, 3).mean(0) - (10, 200, 30)).max() < 3


def test_a_jpeg_with_too_many_scans_is_refused_before_decoding(monkeypatch):
    data = encode(Image.new("RGB", (64, 64), (1, 2, 3)), "JPEG", progressive=True)
    scans = data.count(b"\xff\xda")
    assert 1 < scans < images.MAX_JPEG_SCANS  # a normal progressive JPEG decodes
    read_image_bytes(data)
    monkeypatch.setattr(images, "MAX_JPEG_SCANS", scans - 1)
    with pytest.raises(ValueError, match=f"JPEG refused: {scans} scans"):
        read_image_bytes(data)


def test_the_cli_checks_a_file_size_before_reading_it(tmp_path, monkeypatch):
    path = tmp_path / "big.png"
    path.write_bytes(b"\x89PNG" + b"\0" * 2048)
    monkeypatch.setattr(images, "MAX_BYTES", 1024)
    read = []
    monkeypatch.setattr(type(path), "read_bytes", lambda self: read.append(self) or b"")
    with pytest.raises(ValueError, match="image file is 0.0 MiB; the limit is 0 MiB"):
        load_image(path, 32)
    assert read == []


def test_decoder_warnings_do_not_escape(recwarn):
    image = Image.new("RGB", (8, 8))
    exif = Image.Exif()
    exif[0x0112] = 99  # an invalid orientation value
    read_image_bytes(encode(image, "JPEG", exif=exif))
    assert not [w for w in recwarn if "PIL" in str(w.filename)]


@pytest.mark.parametrize("mode", ["I;16", "1", "P", "LA", "CMYK", "F"])
def test_large_images_of_every_mode_are_reduced_not_refused(mode):
    image = Image.new(mode, (2000, 1500))
    fmt = {"CMYK": "JPEG", "F": "TIFF"}.get(mode, "PNG")
    array = read_image_bytes(encode(image, fmt))
    assert array.shape[0] * array.shape[1] <= DECODED_PIXELS
    assert abs(array.shape[1] / array.shape[0] - 4 / 3) < 0.01
