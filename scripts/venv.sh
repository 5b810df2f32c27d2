#!/usr/bin/env bash
# Build (or reuse) .venv with a Python >= 3.12 and install negsim into it.
# Usage: scripts/venv.sh [EXTRAS]   e.g. scripts/venv.sh dev
set -euo pipefail
cd "$(dirname "$0")/.."
extras=${1:-}
if [[ ! -x .venv/bin/python ]] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
  py=$(scripts/find-python.sh)
  echo "negsim: building .venv with $py" >&2
  rm -rf .venv
  "$py" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
spec="."
[[ -n $extras ]] && spec=".[${extras}]"
stamp=".venv/.negsim-installed-${extras:-base}"
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
  echo "negsim: installing $spec into .venv" >&2
  .venv/bin/python -m pip install --quiet -e "$spec"
  touch "$stamp"
fi
