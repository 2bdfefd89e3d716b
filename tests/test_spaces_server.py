"""The Docker image's own command serves the app: run the Dockerfile's CMD (flags read from the
file, port swapped for a free one) with this venv's Streamlit and ask ``/_stcore/health``.

Docker itself cannot run here; this checks what the image would execute, not the image build.
"""

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STREAMLIT = Path(sys.executable).with_name("streamlit")


def docker_cmd() -> list[str]:
    """The exec-form CMD of the Dockerfile as a list."""
    text = (ROOT / "Dockerfile").read_text()
    match = re.search(r"^CMD (\[.*\])\s*$", text, re.M)
    assert match, "Dockerfile has no exec-form CMD"
    return json.loads(match.group(1))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(url: str, process: subprocess.Popen, timeout: float = 90.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"no answer from {url} within {timeout} s")


@contextlib.contextmanager
def streamlit_server(command: list[str] | None = None):
    """Start ``command`` (default: the Dockerfile's CMD) on 127.0.0.1 and a free port; yields the
    base URL once ``/_stcore/health`` answers; stops the server afterwards."""
    port = free_port()
    args = [a for a in (command or docker_cmd())
            if not a.startswith(("--server.port", "--server.address"))]  # fmt: skip
    assert args[:3] == ["streamlit", "run", "app.py"], args
    args = [str(STREAMLIT), *args[1:], f"--server.port={port}", "--server.address=127.0.0.1"]
    env = os.environ | {"STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(f"{base}/_stcore/health", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_dockerfile_command_answers_health_check():
    command = docker_cmd()
    for flag in ("--server.port=8501", "--server.address=0.0.0.0",
                 "--server.enableXsrfProtection=false", "--server.enableCORS=false"):  # fmt: skip
        assert flag in command, flag
    with streamlit_server(command) as base:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=5) as response:
            assert response.read().decode() == "ok"
        with urllib.request.urlopen(base, timeout=5) as response:  # the page shell is served
            assert b"<noscript>" in response.read() or response.status == 200


def test_dockerfile_follows_the_spaces_template():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11", text, re.M)
    assert "useradd -m -u 1000 user" in text and re.search(r"^USER user$", text, re.M)
    assert "pip install --user -r requirements.txt" in text
    assert "EXPOSE 8501" in text and "/_stcore/health" in text
    front = (ROOT / "README.md").read_text().split("---")[1]
    assert "sdk: docker" in front and "app_port: 8501" in front
