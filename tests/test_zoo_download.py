"""The real download code against an HTTP server started here on 127.0.0.1 (fabricated files):
progress, checksum and size refused, a broken transfer refused, server down in one line, nothing
half-written left; hf_hub_download through ``HF_ENDPOINT``; the registry's online entries."""

import hashlib
import http.server
import json
import re
import socket
import threading

import pytest
import torch
from torchvision.models import resnet50

from boundary_core.cli import main
from boundary_core.models import download, get_spec, list_models
from boundary_core.models.download import DownloadError
from boundary_core.models.registry import Source, default_pair, pairs

BODY = bytes(range(256)) * 4096  # 1 MiB of fabricated "weights"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


class Handler(http.server.BaseHTTPRequestHandler):
    """``/files/NAME``: plain URL downloads; ``/REPO/resolve/REV/NAME``: the Hub's file route."""

    files: dict[str, bytes] = {}
    truncated: set[str] = set()

    def do_HEAD(self):
        self._answer(body=False)

    def do_GET(self):
        self._answer(body=True)

    def _answer(self, body: bool):
        name = self.path.split("?")[0].rsplit("/", 1)[-1]
        if name not in self.files:
            self.send_error(404)
            return
        data = self.files[name]
        self.send_response(200)
        announced = 2 * len(data) if name in self.truncated else len(data)
        self.send_header("Content-Length", str(announced))
        self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
        self.send_header("X-Repo-Commit", COMMIT)
        self.end_headers()
        if body:
            self.wfile.write(data)
            if name in self.truncated:
                self.close_connection = True  # then close: the client sees half the bytes

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BAE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))  # never the user's hub cache
    return tmp_path / "cache"


def serve(name: str, data: bytes = BODY, truncated: bool = False) -> None:
    Handler.files[name] = data
    (Handler.truncated.add if truncated else Handler.truncated.discard)(name)


def leftovers(cache) -> list[str]:
    """Every file under the cache except the HF client's own bookkeeping folder."""
    return sorted(
        str(p.relative_to(cache))
        for p in cache.rglob("*")
        if p.is_file() and ".cache" not in p.parts
    )


SHA = hashlib.sha256(BODY).hexdigest()


@pytest.mark.parametrize("sha256", [SHA, SHA[:8], None])
def test_url_download_reports_progress_and_checks(server, cache, sha256):
    serve("weights.pth")
    source = Source(filename="weights.pth", url=f"{server}/files/weights.pth", sha256=sha256)
    seen = []
    path = download.fetch(source, progress=lambda done, total: seen.append((done, total)))
    assert path == download.file_path(source) and path.read_bytes() == BODY
    assert seen[-1] == (len(BODY), len(BODY)) and len(seen) >= 2
    assert download.is_verified(source) == (sha256 is not None)
    assert download.is_available("any-name", source)
    assert leftovers(cache) == sorted(
        [
            f"files/127.0.0.1:{server.rsplit(':', 1)[1]}/{n}"
            for n in ("weights.pth", "weights.pth.checked.json")
        ]
    )


@pytest.mark.parametrize("wrong", [{"sha256": "0" * 64}, {"sha256": "deadbeef"}, {"size": 5}])
def test_url_mismatch_is_refused_and_deleted(server, cache, wrong):
    serve("bad.pth")
    source = Source(filename="bad.pth", url=f"{server}/files/bad.pth", **wrong)
    with pytest.raises(DownloadError, match="deleted"):
        download.fetch(source)
    assert leftovers(cache) == [] and not download.is_available("bad", source)


def test_truncated_transfer_is_refused_and_nothing_kept(server, cache):
    serve("cut.pth", truncated=True)
    source = Source(filename="cut.pth", url=f"{server}/files/cut.pth")  # no size, no sha256
    with pytest.raises(DownloadError, match="broke off"):
        download.fetch(source)
    assert leftovers(cache) == []


def test_server_down_is_one_clear_line(cache):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = Source(filename="gone.pth", url=f"http://127.0.0.1:{port}/files/gone.pth")
    with pytest.raises(DownloadError) as error:
        download.fetch(source)
    message = str(error.value)
    assert message.startswith(f"needs network to fetch {source.url}")
    assert message.endswith(f"or place the file at {download.file_path(source)}")
    assert "\n" not in message and leftovers(cache) == []


def test_a_file_placed_by_hand_is_checked_and_used_offline(cache):
    source = Source(filename="placed.pth", url="http://127.0.0.1:9/placed.pth", sha256=SHA)
    download.file_path(source).parent.mkdir(parents=True)
    download.file_path(source).write_bytes(BODY)
    assert not download.is_available("placed", source)  # nobody checked it yet
    assert download.fetch(source).read_bytes() == BODY
    assert download.is_available("placed", source) and download.is_verified(source)


