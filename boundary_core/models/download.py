"""Fetch a registered model's weights into the cache and check them before anything loads them.

Hub files go through ``huggingface_hub.hf_hub_download`` (resume, its own size check;
``HF_ENDPOINT`` points it at a mirror or a test server), plain URLs through
``torch.hub.download_url_to_file`` (temp file, then rename). We add what neither does for us:
the published size and sha256 checked before use, a mismatching file deleted, one readable line
when the network is missing, and a record of each checked file so listing the registry never
re-hashes hundreds of megabytes.

Layout of the cache (``$BAE_CACHE``, default ``~/.cache/boundary_core``)::

    files/<hub repo id or URL host>/<file name>   the downloaded (or hand-placed) weights
    files/<...>/<file name>.checked.json          {"path", "size", "sha256"} once checked
    tensors/<model name>.safetensors              tensors-only copy written after the first load
"""

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from tqdm.auto import tqdm

from boundary_core.models.registry import Source

DownloadProgress = Callable[[int, int | None], None]  # (bytes so far, total bytes or None)
_URL_LOCK = threading.Lock()  # torch.hub's progress bar is a module global: one URL fetch at a time


class DownloadError(OSError):
    """A model file could not be fetched, or failed its size/sha256 check."""


def cache_dir() -> Path:
    return Path(os.environ.get("BAE_CACHE", "~/.cache/boundary_core")).expanduser()


def file_path(source: Source) -> Path:
    """Where the weights live once fetched: also where a user may place them by hand."""
    folder = source.repo_id if source.repo_id is not None else urlsplit(source.url or "").netloc
    return cache_dir() / "files" / (folder or "local") / source.filename


def tensors_path(name: str) -> Path:
    """The tensors-only safetensors copy of a model, written after its first safe load."""
    return cache_dir() / "tensors" / f"{name}.safetensors"


def _record_path(source: Source) -> Path:
    return file_path(source).with_name(file_path(source).name + ".checked.json")


def is_verified(source: Source) -> bool:
    """True when the file on disk was hashed and matched a published sha256."""
    record = _read_record(source)
    return record is not None and source.sha256 is not None


def is_available(name: str, source: Source) -> bool:
    """True when the model loads without network (a checked file or its tensors copy exists)."""
    return tensors_path(name).exists() or _read_record(source) is not None


def _read_record(source: Source) -> dict | None:
    path, record_path = file_path(source), _record_path(source)
    if not (path.exists() and record_path.exists()):
        return None
    record = json.loads(record_path.read_text())
    if record.get("size") != path.stat().st_size:
        return None
    if source.sha256 is not None and not record.get("sha256", "").startswith(source.sha256):
        return None
    return record


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, source: Source) -> str:
    """Check ``path`` against the published size and sha256; on a mismatch delete it and raise.

    Returns the file's full sha256.
    """
    size = path.stat().st_size
    if source.size is not None and size != source.size:
        path.unlink()
        raise DownloadError(
            f"{source.location}: got {size} bytes, expected {source.size}; the file was deleted "
            "(an interrupted or altered download): try again"
        )
    digest = sha256_of(path)
    if source.sha256 is not None and not digest.startswith(source.sha256):
        path.unlink()
        raise DownloadError(
            f"{source.location}: sha256 {digest} does not match the published {source.sha256}; "
            "the file was deleted"
        )
    return digest


def _write_record(source: Source, digest: str) -> None:
    path = file_path(source)
    record = {"path": str(path), "size": path.stat().st_size, "sha256": digest}
    _record_path(source).write_text(json.dumps(record))


def fetch(source: Source, *, progress: DownloadProgress | None = None) -> Path:
    """Return the checked local path of ``source``'s file, downloading it when missing.

    A file already at :func:`file_path` (downloaded before, or placed there by hand) is checked
    and reused without network. ``progress`` is called with (bytes so far, total) while
    downloading; a tqdm bar goes to stderr either way. A file only reaches :func:`file_path`
    complete (hub: huggingface_hub's own temp file and size check; URL: a staging name here).

    Raises:
        DownloadError: no network or server ("needs network to fetch X; or place the file at
            PATH"), a broken transfer, or a file that failed its size/sha256 check (deleted).
    """
    path = file_path(source)
    if _read_record(source) is not None:
        return path
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        if source.repo_id is not None:
            _fetch_hub(source, path, progress)
        elif source.url is not None:
            _fetch_url(source, path, progress)
        else:
            raise DownloadError(f"{source.filename} has no known URL; place the file at {path}")
    _write_record(source, verify(path, source))
    return path


