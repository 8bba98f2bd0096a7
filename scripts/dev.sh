#!/usr/bin/env bash
# Run the platform for development: setup, migrate, serve with reload.
# With DATABASE_URL/REDIS_URL unset, embedded PostgreSQL and Redis start under ./.grins.
# Extra arguments go to `grins serve` (e.g. --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_uv.sh
./scripts/setup.sh
uv run --frozen grins migrate upgrade
# First run only: a development admin with a random password, printed once.
uv run --frozen grins create-admin --dev-if-none
exec uv run --frozen grins serve --reload "$@"
