"""Bring your own model: a torchvision ResNet with your weights, classes and normalisation.

:func:`add_user_model` (CLI ``models add``) and :func:`add_user_model_from_bytes` (the app's
upload: safetensors only, size-capped) check every field once, then load the weights strictly
through :mod:`checkpoints` (tensors-only readers: a pickle that needs globals is refused, never
run; the first mismatching key is named), so a model that does not fit is never registered.

What is kept:
- a tensors-only copy ``<cache>/user/<name>.safetensors`` (:func:`download.cache_dir`) of the
  loaded model, normaliser included. A copy, not a path to your file: an upload has no path, your
  file may move or change after the check, and a ``.pt`` is never read again;
- one entry in the user's ``models.json`` (:func:`user_config.config_path`, outside the repo)
  with the copy's absolute path and sha256, checked again at every load.

Each valid entry is registered at registry load with ``training="user-supplied"``,
``source=None``, ``offline`` while its copy exists, and torchvision's evaluation preprocessing:
shorter side to ``round(size / 0.875)``, then a ``size`` centre crop (ImageNet's 256 → 224).
A broken config file or entry is user data: it is left out with one warning line and reported by
:func:`config_problems` (``models`` refuses to list until it is fixed); the built-ins always load.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from safetensors import SafetensorError

from boundary_core.limits import USER_MAX_WEIGHTS_BYTES
from boundary_core.models import checkpoints, download, registry
from boundary_core.models.checkpoints import CheckpointError
from boundary_core.models.registry import ModelSpec, Preprocessing
from boundary_core.models.user_config import (
    UserModel,
    UserModelError,
    check_arch,
    check_class_names,
    check_input_size,
    check_name,
    config_locked,
    config_path,
    entry_problem,
    parse_channels,
    read_config,
    read_raw_entries,
    write_config,
)

if TYPE_CHECKING:  # torch where a model is built: listing the registry needs none of it
    from torch import Tensor, nn

USER_TRAINING = "user-supplied"
WEIGHT_SUFFIXES = (".safetensors", ".pt", ".pth", ".ckpt")
MAX_UPLOAD_BYTES = USER_MAX_WEIGHTS_BYTES
CROP_RATIO = 0.875  # torchvision's evaluation transform: resize 256, crop 224
NORMALIZER_TOLERANCE = 1e-4
CLASH = "a built-in model has the same name (remove it here, add it again under another name)"
log = logging.getLogger(__name__)


def weights_dir() -> Path:
    """Where the tensors-only copies of user models are kept."""
    return download.cache_dir() / "user"


def is_user_model(spec: ModelSpec) -> bool:
    return spec.training == USER_TRAINING


def add_user_model(
    name: str,
    arch: str,
    weights: str | Path,
    classes: Sequence[str],
    mean: Sequence[float | str],
    std: Sequence[float | str],
    input_size: int,
    *,
    dataset: str = "user",
) -> ModelSpec:
    """Check, load strictly, copy, record and register a user model.

    Args:
        name: a new model name (letters, digits, ``-``, ``.``, ``_``).
        arch: a torchvision ResNet name (:data:`user_config.ARCHS`).
        weights: ``.safetensors``, or a weights-only ``.pt``/``.pth``/``.ckpt`` holding a plain
            state dict (optionally under ``"state_dict"``/``"model"``, ``module.``-prefixed, or in
            MadryLab's layout).
        classes: one name per output (:func:`user_config.read_class_names` reads a file).
        mean, std: three numbers (R, G, B) in pixel units of ``[0, 1]`` images; std > 0.
        input_size: square side in pixels, 16..1024.
        dataset: a label grouping models that take the same images (pairs are formed within it).

    Returns:
        The registered spec. Raises ``UserModelError``/``CheckpointError`` (ValueErrors, one line).
    """
    weights = Path(weights)
    if weights.suffix.lower() not in WEIGHT_SUFFIXES:
        raise UserModelError(
            f"weights must be one of {', '.join(WEIGHT_SUFFIXES)}, got {weights.name!r}"
        )
    if not weights.is_file():
        raise UserModelError(f"weights file {weights} does not exist")
    fields = _checked_fields(name, arch, classes, mean, std, input_size, dataset)
    try:
        tensors = checkpoints.read_tensors(weights)
    except SafetensorError as error:
        raise CheckpointError(
            f"{weights.name} is not a readable safetensors file ({error})"
        ) from None
    return _add(fields, tensors, weights.name, str(weights.resolve()))


def add_user_model_from_bytes(
    name: str,
    arch: str,
    data: bytes,
    classes: Sequence[str],
    mean: Sequence[float | str],
    std: Sequence[float | str],
    input_size: int,
    *,
    filename: str = "upload.safetensors",
    dataset: str = "user",
) -> ModelSpec:
    """:func:`add_user_model` for an upload: ``data`` is a safetensors file's bytes (at most
    :data:`MAX_UPLOAD_BYTES`); ``filename`` is only shown in messages and on the card."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UserModelError(
            f"{filename} is {len(data) / 2**20:.0f} MiB; uploads are limited to "
            f"{MAX_UPLOAD_BYTES // 2**20} MiB (use `python -m boundary_core models add` instead)"
        )
    fields = _checked_fields(name, arch, classes, mean, std, input_size, dataset)
    from safetensors.torch import load as load_safetensors

    try:
        tensors = load_safetensors(bytes(data))
    except SafetensorError as error:
        raise CheckpointError(f"{filename} is not a readable safetensors file ({error})") from None
    return _add(fields, tensors, filename, f"upload {filename}")


