#!/usr/bin/env bash
# Build (or reuse) .venv with a Python >= 3.12 and install negsim into it, at the versions pinned in constraints.txt
# (the lock: what the tests ran with; refresh it with make lock).
# Usage: scripts/venv.sh [EXTRAS]            e.g. scripts/venv.sh dev
#        scripts/venv.sh --latest [EXTRAS]   .venv-latest instead, WITHOUT the lock: the newest releases that
#                                            pyproject.toml's bounds allow, upgraded on every call (make test-latest)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
lock=(-c constraints.txt)
how="pinned by constraints.txt"
if [[ ${1:-} == --latest ]]; then
  venv=.venv-latest
  lock=(--upgrade --upgrade-strategy eager)
  how="newest releases, no lock"
  shift
fi
extras=${1:-}
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
  py=$(scripts/find-python.sh)
  echo "negsim: building $venv with $py" >&2
  rm -rf "$venv"
  "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
spec="."
[[ -n $extras ]] && spec=".[${extras}]"
stamp="$venv/.negsim-installed-${extras:-base}"
if [[ $venv == .venv-latest || ! -f $stamp || pyproject.toml -nt $stamp || constraints.txt -nt $stamp ]]; then
  echo "negsim: installing $spec into $venv ($how)" >&2
  "$venv/bin/python" -m pip install --quiet "${lock[@]}" -e "$spec"
  touch "$stamp"
fi