def download_model(name: str, *, progress: DownloadProgress | None = None) -> Path:
    """Fetch and check the named model's weights, then load them once through the safe loader
    (which writes the tensors-only copy later loads read). What ``models download`` and the
    pages' download buttons call."""
    from boundary_core.models.registry import get_spec, load_model

    spec = get_spec(name)
    if spec.source is None:
        raise ValueError(f"{name} ships with the repository: nothing to download")
    path = fetch(spec.source, progress=progress)
    load_model(name)
    return path


def offline_message(source: Source, reason: object) -> str:
    place = file_path(source)
    return f"needs network to fetch {source.location} ({reason}); or place the file at {place}"


def _progress_bar(progress: DownloadProgress | None, finals: list | None = None) -> type[tqdm]:
    """A tqdm class that reports each update to ``progress`` (for st.progress in the app) and
    appends ``(bytes received, bytes announced)`` to ``finals`` when it closes."""

    class ReportingBar(tqdm):
        def update(self, n=1):
            shown = super().update(n)
            if progress is not None:
                progress(int(self.n), None if self.total is None else int(self.total))
            return shown

        def close(self):
            if finals is not None and not getattr(self, "_reported", False):
                self._reported = True
                finals.append((int(self.n), None if self.total is None else int(self.total)))
            super().close()

    return ReportingBar


def _fetch_url(source: Source, path: Path, progress: DownloadProgress | None) -> None:
    """torch.hub's downloader into a staging name, moved to ``path`` only when complete.

    ``download_url_to_file`` stops quietly when a server closes before its announced
    Content-Length (urllib does not raise), so its bar's final count is compared with the total.
    """
    import urllib.error
    from http.client import HTTPException
    from unittest import mock

    import torch.hub

    staging = path.with_name(path.name + ".incoming")
    finals: list = []
    # The bar is the module-level ``torch.hub.tqdm``: swapped under a lock to report to us.
    with _URL_LOCK, mock.patch.object(torch.hub, "tqdm", _progress_bar(progress, finals)):
        try:
            torch.hub.download_url_to_file(source.url, str(staging), progress=True)
            received, announced = finals[-1] if finals else (None, None)
            if announced is not None and received != announced:
                raise DownloadError(
                    f"{source.url}: transfer broke off after {received} of {announced} bytes; "
                    "nothing was kept, try again"
                )
            staging.replace(path)
        except urllib.error.HTTPError as error:
            raise DownloadError(
                f"{source.url}: server answered {error.code} {error.reason}"
            ) from error
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise DownloadError(offline_message(source, getattr(error, "reason", error))) from error
        except HTTPException as error:  # e.g. IncompleteRead
            raise DownloadError(
                f"{source.url}: transfer broke off ({type(error).__name__}); nothing was kept, "
                "try again"
            ) from error
        finally:
            staging.unlink(missing_ok=True)


def _copy_from_hub_cache(source: Source, path: Path) -> bool:
    """Use the file if the hub's own cache already holds it (e.g. fetched at a Space's build by
    ``preload_from_hub``): hard-linked, or copied across file systems. It is checked by
    ``fetch`` like any download. ``HF_HUB_CACHE`` is read at call time."""
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(
        source.repo_id, source.filename, cache_dir=os.environ.get("HF_HUB_CACHE") or None
    )
    if not isinstance(cached, str) or not os.path.isfile(cached):
        return False
    staging = path.with_name(path.name + ".partial")
    try:
        os.link(cached, staging)
    except OSError:
        shutil.copyfile(cached, staging)
    os.replace(staging, path)
    return True


def _fetch_hub(source: Source, path: Path, progress: DownloadProgress | None) -> None:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
    )

    if _copy_from_hub_cache(source, path):
        return
    try:
        hf_hub_download(
            source.repo_id,
            source.filename,
            local_dir=path.parent,
            endpoint=os.environ.get("HF_ENDPOINT") or None,
            tqdm_class=_progress_bar(progress),
        )
    except (RemoteEntryNotFoundError, RepositoryNotFoundError) as error:
        raise DownloadError(f"{source.location} does not exist on the Hub") from error
    except LocalEntryNotFoundError as error:  # what the hub client raises when it cannot connect
        raise DownloadError(offline_message(source, "no connection to the Hub")) from error
    except (HfHubHTTPError, OSError) as error:
        raise DownloadError(offline_message(source, error)) from error
