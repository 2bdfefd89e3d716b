"""Named models: what each one is, where its weights come from, and how to load it.

Every registered model maps ``x (B, C, H, W)`` in ``[0, 1]`` to logits ``(B, K)``; any input
normalisation is a layer inside it, so epsilons and distances are always in pixel units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch only where a model is built: listing the registry imports none of it
    import torch
    from torch import nn


@dataclass(frozen=True)
class Source:
    """Where a model's weights come from: a Hub file (``repo_id`` + ``filename``) or a URL.

    ``size`` (bytes) and ``sha256`` are the published facts, None when nobody published them (the
    file is then "unverified": it is still hashed on download and the digest recorded). ``sha256``
    may be a prefix of at least 8 hex digits, as torchvision writes one into its file names.
    """

    filename: str
    repo_id: str | None = (
        None  # Hugging Face Hub repository, e.g. "madrylab/robust-imagenet-models"
    )
    url: str | None = None  # a plain URL when the file is not on the Hub
    size: int | None = None
    sha256: str | None = None
    note: str = ""  # provenance worth showing (e.g. "URL as given in the MadryLab README")

    def __post_init__(self):
        if self.sha256 is not None and len(self.sha256) < 8:
            raise ValueError(
                f"sha256 must be a digest or a prefix of >= 8 hex, got {self.sha256!r}"
            )

    @property
    def location(self) -> str:
        """A readable address: ``hf://repo/file`` or the URL (or the file name if neither)."""
        if self.repo_id is not None:
            return f"hf://{self.repo_id}/{self.filename}"
        return self.url or self.filename


@dataclass(frozen=True)
class Preprocessing:
    """How a photo becomes the model's input: shorter side resized to ``resize``, then a
    ``crop``×``crop`` centre crop (ImageNet: 256 then 224). Normalisation is not here: it is a
    layer inside the model."""

    resize: int
    crop: int

    def describe(self) -> str:
        return f"resize {self.resize}, centre crop {self.crop}"

    @property
    def crop_fraction(self) -> float:
        """The share of the shorter side the centre crop keeps (224/256 = 0.875)."""
        return self.crop / self.resize


@dataclass(frozen=True)
class ModelSpec:
    """One registry entry.

    ``training`` is a plain description such as ``"standard"``, ``"adversarial l2 eps=0.5"`` or
    ``"unknown"``; ``card`` holds measured facts (accuracy, median boundary distance, ...).
    ``source`` is None for shipped models; ``preprocessing`` None means the photo is simply resized
    to ``input_size``. ``partner`` names the standard/robust counterpart (one pair definition, read
    by :func:`default_pair`); ``family``/``epsilon``/``norm`` place a model on a robustness ladder
    (``epsilon`` in pixel units of ``[0, 1]`` images, 0 for standard training).
    """

    name: str
    dataset: str
    input_size: tuple[int, int, int]  # (C, H, W)
    class_names: tuple[str, ...]
    training: str
    offline: bool
    loader: Callable[[], nn.Module] = field(repr=False, compare=False)
    description: str = ""
    card: dict = field(default_factory=dict, compare=False)
    source: Source | None = None
    preprocessing: Preprocessing | None = None
    partner: str | None = None
    family: str | None = None
    epsilon: float | None = None
    norm: str | None = None  # "l2" or "linf"

    @property
    def available(self) -> bool:
        """True when the model loads without network: shipped, or downloaded and checked."""
        if self.offline or self.source is None:
            return self.offline
        from boundary_core.models import download

        return download.is_available(self.name, self.source)

    @property
    def crop_fraction(self) -> float:
        """What ``data.images.preprocess`` keeps of a photo's shorter side for this model."""
        return self.preprocessing.crop_fraction if self.preprocessing else 1.0

    def summary(self) -> dict:
        """JSON-friendly description (what ``models --json`` prints)."""
        from boundary_core.models import download

        source = self.source
        return {
            "name": self.name,
            "dataset": self.dataset,
            "input_size": list(self.input_size),
            "num_classes": len(self.class_names),
            "class_names": list(self.class_names),
            "training": self.training,
            "offline": self.offline,
            "available": self.available,
            "description": self.description,
            "card": self.card,
            "source": None if source is None else source.location,
            "size": None if source is None else source.size,
            "sha256": None if source is None else source.sha256,
            "verified": source is not None and download.is_verified(source),
            "integrity": _integrity(source),
            "preprocessing": None if self.preprocessing is None else self.preprocessing.describe(),
            "partner": self.partner,
            "family": self.family,
            "epsilon": self.epsilon,
            "norm": self.norm,
        }


