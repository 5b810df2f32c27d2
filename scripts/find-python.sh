#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter, or explain why none was found and exit 1.
# Order: $NEGSIM_PYTHON, python3.13 and python3.12 on the PATH, python3, then pyenv's installed versions.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
cands=()
[[ -n ${NEGSIM_PYTHON:-} ]] && cands+=("$NEGSIM_PYTHON")
for name in python3.13 python3.12 python3; do
  p=$(command -v "$name" 2>/dev/null) && cands+=("$p")
done
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for v in "$root"/versions/3.13* "$root"/versions/3.12*; do
  [[ -x $v/bin/python ]] && cands+=("$v/bin/python")
done
for c in "${cands[@]}"; do
  if ok "$c"; then
    # A pyenv shim answers only inside pyenv's environment: resolve it to the real interpreter.
    "$c" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "negsim needs Python >= 3.12 (Mesa 3.5 requires it) and none was found." >&2
echo "Tried: ${cands[*]:-nothing on the PATH}." >&2
echo "Install one (e.g. 'pyenv install 3.12' or your system's python3.12 package), or set NEGSIM_PYTHON=/path/to/python3.12." >&2
exit 1