def test_hub_download_through_hf_endpoint(server, cache, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", server)
    serve("resnet50_l2_eps3.ckpt")
    source = Source(
        filename="resnet50_l2_eps3.ckpt", repo_id="madrylab/robust-imagenet-models", sha256=SHA
    )
    seen = []
    path = download.fetch(source, progress=lambda done, total: seen.append((done, total)))
    assert path == cache / "files/madrylab/robust-imagenet-models/resnet50_l2_eps3.ckpt"
    assert path.read_bytes() == BODY and seen[-1] == (len(BODY), len(BODY))
    assert download.is_verified(source)


def test_a_file_preloaded_into_the_hub_cache_is_used_without_network(tmp_path, cache, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    repo = tmp_path / "hub" / "models--madrylab--robust-imagenet-models"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(COMMIT)
    (repo / "snapshots" / COMMIT).mkdir(parents=True)
    (repo / "snapshots" / COMMIT / "resnet50_l2_eps1.ckpt").write_bytes(BODY)
    source = Source(
        filename="resnet50_l2_eps1.ckpt", repo_id="madrylab/robust-imagenet-models", sha256=SHA
    )
    path = download.fetch(source)
    assert path.read_bytes() == BODY and download.is_verified(source)
    assert not list(cache.rglob("*.partial"))  # no staging file left beside it


def test_hub_checksum_mismatch_is_refused_and_deleted(server, cache, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", server)
    serve("resnet50_l2_eps5.ckpt")
    source = Source(
        filename="resnet50_l2_eps5.ckpt", repo_id="madrylab/robust-imagenet-models", sha256="0" * 64
    )
    with pytest.raises(DownloadError, match="does not match"):
        download.fetch(source)
    assert leftovers(cache) == []


def test_online_entries_say_where_their_weights_come_from(cache):
    online = [spec for spec in list_models() if not spec.offline]
    names = {spec.name for spec in online}
    ladder = ["0", "0.01", "0.03", "0.05", "0.1", "0.25", "0.5", "1", "3", "5"]
    assert {f"imagenet-resnet50-l2-{eps}" for eps in ladder} <= names
    assert {"imagenet-resnet50", "imagenet-resnet50-linf-4", "imagenet-resnet50-linf-8"} <= names
    for spec in online:
        assert spec.source is not None and not spec.available  # empty cache: nothing downloaded
        summary = spec.summary()
        assert summary["available"] is False and summary["verified"] is False
        if spec.dataset == "imagenet":
            assert len(spec.class_names) == 1000 and spec.input_size == (3, 224, 224)
            assert summary["preprocessing"] == "resize 256, centre crop 224"
        if spec.source.repo_id is not None:
            assert spec.source.repo_id == "madrylab/robust-imagenet-models"
            assert re.fullmatch(
                r"resnet50_(l2_eps[0-9.]+|linf_eps[48]\.0)\.ckpt", spec.source.filename
            )
            assert (
                "Salman et al. 2020" in spec.description
                and "not the same files" in spec.description
            )
    linf4 = get_spec("imagenet-resnet50-linf-4").source
    assert linf4.size == 204_818_947 and linf4.sha256.startswith("9e62216975c1")
    assert get_spec("imagenet-resnet50").source.sha256 == "0676ba61"
    assert get_spec("imagenet-resnet50-l2-0.01").summary()["integrity"].startswith("unverified")


def test_pairs_come_from_the_partner_fields():
    assert get_spec("shapes-standard").partner == "shapes-robust"
    assert get_spec("shapes-robust").partner == "shapes-standard"
    assert ("shapes-standard", "shapes-robust") in pairs("shapes64")
    assert default_pair("shapes64") == ("shapes-standard", "shapes-robust")
    assert default_pair() == ("shapes-standard", "shapes-robust")  # offline: the shipped pair
    assert default_pair("imagenet") == ("imagenet-resnet50", "imagenet-resnet50-l2-3")
    for standard, robust in pairs():
        assert get_spec(standard).dataset == get_spec(robust).dataset


def test_models_download_cli_with_a_placed_madrylab_file(cache, capsys):
    """``models download`` on a hand-placed fabricated ResNet-50 in MadryLab's layout: checked,
    loaded strictly, its safetensors copy written, then ``available`` in ``models --json``."""
    name = "imagenet-resnet50-l2-0.01"
    source = get_spec(name).source
    net = resnet50(weights=None)
    model = {
        "module.normalizer.new_mean": torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1),
        "module.normalizer.new_std": torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1),
    }
    for key, value in net.state_dict().items():
        model[f"module.model.{key}"] = model[f"module.attacker.model.{key}"] = value
    download.file_path(source).parent.mkdir(parents=True)
    torch.save(
        {"model": model, "optimizer": {}, "schedule": None, "epoch": 90}, download.file_path(source)
    )
    assert main(["models", "download", name]) == 0
    assert download.tensors_path(name).exists()
    capsys.readouterr()
    assert main(["models", "--json"]) == 0
    entries = {entry["name"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert entries[name]["available"] is True and entries[name]["offline"] is False
    assert entries["shapes-standard"]["available"] is True


def test_models_download_cli_refuses_a_wrong_file_in_one_line(cache, capsys):
    source = get_spec("imagenet-resnet50").source  # pinned sha256 prefix 0676ba61
    download.file_path(source).parent.mkdir(parents=True)
    download.file_path(source).write_bytes(BODY)
    assert main(["models", "download", "imagenet-resnet50"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and "does not match" in error and "\n" not in error
    assert not download.file_path(source).exists()
