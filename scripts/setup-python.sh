#!/usr/bin/env bash
# Creates the project's Python virtualenvs from the pinned requirement files, and reinstalls
# only when a requirement file changed. Idempotent; the other scripts call it.
#
#   scripts/setup-python.sh         .venv      (moto, cfn-lint)       from tools/requirements.txt
#   scripts/setup-python.sh --sam   also .venv-sam (AWS SAM CLI)       from tools/requirements-sam.txt
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}

ensure_venv() { # <dir> <requirements file>
  local dir=$1 req=$2 stamp
  stamp=$(sha256sum "$req" | cut -d' ' -f1)
  if [[ -x "$dir/bin/python" && -f "$dir/.requirements.sha256" && "$(cat "$dir/.requirements.sha256")" == "$stamp" ]]; then
    return
  fi
  echo "==> installing $req into $dir"
  [[ -x "$dir/bin/python" ]] || "$PYTHON" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
  echo "$stamp" >"$dir/.requirements.sha256"
}

ensure_venv .venv tools/requirements.txt
if [[ "${1:-}" == "--sam" ]]; then
  ensure_venv .venv-sam tools/requirements-sam.txt
fi
