#!/usr/bin/env bash
# Brings everything the project needs: Node 24, npm dependencies, the pinned Python virtualenv.
# Idempotent and quick when everything is already present.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
sp_setup_all
sp_log "ready: node $(node --version), $("$SP_VENV/bin/python" --version)"
