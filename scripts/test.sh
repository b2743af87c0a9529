#!/usr/bin/env bash
# The project's test command: set-up, then type-check, lint, format check and every vitest
# project (unit, integration, e2e), after the layer check (.dependency-cruiser.cjs). Ends with the plain line "N passed, N failed".
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
sp_setup_all
cd "$SP_ROOT"

status=0
step() {
  printf '\n== %s\n' "$1"
  shift
  "$@" || status=1
}
step "spec types are up to date" npm run --silent check:spec
step "typecheck" tsc -p tsconfig.json --noEmit
step "lint" eslint --max-warnings=0 .
step "format" prettier --check --log-level=warn .
step "layers (imports point down, no cycles)" npm run --silent check:layers

mkdir -p reports
rm -f reports/vitest.json
printf '\n== tests\n'
vitest run --reporter=default --reporter=json --outputFile.json=reports/vitest.json "$@" || status=1

if [ -f reports/vitest.json ]; then
  node scripts/summarize-report.mjs reports/vitest.json || status=1
else
  echo "0 passed, 1 failed"
  status=1
fi
exit "$status"