def _checked_fields(name, arch, classes, mean, std, input_size, dataset) -> dict:
    """Every field checked before the weights are read: cheap mistakes fail first."""
    _check_free(check_name(name), read_raw_entries(config_path()))
    return {
        "name": name,
        "arch": check_arch(arch),
        "class_names": check_class_names(classes),
        "mean": parse_channels(mean, "mean"),
        "std": parse_channels(std, "std"),
        "input_size": check_input_size(input_size),
        "dataset": check_name(dataset),
    }


def _check_free(name: str, raw_entries: list) -> None:
    if any(isinstance(raw, dict) and raw.get("name") == name for raw in raw_entries):
        raise UserModelError(
            f"a user model named {name!r} is already registered; choose another name or run "
            f"`python -m boundary_core models remove {name}` first"
        )
    if any(spec.name == name for spec in registry.list_models()):
        raise UserModelError(f"{name!r} is already a registered model; choose another name")


def _add(fields: dict, tensors: dict, what: str, original: str) -> ModelSpec:
    model = _fitted(fields, tensors, what)
    copy = weights_dir() / f"{fields['name']}.safetensors"
    path = config_path()
    with config_locked(path):
        raw_entries = read_raw_entries(path)
        _check_free(fields["name"], raw_entries)  # again: another thread may have added it
        checkpoints.save_tensors_copy(model, copy, {"arch": fields["arch"], "original": original})
        entry = UserModel(
            **fields,
            weights=str(copy.resolve()),
            sha256=download.sha256_of(copy),
            original=original,
            added=date.today().isoformat(),
        )
        try:
            write_config(path, [*raw_entries, asdict(entry)])
        except BaseException:
            copy.unlink(missing_ok=True)
            raise
        return registry.register(spec_of(entry))


def _fitted(fields: dict, tensors: dict, what: str) -> nn.Module:
    """The normalised net with ``tensors`` loaded strictly; the first mismatch is named."""
    from boundary_core.models.resnets import build, normalized

    classes = len(fields["class_names"])
    model = normalized(build(fields["arch"], classes), fields["mean"], fields["std"])
    state, normalizer = checkpoints.state_dict_of(tensors)
    try:
        checkpoints.load_strict(model.model, state, what)
    except CheckpointError as error:
        if "'fc.weight' has shape" not in str(error):
            raise
        raise CheckpointError(f"{error}: the classes file gives {classes} classes") from None
    if normalizer is not None:
        _check_normalizer(normalizer, fields["mean"], fields["std"], what)
    return model


