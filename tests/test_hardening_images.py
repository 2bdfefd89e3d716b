"""One-line refusals for images: an ICO is checked before Pillow decodes it, the pixel limits
share one wording (ours and Pillow's own), decoder warnings never reach the user, and the CLI's
refusal of a corrupt TIFF is one line on stderr (libtiff writes its own lines to fd 2)."""

import io
import struct
import subprocess
import sys
import warnings

import numpy as np
import pytest
from PIL import IcoImagePlugin, Image

from boundary_core import limits
from boundary_core.data import images
from boundary_core.data.images import read_image_bytes

PIXEL_WORDING = r"^image is [\d,×]+ pixels; the limit is [\d,]+ pixels"


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def ico_with_png(width: int, height: int) -> bytes:
    """An ICO whose one entry is a PNG of ``width``×``height`` (Pillow writes at most 256²)."""
    png = encode(Image.new("RGB", (width, height)), "PNG")
    directory = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", 0, 0, 0, 0, 1, 32, len(png), 6 + 16)
    return directory + entry + png


def test_the_limits_live_in_one_place():
    for name in ("MAX_BYTES", "DECODED_PIXELS", "MAX_PIXELS", "MAX_JPEG_PIXELS", "MAX_JPEG_SCANS"):
        assert getattr(images, name) == getattr(limits, name)


def test_a_huge_ico_is_refused_before_pillow_decodes_it(monkeypatch):
    def no_decoding(*args, **kwargs):
        raise AssertionError("the ICO was decoded before the pixel check")

    monkeypatch.setattr(IcoImagePlugin.IcoFile, "frame", no_decoding)
    with pytest.raises(ValueError, match=PIXEL_WORDING):
        read_image_bytes(ico_with_png(3000, 3000))  # 9 Mpx > MAX_PIXELS


def test_a_small_ico_still_decodes():
    array = read_image_bytes(ico_with_png(48, 32))
    assert array.shape[:2] == (32, 48)


def test_pillows_own_bomb_refusal_has_our_wording(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 50)  # Pillow refuses over 2× this at open
    monkeypatch.setattr(images, "MAX_PIXELS", 10**6)
    with pytest.raises(ValueError, match=PIXEL_WORDING + r" \(.* for a JPEG\)$"):
        read_image_bytes(encode(Image.new("RGB", (20, 20)), "PNG"))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF"])
def test_every_format_says_the_pixel_limit_the_same_way(monkeypatch, fmt):
    monkeypatch.setattr(images, "MAX_PIXELS", 100)
    monkeypatch.setattr(images, "MAX_JPEG_PIXELS", 100)
    with pytest.raises(ValueError, match=PIXEL_WORDING + "$"):
        read_image_bytes(encode(Image.new("RGB", (20, 20)), fmt))


def truncated_tiff() -> bytes:
    pixels = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    data = encode(Image.fromarray(pixels), "TIFF", compression="packbits")
    return data[: len(data) * 3 // 10]  # the IFD is cut: Pillow warns "Corrupt EXIF data"


def garbled_lzw_tiff() -> bytes:
    pixels = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    data = bytearray(encode(Image.fromarray(pixels), "TIFF", compression="tiff_lzw"))
    middle = len(data) // 2
    data[middle : middle + 200] = bytes(200)  # libtiff prints "LZWDecode: ..." to fd 2
    return bytes(data)


def test_decoder_warnings_do_not_escape_a_refusal():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning that escapes fails the test
        with pytest.raises(ValueError) as caught:
            read_image_bytes(truncated_tiff())
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("maker", [truncated_tiff, garbled_lzw_tiff])
def test_the_cli_refuses_a_corrupt_tiff_in_one_line(tmp_path, maker):
    path = tmp_path / "bad.tif"
    path.write_bytes(maker())
    command = [sys.executable, "-m", "boundary_core", "explain", "--model", "shapes-standard"]
    done = subprocess.run(
        [*command, "--image", str(path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: "), done.stderr
