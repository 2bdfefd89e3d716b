"""The user's model config file and the checks every user-model field goes through.

``models.json`` lives outside the repository (:func:`config_path`) and is written atomically
(temp file, then rename). It is user data, so a broken file or entry never breaks the
registry for the built-in models: it is left out and reported in one line naming the file, the
entry and what is wrong (:func:`read_config`).
The same checks serve ``models add``, the app's upload and the config reader.
"""

import json
import math
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from boundary_core.limits import (
    USER_INPUT_SIZES,
    USER_MAX_CLASS_NAME,
    USER_MAX_CLASSES,
    USER_MAX_CLASSES_BYTES,
)
from boundary_core.models.facts import RESNET_LAYOUTS

ARCHS = tuple(RESNET_LAYOUTS)  # the torchvision ResNets resnets.py rebuilds
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_CLASSES = USER_MAX_CLASSES
MAX_CLASS_NAME = USER_MAX_CLASS_NAME  # characters per class name
INPUT_SIZES = USER_INPUT_SIZES  # square side, inclusive
CONFIG_VERSION = 1


class UserModelError(ValueError):
    """A user model, or the user config file, that is refused; the message is one line."""


@dataclass(frozen=True)
class UserModel:
    """One config entry. ``weights``: absolute path of the tensors-only copy."""

    name: str
    arch: str
    class_names: tuple[str, ...]
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    input_size: int  # square side in pixels
    dataset: str
    weights: str
    sha256: str  # of the copy
    original: str  # the file it was made from, for the card
    added: str  # ISO date


def config_path() -> Path:
    """``$BAE_CONFIG/models.json``, else ``$XDG_CONFIG_HOME/boundary_core/models.json``, else
    ``~/.config/boundary_core/models.json``."""
    if "BAE_CONFIG" in os.environ:
        return Path(os.environ["BAE_CONFIG"]).expanduser() / "models.json"
    base = os.environ.get("XDG_CONFIG_HOME") or "~/.config"
    return Path(base).expanduser() / "boundary_core" / "models.json"


# --- checks, shared by both fronts and by the config reader ---------------------------------


def check_name(name: object) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise UserModelError(
            f"model name must be 1-64 letters, digits, '-', '.', '_' starting with a letter or "
            f"digit, got {name!r}"
        )
    return name


def check_arch(arch: object) -> str:
    if arch not in ARCHS:
        raise UserModelError(f"unsupported arch {arch!r}; supported: {', '.join(ARCHS)}")
    return arch


def parse_class_names(text: str) -> tuple[str, ...]:
    """One class name per line (surrounding spaces dropped); empty lines are refused."""
    return check_class_names(text.splitlines())


