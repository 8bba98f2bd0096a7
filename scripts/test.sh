#!/usr/bin/env bash
# The full check: lint, format, types (mypy + pyright), tests with coverage.
# Uses DATABASE_URL/REDIS_URL when set, else embedded servers under ./.grins/test.
# Every step runs; the exit code is non-zero if any failed. Extra args go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/_uv.sh
./scripts/setup.sh || exit 1

failed=()
step() {
  local name=$1; shift
  echo "==> $name" >&2
  if ! "$@"; then failed+=("$name"); fi
}

step "ruff check" uv run --frozen ruff check src tests migrations bench
step "ruff format" uv run --frozen ruff format --check src tests migrations bench
step "mypy --strict" uv run --frozen mypy --strict src tests
step "pyright" uv run --frozen pyright
step "pytest" uv run --frozen pytest --cov=src/grins_platform --cov-report=term-missing:skip-covered --cov-report=xml -p no:cacheprovider "$@"

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all checks passed" >&2