def _check_normalizer(normalizer: tuple[Tensor, Tensor], mean, std, what: str) -> None:
    """A checkpoint that carries its own normaliser (MadryLab) must agree with the one given."""
    import torch

    for carried, given, label in zip(normalizer, (mean, std), ("mean", "std"), strict=True):
        carried = carried.double()
        if carried.shape != (3,) or not torch.allclose(
            carried, torch.tensor(given, dtype=torch.float64), atol=NORMALIZER_TOLERANCE
        ):
            raise CheckpointError(
                f"{what} carries its own normaliser {label} {carried.tolist()}, which differs "
                f"from the given {label} {list(given)}: give the checkpoint's values"
            )


def spec_of(entry: UserModel) -> ModelSpec:
    """The registry entry of a config entry; ``offline`` (hence ``available``) while its copy
    exists."""
    side = entry.input_size
    return ModelSpec(
        name=entry.name,
        dataset=entry.dataset,
        input_size=(3, side, side),
        class_names=entry.class_names,
        training=USER_TRAINING,
        offline=Path(entry.weights).exists(),
        loader=_loader(entry),
        description=(
            f"Your model: torchvision {entry.arch}, {len(entry.class_names)} classes, "
            f"{side}×{side} input, mean {list(entry.mean)}, std {list(entry.std)}; weights from "
            f"{entry.original} (copy sha256 {entry.sha256[:12]}), added {entry.added}."
        ),
        preprocessing=Preprocessing(resize=round(side / CROP_RATIO), crop=side),
    )


def _loader(entry: UserModel):
    def load() -> nn.Module:
        from safetensors.torch import load_file

        from boundary_core.models.resnets import build, normalized

        copy = Path(entry.weights)
        again = f"run `python -m boundary_core models remove {entry.name}` and add it again"
        if not copy.exists():
            raise UserModelError(f"{entry.name}: its weights copy {copy} is missing; {again}")
        if download.sha256_of(copy) != entry.sha256:
            raise UserModelError(f"{entry.name}: {copy} changed since it was added; {again}")
        classes = len(entry.class_names)
        model = normalized(build(entry.arch, classes), entry.mean, entry.std)
        checkpoints.load_strict(model, load_file(copy, device="cpu"), copy.name)
        return model

    return load


def remove_user_model(name: str) -> Path | None:
    """Drop ``name`` from the config file and the registry; returns the deleted copy, if any.

    Reads only the entries' names, so it also repairs a config whose other fields are broken.
    """
    path = config_path()
    with config_locked(path):
        raw_entries = read_raw_entries(path)
        ours = [raw for raw in raw_entries if isinstance(raw, dict) and raw.get("name") == name]
        if not ours:
            spec = registry.registered(name)
            if spec is not None and not is_user_model(spec):
                raise UserModelError(f"{name!r} is a built-in model; only user models are removed")
            raise UserModelError(f"no user model named {name!r} in {path}")
        write_config(path, [raw for raw in raw_entries if raw not in ours])
    spec = registry.registered(name)
    if spec is not None and is_user_model(spec):
        registry.unregister(name)
    copy = Path(str(ours[0].get("weights", "")))
    # Delete only a file this module wrote (…/user/<name>.safetensors), whatever the config says.
    if copy.name == f"{name}.safetensors" and copy.parent.name == "user" and copy.is_file():
        copy.unlink()
        return copy
    return None


def config_problems() -> list[str]:
    """One line per problem of the user's config file (empty when it is fine): entries left out
    of the registry. ``models`` refuses to list while there is one; the app should show them."""
    entries, problems = read_config()
    path, specs = config_path(), {spec.name: spec for spec in registry.list_models()}
    for index, entry in enumerate(entries):
        spec = specs.get(entry.name)
        if spec is not None and not is_user_model(spec):
            problems.append(entry_problem(path, index, entry.name, CLASH))
    return problems


def register_user_models() -> list[ModelSpec]:
    """Register the config file's valid entries (at registry load, after the built-ins); each
    entry left out is logged as one warning line, and the built-in models load regardless."""
    entries, problems = read_config()
    registered = []
    for index, entry in enumerate(entries):
        if (
            registry.registered(entry.name) is not None
        ):  # a built-in took the name (a newer version?)
            problems.append(entry_problem(config_path(), index, entry.name, CLASH))
            continue
        registered.append(registry.register(spec_of(entry)))
    for problem in problems:
        log.warning("warning: %s", problem)  # one stderr line in the CLI (logging.lastResort)
    return registered
