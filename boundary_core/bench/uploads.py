"""Image bombs: CPU seconds and extra memory for each hostile or huge file until it is refused or
reduced (target: ≤ 2 s of CPU and ≤ 200 MB each).

Each file is generated here, then read by ``read_image_bytes`` in a fresh process, so Pillow's C
allocations count: the peak resident set (Linux ``VmHWM``, reset just before the read) minus the
resident set before the read.
"""

import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from boundary_core.paths import ROOT

TARGET_CPU_SECONDS = 2.0
TARGET_EXTRA_MB = 200.0
SCAN_MARKER = b"\xff\xda"  # JPEG start of scan

_PROBE = """
import json, sys, time
from boundary_core.data.images import read_image_bytes

def kib(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

data = open(sys.argv[1], "rb").read()
open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to the current RSS
before = kib("VmRSS")
start = time.process_time()
try:
    shape, outcome = list(read_image_bytes(data).shape), "read"
except ValueError as error:
    shape, outcome = None, "refused: " + str(error)
cpu = time.process_time() - start
extra = (kib("VmHWM") - before) / 1024
print(json.dumps({"cpu": cpu, "extra_mb": extra, "shape": shape, "outcome": outcome}))
"""


def add_arguments(parser) -> None:
    del parser  # the files are fixed


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def bomb_files() -> dict[str, bytes]:
    """Name → bytes of each file the benchmark reads."""
    progressive = _encode(Image.new("RGB", (256, 256), (9, 9, 9)), "JPEG", progressive=True)
    head, tail = progressive.split(SCAN_MARKER, 1)
    files = {
        "40 Mpx transparent PNG (6324²)": _encode(Image.new("RGBA", (6324, 6324)), "PNG"),
        "16 Mpx transparent PNG (4000²)": _encode(Image.new("RGBA", (4000, 4000)), "PNG"),
        "8.4 Mpx transparent PNG (2896², the largest allowed)": _encode(
            Image.new("RGBA", (2896, 2896)), "PNG"
        ),
        "48 Mpx phone-size JPEG (8000×6000)": _encode(
            Image.new("RGB", (8000, 6000), (120, 80, 40)), "JPEG", quality=90
        ),
        "16-bit 8.4 Mpx PNG (2896²)": _encode(Image.new("I;16", (2896, 2896), 40000), "PNG"),
    }
    repeated = head + (SCAN_MARKER + tail) * 5000  # a decodable file's scans, 5000 times over
    scans = repeated.count(SCAN_MARKER)
    files[f"JPEG with {scans:,} scan markers"] = repeated
    return files


def _probe(path: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,  # the probe imports boundary_core from this checkout
    )
    return json.loads(done.stdout)


def run(args) -> str:
    del args
    lines = [
        "Each file read once by `read_image_bytes` in a fresh process: CPU seconds and peak "
        "resident memory above the process before the read.",
        "",
        "| file | bytes | outcome | CPU s | extra MB |",
        "|---|---:|---|---:|---:|",
    ]
    worst_cpu = worst_mb = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for name, data in bomb_files().items():
            path = Path(folder) / "bomb"
            path.write_bytes(data)
            result = _probe(path)
            worst_cpu, worst_mb = max(worst_cpu, result["cpu"]), max(worst_mb, result["extra_mb"])
            outcome = result["outcome"] if result["shape"] is None else f"read as {result['shape']}"
            lines.append(
                f"| {name} | {len(data):,} | {outcome[:70]} | {result['cpu']:.2f} | "
                f"{result['extra_mb']:.0f} |"
            )
    cpu_met = "met" if worst_cpu <= TARGET_CPU_SECONDS else "NOT met"
    mb_met = "met" if worst_mb <= TARGET_EXTRA_MB else "NOT met"
    lines += [
        "",
        f"Target ≤ {TARGET_CPU_SECONDS:g} s CPU per file: {cpu_met} (worst {worst_cpu:.2f} s).",
        f"Target ≤ {TARGET_EXTRA_MB:g} MB extra per file: {mb_met} (worst {worst_mb:.0f} MB).",
    ]
    return "\n".join(lines)