def read_class_names(path: str | Path) -> tuple[str, ...]:
    """One name a line; a file larger than any valid classes file is refused before reading."""
    path = Path(path)
    if not path.is_file():
        raise UserModelError(f"classes file {path} does not exist")
    if path.stat().st_size > USER_MAX_CLASSES_BYTES:
        raise UserModelError(
            f"classes file {path} is {path.stat().st_size / 2**20:.1f} MiB; at most "
            f"{USER_MAX_CLASSES:,} names of {USER_MAX_CLASS_NAME} characters are accepted"
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UserModelError(f"classes file {path} is not UTF-8 ({error.reason})") from None
    return parse_class_names(text)


def check_class_names(names: Sequence[str]) -> tuple[str, ...]:
    """The names, stripped; refused when empty, blank, over-long or too many."""
    if isinstance(names, str):
        raise TypeError("class names must be a sequence of names; parse_class_names reads text")
    names = tuple(str(name).strip() for name in names)
    if not names:
        raise UserModelError("the classes file is empty: one class name per line expected")
    if len(names) > MAX_CLASSES:
        raise UserModelError(f"{len(names)} classes; at most {MAX_CLASSES} are accepted")
    for line, name in enumerate(names, start=1):
        if not name:
            raise UserModelError(f"class name on line {line} is empty; one name per line")
        if len(name) > MAX_CLASS_NAME:
            raise UserModelError(f"class name on line {line} exceeds {MAX_CLASS_NAME} characters")
    return names


def parse_channels(values: Sequence[object], what: str) -> tuple[float, float, float]:
    """Three finite numbers (R, G, B) in pixel units of ``[0, 1]`` images; ``what`` is "mean" or
    "std" (std must be > 0). Strings may hold several comma-separated numbers."""
    items = [part for value in values for part in str(value).replace(",", " ").split()]
    try:
        numbers = tuple(float(item) for item in items)
    except ValueError:
        raise UserModelError(f"{what} must be three numbers (R G B), got {items}") from None
    if len(numbers) != 3 or not all(math.isfinite(number) for number in numbers):
        raise UserModelError(f"{what} must be three finite numbers (R G B), got {items}")
    low = 0.0 if what == "mean" else math.nextafter(0.0, 1.0)
    if not all(low <= number <= 1.0 for number in numbers):
        rule = "in [0, 1]" if what == "mean" else "in (0, 1]"
        raise UserModelError(
            f"{what} values must be {rule} (pixel units of [0, 1] images; divide 0-255 values "
            f"by 255), got {list(numbers)}"
        )
    return numbers


def check_input_size(size: object) -> int:
    low, high = INPUT_SIZES
    if isinstance(size, bool) or not isinstance(size, int) or not low <= size <= high:
        raise UserModelError(f"input size must be an integer side in {low}..{high}, got {size!r}")
    return size


# --- the config file -------------------------------------------------------------------------


def read_config(path: Path | None = None) -> tuple[list[UserModel], list[str]]:
    """The config file's valid entries, and one line per problem naming the file and the entry.

    A file that cannot be read as a whole gives no entries and one problem; a broken entry (or a
    name given twice) is left out and reported. No file: nothing, no problem.
    """
    path = config_path() if path is None else path
    try:
        raw_entries = read_raw_entries(path)
    except UserModelError as error:
        return [], [str(error)]
    entries, problems = [], []
    for index, raw in enumerate(raw_entries):
        label = raw.get("name") if isinstance(raw, dict) else None
        try:
            entry = _entry_of(raw)
            if entry.name in {kept.name for kept in entries}:
                raise UserModelError("the name appears twice in the file")
        except UserModelError as error:
            problems.append(entry_problem(path, index, label, str(error)))
            continue
        entries.append(entry)
    return entries, problems


def entry_problem(path: Path, index: int, name: object, what: str) -> str:
    """One line: which entry of which file is wrong, and how to repair it."""
    return (
        f"user model config {path}: entry {index} ({name!r}) is left out: {what}; fix the file, "
        f"or run `python -m boundary_core models remove {name}`"
    )


def read_raw_entries(path: Path) -> list:
    """The file's entries as written, unchecked (``models remove`` needs only their names)."""
    if not path.exists():
        return []
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UserModelError(f"user model config {path} is not valid JSON ({error})") from None
    if not isinstance(content, dict) or not isinstance(content.get("models"), list):
        raise UserModelError(f'user model config {path}: expected {{"models": [...]}}')
    if content.get("version") != CONFIG_VERSION:
        raise UserModelError(
            f"user model config {path}: version {content.get('version')!r}, expected "
            f"{CONFIG_VERSION}"
        )
    return content["models"]


def _entry_of(raw: object) -> UserModel:
    fields = set(UserModel.__dataclass_fields__)
    if not isinstance(raw, dict) or set(raw) != fields:
        got = sorted(raw) if isinstance(raw, dict) else type(raw).__name__
        raise UserModelError(f"expected the keys {sorted(fields)}, got {got}")
    texts = ("dataset", "weights", "sha256", "original", "added")
    if (
        not all(isinstance(raw[key], str) for key in texts)
        or not Path(raw["weights"]).is_absolute()
    ):
        raise UserModelError(f"{', '.join(texts)} must be strings, weights an absolute path")
    if not isinstance(raw["class_names"], list) or not re.fullmatch(r"[0-9a-f]{64}", raw["sha256"]):
        raise UserModelError("class_names must be a list and sha256 64 hex digits")
    return UserModel(
        name=check_name(raw["name"]),
        arch=check_arch(raw["arch"]),
        class_names=check_class_names(raw["class_names"]),
        mean=parse_channels(raw["mean"], "mean"),
        std=parse_channels(raw["std"], "std"),
        input_size=check_input_size(raw["input_size"]),
        dataset=check_name(raw["dataset"]),
        **{key: raw[key] for key in ("weights", "sha256", "original", "added")},
    )


try:
    import fcntl
except ImportError:  # not POSIX: one process at a time is then the user's to ensure
    fcntl = None

_LOCK = threading.Lock()  # one read-modify-write of the config at a time in this process


@contextmanager
def config_locked(path: Path) -> Iterator[None]:
    """Hold the config for one read-modify-write: this process's threads (a lock) and other
    processes (an advisory ``flock`` on ``<config>.lock``) wait their turn, so two ``models add``
    run at once both keep their entry."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK, open(path.with_name(path.name + ".lock"), "a") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


def write_config(path: Path, raw_entries: list) -> None:
    """Replace the file atomically: a reader sees the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    content = json.dumps({"version": CONFIG_VERSION, "models": raw_entries}, indent=1)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".partial")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(content + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
