"""A corpus of 200+ generated bad or odd files through the image loader: truncated and garbled
files of every format Pillow writes, header bombs, huge and 1-pixel sizes, animations, CMYK,
16-bit, float, palette, EXIF rotations and non-images. Every file is either read into a valid
image or refused with one ``ValueError`` line: no other exception, no escaped warning. A sample of
the refused files goes through the CLI in one subprocess: one ``error:`` line each on stderr.
"""

import io
import json
import struct
import subprocess
import sys
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image

from boundary_core.data.images import load_image, read_image_bytes
from boundary_core.limits import MAX_BYTES
from boundary_core.paths import ROOT

rng = np.random.default_rng(0)
PICTURE = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
FORMATS = {  # format: (mode, save options)
    "PNG": ("RGB", {}),
    "JPEG": ("RGB", {"quality": 90}),
    "JPEG progressive": ("RGB", {"progressive": True}),
    "GIF": ("P", {}),
    "BMP": ("RGB", {}),
    "TIFF": ("RGB", {}),
    "TIFF lzw": ("RGB", {"compression": "tiff_lzw"}),
    "TIFF deflate": ("RGB", {"compression": "tiff_adobe_deflate"}),
    "TIFF packbits": ("RGB", {"compression": "packbits"}),
    "WEBP": ("RGB", {}),
    "ICO": ("RGBA", {}),
    "PPM": ("RGB", {}),
    "TGA": ("RGB", {}),
    "PCX": ("RGB", {}),
    "SGI": ("RGB", {}),
    "IM": ("RGB", {}),
    "DDS": ("RGB", {}),
    "QOI": ("RGB", {}),
    "JPEG2000": ("RGB", {}),
    "XBM": ("1", {}),
}


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt.split()[0], **options)
    return buffer.getvalue()


def picture(mode: str, size=(32, 24)) -> Image.Image:
    image = Image.fromarray(PICTURE).resize(size)
    return image.convert(mode) if mode != "P" else image.quantize(16)


