"""Every limit on what strangers may send: image files, model files, command-line numbers and the
values a browser request may ask for (URL parameters and widgets). One place, plain numbers, no
imports, so any front, the CLI and the core read the same values at no start-up cost.

Why each number is what it is sits next to it; the benchmarks that measured them are named.
"""

# --- Image files (uploads, the CLI, the API): boundary_core.data.images -------------------------
MAX_BYTES = 50 * 1024 * 1024  # the file; the Streamlit server refuses uploads over 20 MB itself
# Decoded images are reduced to at most this many pixels before any conversion to floats: twice
# the largest model input (a 1024² user model), so no model loses detail.
DECODED_PIXELS = 2 * 1024 * 1024
# Header check, before decoding: a format decoded at full size may hold 4× DECODED_PIXELS (an
# 8.4 Mpx RGBA PNG peaks at ~110 MB while decoding and reducing, bench uploads; a 40-megapixel
# transparent PNG used to cost 4.0 GB as float64). JPEGs are decoded at up to 1/8 scale (Pillow's
# draft mode), so they may hold 64× DECODED_PIXELS.
MAX_PIXELS = 4 * DECODED_PIXELS
MAX_JPEG_PIXELS = 64 * DECODED_PIXELS
MAX_JPEG_SCANS = 64  # progressive JPEGs have ~10; thousands of scans decode for minutes

# --- Boundary searches (CLI and library entry points) -------------------------------------------
# search/find.py keeps its own copy of these two today (MAX_SEARCH_STEPS, MAX_SEED); they are the
# same numbers and should be imported from here.
MAX_SEARCH_STEPS = 10_000  # per attack; 10× the strongest reference attack we run
MAX_SEED = 2**63 - 1  # torch.Generator.manual_seed's range

# --- Model files from strangers: boundary_core.models.shapes_net ---------------------------------
# A ShapesNet file's metadata names its architecture; these bounds are checked before anything is
# built (blocks=100000 used to hang, widths of 10^6 channels to allocate without limit). The
# shipped models use widths (16, 32, 128) and 1 block; a 1024-wide, 8-block net is ~150 M
# parameters (600 MB), the most a file may ask for.
SHAPES_MAX_WIDTH = 1024
SHAPES_MAX_STAGES = 6
SHAPES_MAX_BLOCKS = 8
SHAPES_MAX_CLASSES = 10_000
SHAPES_MAX_PARAMETERS = 200_000_000

# --- Your own model (models add, the Bring-your-own-model page): boundary_core.models.user ----
USER_MAX_WEIGHTS_BYTES = 1 << 30  # uploads; ResNet-152 with 1000 classes is 230 MiB
USER_MAX_CLASSES = 100_000
USER_MAX_CLASS_NAME = 500  # characters per class name
USER_INPUT_SIZES = (16, 1024)  # square side in pixels, inclusive
# A classes file is refused from its size before it is read: every name at full length, plus
# newlines and a byte-order mark (UTF-8: up to 4 bytes a character).
USER_MAX_CLASSES_BYTES = USER_MAX_CLASSES * (4 * USER_MAX_CLASS_NAME + 2) + 3

# --- The toy CLI (2-D MLPs): boundary_core.cli.toy_cmd -------------------------------------------
# The exact geometry enumerates linear regions, whose number grows fast with the widths: the
# whole command took 29 s at 64,64 and 31 s at 128,128 on a loaded 2-core CPU (16,16: seconds);
# 100000,100000 asked torch for 80 GB.
TOY_MAX_WIDTH = 256
TOY_MAX_LAYERS = 6

# --- One browser request (URL parameters and widgets): ui.state, ui.controls --------------------
# `?preset=paper&steps=500` cost 234 CPU-seconds per visit; the paper preset's own budget (100
# steps per attack, ~1,000 gradients) is the most a request may ask for, and the fast preset may
# go to 200 DDN steps (~200 gradients). Larger budgets are for the CLI (MAX_SEARCH_STEPS).
REQUEST_SEARCH_STEPS = {"fast": 200, "paper": 100}  # ui.controls clamps, gradio_app refuses
# Not yet read by a front (no URL key or widget sets them on the Explain page; the Evaluate page
# and the Gradio API keep their own caps today): the numbers a front that exposes them must use.
REQUEST_SAMPLES = 256  # noise samples per point (SmoothGrad, the Theory page's curves)
REQUEST_RESTARTS = 8  # random restarts of a search (the fast preset's own in 2-D)
REQUEST_IMAGES = 32  # images one Evaluate-page request may score (pages/4_Evaluate.py: 32)


def request_steps(preset: str, steps: int | None) -> tuple[int | None, str | None]:
    """``steps`` clamped to what one browser request may ask for with ``preset``; the message
    says what was asked and what runs (None when nothing was clamped). ``None`` means the preset's
    own budget, which is always within it."""
    cap = REQUEST_SEARCH_STEPS.get(preset, min(REQUEST_SEARCH_STEPS.values()))
    if steps is None or steps <= cap:
        return steps, None
    return cap, (
        f"{steps} search steps is over the budget of one browser request for the {preset} "
        f"preset; running {cap} (the command line takes up to {MAX_SEARCH_STEPS:,})."
    )
