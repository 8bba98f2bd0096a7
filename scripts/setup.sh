#!/usr/bin/env bash
# Install uv if missing and sync the project's environment (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
  if [ -x "$HOME/.local/bin/uv" ]; then
    export PATH="$HOME/.local/bin:$PATH"
  else
    echo "setup: installing uv from PyPI" >&2
    python3 -m pip install --user --quiet uv 2>/dev/null \
      || python3 -m pip install --user --quiet --break-system-packages uv
    export PATH="$HOME/.local/bin:$PATH"
  fi
fi

uv sync --frozen --quiet
echo "setup: environment ready ($(uv run --frozen python --version))" >&2