def _integrity(source: Source | None) -> str:
    if source is None:
        return "shipped"
    if source.sha256 is None:
        return "unverified: no published sha256 (the digest is recorded on first download)"
    return "sha256 pinned" if len(source.sha256) == 64 else "sha256 prefix pinned"


_REGISTRY: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> ModelSpec:
    if spec.name in _REGISTRY:
        raise ValueError(f"model {spec.name!r} is registered twice")
    _REGISTRY[spec.name] = spec
    return spec


def registered(name: str) -> ModelSpec | None:
    """The entry registered so far under ``name`` (no catalogue loading: safe while registering)."""
    return _REGISTRY.get(name)


def unregister(name: str) -> None:
    """Forget a registered model (a user model being removed)."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown model {name!r}")
    del _REGISTRY[name]


def _ensure_loaded() -> None:
    # Importing these modules registers their entries.
    from boundary_core.models import catalog  # noqa: F401


def list_models() -> list[ModelSpec]:
    _ensure_loaded()
    return list(_REGISTRY.values())


def get_spec(name: str) -> ModelSpec:
    _ensure_loaded()
    if name not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY))
        raise ValueError(f"unknown model {name!r}; known models: {known}")
    return _REGISTRY[name]


def pairs(dataset: str | None = None) -> list[tuple[str, str]]:
    """Every registered (standard, robust) pair, read from the ``partner`` fields.

    In each pair the standard side is the model trained with the smaller ``epsilon`` (None
    counts as 0; on a tie, the one registered first). Pairs needing a download come first
    (they are the paper's setting), shipped pairs after.
    """
    found: list[tuple[str, str]] = []
    for spec in list_models():
        if spec.partner is None or (dataset is not None and spec.dataset != dataset):
            continue
        partner = get_spec(spec.partner)
        pair = sorted((spec, partner), key=lambda entry: entry.epsilon or 0.0)  # stable on ties
        names = (pair[0].name, pair[1].name)
        if names not in found and names[::-1] not in found:
            found.append(names)
    return sorted(found, key=lambda names: all(get_spec(name).offline for name in names))


def default_pair(dataset: str | None = None) -> tuple[str, str]:
    """The (standard, robust) pair to show: the first one whose both models are available,
    else the first registered pair of ``dataset`` (its page then offers the download)."""
    candidates = pairs(dataset)
    if not candidates:
        raise ValueError(f"no standard/robust pair is registered for dataset {dataset!r}")
    for pair in candidates:
        if all(get_spec(name).available for name in pair):
            return pair
    return candidates[0]


def ladders() -> dict[str, tuple[str, ...]]:
    """Every robustness ladder: each ``family`` with two or more models of one ``norm``, its
    models ordered by training ``epsilon`` (standard training = 0)."""
    rungs: dict[str, list[ModelSpec]] = {}
    for spec in list_models():
        if spec.family is not None and spec.epsilon is not None:
            rungs.setdefault(spec.family, []).append(spec)
    return {
        family: tuple(s.name for s in sorted(specs, key=lambda s: s.epsilon))
        for family, specs in rungs.items()
        if len(specs) >= 2 and len({s.norm for s in specs}) == 1
    }


def shipped_pair() -> tuple[str, str]:
    """The (standard, robust) pair that ships with the repository (both offline): what the pages
    and benchmarks show when nothing has been downloaded."""
    for pair in pairs():
        if all(get_spec(name).offline for name in pair):
            return pair
    raise ValueError("no shipped standard/robust pair is registered")


def load_model(name: str, device: torch.device | str = "cpu") -> nn.Module:
    """Build the named model in eval mode on ``device`` with gradients off for its parameters."""
    model = get_spec(name).loader()
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model.to(device)