def broken_variants(name: str, data: bytes) -> dict[str, bytes]:
    """Cut at several points, garbled in the middle, header only, magic plus noise."""
    garbled = bytearray(data)
    middle = len(data) // 2
    garbled[middle : middle + 64] = bytes(64)
    noise = rng.integers(0, 256, 400, dtype=np.uint8).tobytes()
    variants = {
        f"{name} cut {percent}%": data[: len(data) * percent // 100] for percent in (10, 50, 90)
    }
    variants |= {
        f"{name} whole": data,
        f"{name} header only": data[:16],
        f"{name} garbled": bytes(garbled),
        f"{name} magic + noise": data[:8] + noise,
        f"{name} last byte gone": data[:-1],
    }
    return variants


def format_files() -> dict[str, bytes]:
    files = {}
    for name, (mode, options) in FORMATS.items():
        files |= broken_variants(name, encode(picture(mode), name, **options))
    png = encode(picture("RGB"), "PNG")
    jpeg = encode(picture("RGB"), "JPEG")
    for cut in range(20, len(png), max(1, len(png) // 12)):
        files[f"PNG cut at {cut}"] = png[:cut]
    for cut in range(20, len(jpeg), max(1, len(jpeg) // 12)):
        files[f"JPEG cut at {cut}"] = jpeg[:cut]
    for seed in range(8):
        noisy = bytearray(png)
        where = np.random.default_rng(seed).integers(8, len(png), 6)
        for index in where:
            noisy[index] ^= 0xFF
        files[f"PNG flipped bytes {seed}"] = bytes(noisy)
    return files


def mode_files() -> dict[str, bytes]:
    gray16 = Image.fromarray((PICTURE[..., 0].astype(np.uint16) * 257), mode="I;16")
    floats = PICTURE[..., 0].astype(np.float32) / 255
    with_nan = floats.copy()
    with_nan[0, 0] = np.nan
    constant = np.full((8, 8), 7.0, dtype=np.float32)
    return {
        "CMYK JPEG": encode(picture("CMYK"), "JPEG"),
        "CMYK TIFF": encode(picture("CMYK"), "TIFF"),
        "16-bit PNG": encode(gray16, "PNG"),
        "16-bit TIFF": encode(gray16, "TIFF"),
        "32-bit int TIFF": encode(Image.fromarray(PICTURE[..., 0].astype(np.int32)), "TIFF"),
        "float TIFF": encode(Image.fromarray(floats), "TIFF"),
        "float TIFF with NaN": encode(Image.fromarray(with_nan), "TIFF"),
        "constant float TIFF": encode(Image.fromarray(constant), "TIFF"),
        "palette PNG": encode(picture("P"), "PNG"),
        "palette PNG transparent": encode(picture("P"), "PNG", transparency=0),
        "LA PNG": encode(picture("LA"), "PNG"),
        "RGBA PNG": encode(picture("RGBA"), "PNG"),
        "1-bit PNG": encode(picture("1"), "PNG"),
        "L JPEG": encode(picture("L"), "JPEG"),
        "YCbCr TIFF": encode(picture("RGB"), "TIFF", compression="jpeg"),
        "LAB TIFF": encode(picture("LAB"), "TIFF"),
        "HSV as RGB PNG": encode(picture("HSV").convert("RGB"), "PNG"),
    }


def size_files() -> dict[str, bytes]:
    png = encode(Image.new("RGB", (64, 64)), "PNG")
    ihdr = 16  # width, height (big-endian) follow the IHDR tag
    header = b"IHDR" + struct.pack(">II", 100_000, 100_000) + png[ihdr + 8 : ihdr + 13]
    crc = struct.pack(">I", zlib.crc32(header))  # a valid chunk: Pillow reads the size
    huge_png = png[: ihdr - 4] + header + crc + png[ihdr + 17 :]
    jpeg = bytearray(encode(Image.new("RGB", (64, 64)), "JPEG"))
    sof = jpeg.index(b"\xff\xc0") + 5  # height, width after the marker, length and precision
    jpeg[sof : sof + 4] = struct.pack(">HH", 60_000, 60_000)
    bmp = bytearray(encode(Image.new("RGB", (8, 8)), "BMP"))
    bmp[18:26] = struct.pack("<ii", 50_000, 50_000)
    return {
        "1x1 PNG": encode(Image.new("RGB", (1, 1), "red"), "PNG"),
        "1x1 GIF": encode(Image.new("P", (1, 1)), "GIF"),
        "1x2000 PNG": encode(Image.new("L", (1, 2000)), "PNG"),
        "2000x1 PNG": encode(Image.new("L", (2000, 1)), "PNG"),
        "3x3000 JPEG": encode(Image.new("RGB", (3, 3000)), "JPEG"),
        "40 Mpx transparent PNG": encode(Image.new("RGBA", (6324, 6324)), "PNG"),
        "9 Mpx PNG": encode(Image.new("L", (3000, 3000)), "PNG"),
        "PNG header says 10^10 pixels": huge_png,
        "JPEG header says 3.6 Gpx": bytes(jpeg),
        "BMP header says 2.5 Gpx": bytes(bmp),
        "GIF 20000x20000": encode(Image.new("P", (20000, 20000)), "GIF"),
        "JPEG with 200 scans": encode(Image.new("RGB", (8, 8)), "JPEG") + b"\xff\xda" * 200,
        "ICO with a 9 Mpx PNG": _ico_with_png(3000, 3000),
        "ICO with a small PNG": _ico_with_png(40, 30),
    }


def _ico_with_png(width: int, height: int) -> bytes:
    png = encode(Image.new("RGB", (width, height)), "PNG")
    return (
        struct.pack("<HHH", 0, 1, 1)
        + struct.pack("<BBBBHHII", 0, 0, 0, 0, 1, 32, len(png), 22)
        + png
    )


def animated_and_rotated_files() -> dict[str, bytes]:
    frames = [picture("RGB"), picture("RGB").rotate(90), picture("RGB").rotate(180)]
    files = {
        f"animated {fmt}": encode(frames[0], fmt, save_all=True, append_images=frames[1:])
        for fmt in ("GIF", "PNG", "WEBP", "TIFF")
    }
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        files[f"EXIF orientation {orientation}"] = encode(picture("RGB"), "JPEG", exif=exif)
    bad_exif = encode(picture("RGB"), "JPEG", exif=b"Exif\x00\x00MM\x00*garbage")
    files["EXIF garbage"] = bad_exif
    return files


def non_images() -> dict[str, bytes]:
    files = {
        "empty": b"",
        "one byte": b"\x00",
        "text": b"hello, this is not an image\n" * 20,
        "html": b"<!doctype html><html><body><img src=x></body></html>",
        "svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>',
        "json": json.dumps({"image": [1, 2, 3]}).encode(),
        "zip": b"PK\x03\x04" + bytes(100),
        "pdf header": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(50),
        "elf": b"\x7fELF" + bytes(60),
        "safetensors": struct.pack("<Q", 2) + b"{}",
        "utf-16 text": "not an image".encode("utf-16"),
    }
    files |= {f"random bytes {seed}": np.random.default_rng(seed).bytes(500) for seed in range(10)}
    return files


def corpus() -> dict[str, bytes]:
    return (
        format_files() | mode_files() | size_files() | animated_and_rotated_files() | non_images()
    )


def outcome(path) -> tuple[str, str]:
    """("read", shape) or ("refused", message); any other exception propagates."""
    try:
        x = load_image(path, 64)
    except ValueError as error:
        return "refused", str(error)
    assert x.shape == (3, 64, 64) and bool(x.isfinite().all()), path.name
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0, path.name
    return "read", "ok"


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    files = corpus()
    for index, data in enumerate(files.values()):
        (folder / f"{index:03d}.bin").write_bytes(data)
    (folder / "names.json").write_text(json.dumps(list(files)))
    with open(folder / "sparse-over-limit.png", "wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: nothing written, refused before it is read
    return folder


def test_every_file_is_read_or_refused_in_one_line(corpus_dir):
    names = json.loads((corpus_dir / "names.json").read_text())
    paths = sorted(corpus_dir.glob("*.bin")) + [corpus_dir / "sparse-over-limit.png"]
    assert len(paths) >= 200
    uncaught, results = [], {}
    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        for path in paths:
            name = names[int(path.stem)] if path.suffix == ".bin" else path.name
            try:
                results[name] = outcome(path)
            except Exception as error:  # noqa: BLE001 - what this test counts
                uncaught.append(f"{name}: {type(error).__name__}: {error}")
    assert uncaught == []
    assert [str(w.message) for w in escaped] == []
    refusals = {name: message for name, (kind, message) in results.items() if kind == "refused"}
    assert all(message and "\n" not in message for message in refusals.values())
    # the corpus holds both outcomes, and the right ones where the answer is known
    for name in ("40 Mpx transparent PNG", "9 Mpx PNG", "ICO with a 9 Mpx PNG", "empty", "text"):
        assert name in refusals, name
    assert "pixels; the limit is" in refusals["GIF 20000x20000"]
    assert "MiB; the limit is" in refusals["sparse-over-limit.png"]
    for name in ("CMYK JPEG", "16-bit PNG", "1x1 PNG", "animated GIF", "EXIF orientation 6"):
        assert results[name][0] == "read", name


def test_exif_rotations_come_out_upright():
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        data = encode(picture("RGB", size=(40, 20)), "JPEG", exif=exif)
        height, width = read_image_bytes(data).shape[:2]
        assert (height, width) == ((40, 20) if orientation >= 5 else (20, 40)), orientation


CLI_PROBE = """
import sys
from boundary_core.cli import main
for path in sys.argv[1:]:
    print("=== " + path, file=sys.stderr, flush=True)
    code = main(["explain", "--model", "shapes-standard", "--methods", "sm", "--image", path])
    print("=== code %d" % code, file=sys.stderr, flush=True)
"""


def test_a_sample_of_refused_files_is_one_line_each_through_the_cli(corpus_dir):
    names = json.loads((corpus_dir / "names.json").read_text())
    wanted = {
        "TIFF deflate garbled",
        "TIFF cut 50%",
        "TIFF packbits cut 10%",
        "JPEG progressive cut 50%",
        "PNG header says 10^10 pixels",
        "ICO with a 9 Mpx PNG",
        "JPEG with 200 scans",
        "random bytes 3",
        "empty",
    }
    paths = [str(corpus_dir / f"{names.index(name):03d}.bin") for name in sorted(wanted)]
    for path in paths:  # the sample is refused by the loader itself
        with pytest.raises(ValueError):
            load_image(path, 64)
    paths.append(str(corpus_dir / "sparse-over-limit.png"))
    done = subprocess.run(
        [sys.executable, "-c", CLI_PROBE, *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    blocks = done.stderr.split("=== ")[1:]
    assert len(blocks) == 2 * len(paths), done.stderr
    for start, end in zip(blocks[::2], blocks[1::2], strict=True):
        path, *lines = start.rstrip("\n").split("\n")
        assert end.strip() == "code 2", (path, start, end)
        assert len(lines) == 1 and lines[0].startswith("error: "), (path, lines)
