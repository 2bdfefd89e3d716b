"""The Docker image's own command serves the app: run the Dockerfile's CMD (flags read from the
file, port swapped for a free one) with this venv's Streamlit and ask ``/_stcore/health``.

Docker itself cannot run here; this checks what the image would execute, not the image build.
"""

import json
import re
import urllib.request
from pathlib import Path

from bench.app import streamlit_server

ROOT = Path(__file__).resolve().parents[1]


def docker_cmd() -> list[str]:
    """The exec-form CMD of the Dockerfile as a list."""
    text = (ROOT / "Dockerfile").read_text()
    match = re.search(r"^CMD (\[.*\])\s*$", text, re.M)
    assert match, "Dockerfile has no exec-form CMD"
    return json.loads(match.group(1))


def test_dockerfile_command_answers_health_check():
    command = docker_cmd()
    assert command[:3] == ["streamlit", "run", "app.py"], command
    for flag in (
        "--server.port=8501",
        "--server.address=0.0.0.0",
        "--server.enableXsrfProtection=false",
        "--server.enableCORS=false",
    ):
        assert flag in command, flag
    flags = tuple(a for a in command[3:] if not a.startswith(("--server.port", "--server.address")))
    with streamlit_server(flags) as base:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=5) as response:
            assert response.read().decode() == "ok"
        with urllib.request.urlopen(base, timeout=5) as response:  # the page shell is served
            assert response.status == 200 and b'<div id="root">' in response.read()


def test_dockerfile_follows_the_spaces_template():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11", text, re.M)
    assert "useradd -m -u 1000 user" in text and re.search(r"^USER user$", text, re.M)
    assert "pip install --user -r requirements.txt" in text
    assert "EXPOSE 8501" in text and "/_stcore/health" in text
    front = (ROOT / "README.md").read_text().split("---")[1]
    assert "sdk: docker" in front and "app_port: 8501" in front
