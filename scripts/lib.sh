#!/usr/bin/env bash
# Shared helpers for the project's scripts: locating the repo, Node 24 and the Python venv.
# Source it; it defines functions and exports nothing until they are called.

SP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SP_NODE_MAJOR=24
SP_NODE_VERSION=24.21.0
SP_TOOLS="$SP_ROOT/.tools"
SP_VENV="$SP_ROOT/.venv"

sp_log() { printf '[setup] %s\n' "$*" >&2; }

# Prints the major version of the `node` on PATH, or 0 when there is none.
sp_node_major() {
  local v
  v=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || v=0
  printf '%s' "${v:-0}"
}

# Puts a Node 24 first on PATH: the machine's own if it is 24, else one installed from the
# npm registry's `node` package into .tools/ (real binaries, no other network source).
sp_use_node24() {
  if [ -x "$SP_TOOLS/node$SP_NODE_MAJOR/node_modules/node/bin/node" ]; then
    export PATH="$SP_TOOLS/node$SP_NODE_MAJOR/node_modules/node/bin:$PATH"
  fi
  if [ "$(sp_node_major)" = "$SP_NODE_MAJOR" ]; then
    return 0
  fi
  sp_log "Node $(node --version 2>/dev/null || echo none) found; installing Node $SP_NODE_VERSION into .tools/"
  mkdir -p "$SP_TOOLS/node$SP_NODE_MAJOR"
  (cd "$SP_TOOLS/node$SP_NODE_MAJOR" && npm install --no-save --no-package-lock --silent --prefix . "node@$SP_NODE_VERSION" >/dev/null)
  export PATH="$SP_TOOLS/node$SP_NODE_MAJOR/node_modules/node/bin:$PATH"
  if [ "$(sp_node_major)" != "$SP_NODE_MAJOR" ]; then
    sp_log "could not provide Node $SP_NODE_MAJOR (got $(node --version 2>/dev/null)); install Node $SP_NODE_MAJOR and retry"
    return 1
  fi
}

# Installs npm dependencies when the lockfile changed since the last install.
sp_npm_deps() {
  local stamp="$SP_ROOT/node_modules/.sp-lock-hash" want
  want=$( (cat "$SP_ROOT/package-lock.json"; node --version) | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  sp_log "installing npm dependencies (npm ci)"
  (cd "$SP_ROOT" && npm ci --no-fund --no-audit --loglevel=error)
  printf '%s' "$want" >"$stamp"
}

# Creates the pinned Python virtualenv for test tools (moto, cfn-lint, checkov) when missing
# or when requirements-test.txt changed.
sp_python_venv() {
  local stamp="$SP_VENV/.sp-req-hash" want
  want=$(sha256sum "$SP_ROOT/requirements-test.txt" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  sp_log "creating Python virtualenv .venv (moto, cfn-lint, checkov)"
  command -v python3 >/dev/null || { echo "python3 is needed for the local AWS emulator (moto); install Python 3.9+" >&2; return 1; }
  # A half-made environment (interrupted set-up) is rebuilt from scratch.
  rm -rf "$SP_VENV"
  if ! python3 -m venv "$SP_VENV" 2>/dev/null; then
    # Debian/Ubuntu ship venv without ensurepip unless python3-venv is installed: fall back to virtualenv.
    rm -rf "$SP_VENV"
    python3 -m pip install --quiet --user virtualenv 2>/dev/null || python3 -m pip install --quiet --user --break-system-packages virtualenv || {
      echo "could not create .venv: install python3-venv (apt install python3-venv) or virtualenv" >&2
      return 1
    }
    python3 -m virtualenv --quiet "$SP_VENV"
  fi
  "$SP_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$SP_ROOT/requirements-test.txt"
  printf '%s' "$want" >"$stamp"
}

sp_setup_all() {
  sp_use_node24 && sp_npm_deps && sp_python_venv
  export PATH="$SP_ROOT/node_modules/.bin:$SP_VENV/bin:$PATH"
}
