#!/usr/bin/env bash
# Refresh constraints.txt, the lock: the exact version of every package that negsim and all its extras install
# (dev, dask, notebooks, bench and everything they pull in), resolved once for every Python >= 3.12 — one file,
# with environment markers where a pin differs by Python version or platform. scripts/venv.sh installs from it.
#
# Usage: scripts/lock.sh             keep each current pin that pyproject.toml still allows; resolve only what changed
#        scripts/lock.sh --upgrade   move every pin to the newest release that pyproject.toml's bounds allow
# (make lock runs the first.) Then run make test-latest / make test and commit constraints.txt with pyproject.toml.
#
# Needs uv (a resolver that writes one lock for all Python versions): the one on the PATH, else one installed
# with pip into .venv-tools/ (kept for the next time).
set -euo pipefail
cd "$(dirname "$0")/.."
upgrade=()
case "${1:-}" in
  "") ;;
  --upgrade) upgrade=(--upgrade) ;;
  *) echo "usage: scripts/lock.sh [--upgrade]" >&2; exit 2 ;;
esac
uv=$(command -v uv 2>/dev/null || true)
if [[ -z $uv ]]; then
  if [[ ! -x .venv-tools/bin/uv ]]; then
    py=$(scripts/find-python.sh)
    echo "negsim: installing uv into .venv-tools with $py" >&2
    "$py" -m venv .venv-tools
    .venv-tools/bin/python -m pip install --quiet 'uv>=0.5,<1'
  fi
  uv=.venv-tools/bin/uv
fi
# --python-version 3.12: the oldest Python negsim supports (requires-python); --universal makes the pins valid on
# every later version too. The packages' own index is used: uv does not read pip's configuration.
"$uv" pip compile pyproject.toml --all-extras --universal --python-version 3.12 \
  "${upgrade[@]}" --custom-compile-command "make lock" --output-file constraints.txt --quiet
echo "negsim: wrote constraints.txt ($(grep -c '==' constraints.txt) pins)" >&2
