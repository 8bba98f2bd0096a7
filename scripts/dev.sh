#!/usr/bin/env bash
# Run the platform for development: setup, migrate, serve with reload.
# With DATABASE_URL/REDIS_URL unset, embedded PostgreSQL and Redis start under ./.grins.
# Extra arguments go to `grins serve` (e.g. --port 8080); --demo first loads a small
# demo dataset (`grins seed-demo --scale 0.02`) when the database has no customers yet.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_uv.sh
demo=0
args=()
for arg in "$@"; do
  if [[ "$arg" == "--demo" ]]; then demo=1; else args+=("$arg"); fi
done
./scripts/setup.sh
uv run --frozen grins migrate upgrade
# First run only: a development admin with a random password, printed once.
uv run --frozen grins create-admin --dev-if-none
if [[ "$demo" == 1 ]]; then
  uv run --frozen grins seed-demo --scale 0.02 || echo "demo data not loaded (see above)"
fi
exec uv run --frozen grins serve --reload "${args[@]+"${args[@]}"}"
