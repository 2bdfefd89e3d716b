#!/usr/bin/env bash
# One entry point for newcomers and CI.
#   ./run.sh app    install everything (once) and start the web app on http://localhost:8501
#   ./run.sh gradio install everything (once) and start the Gradio front + API on port ${GRADIO_SERVER_PORT:-7860}
#   ./run.sh test   install everything (once, incl. Debian chromium for the browser test) and run all tests
set -euo pipefail
cd "$(dirname "$0")"
VENV=.venv
install_python() {
  if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
  stamp="$VENV/.requirements.sha"
  want=$(cat requirements.txt requirements-nodeps.txt | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet -r requirements.txt
    "$VENV/bin/pip" install --quiet --no-deps -r requirements-nodeps.txt
    echo "$want" > "$stamp"
  fi
}
install_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "note: /usr/bin/chromium missing; run 'sudo apt-get install -y chromium' for the browser test" >&2
    fi
  fi
}
case "${1:-}" in
  app)  install_python; shift; exec "$VENV/bin/streamlit" run app.py "$@" ;;
  gradio) install_python; shift
        export GRADIO_SERVER_PORT="${GRADIO_SERVER_PORT:-7860}"
        exec "$VENV/bin/python" gradio_app.py "$@" ;;
  test) install_python; install_chromium; shift
        "$VENV/bin/ruff" check bench boundary_core pages tests ui app.py gradio_app.py
        "$VENV/bin/ruff" format --check bench boundary_core pages tests ui app.py gradio_app.py
        exec "$VENV/bin/python" -m pytest -q "$@" ;;
  *) echo "usage: ./run.sh app|gradio|test" >&2; exit 2 ;;
esac
