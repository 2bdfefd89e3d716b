"""Where the repository's shipped files live: each path is written here once, everyone imports it.

Paths are absolute (resolved from this file), so commands, pages and tests work from any
working directory.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the repository: boundary_core/, ui/, pages/, assets/
ASSETS = ROOT / "assets"
MODELS_DIR = ASSETS / "models"  # shapes weights (.safetensors) and every model card (.card.json)
RESULTS_DIR = ASSETS / "results"  # ``evaluate-<model>.json``, the cached evaluation the app shows
SHAPES_GALLERY_DIR = ASSETS / "shapes_gallery"  # the fixed shapes test images and index.json
HOME_DIR = ASSETS / "home"  # the home page's figure (big_pair.png) and its facts (big_pair.json)
