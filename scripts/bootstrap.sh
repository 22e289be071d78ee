#!/usr/bin/env bash
# Create .venv (if missing) and install the project with the given extras, every version pinned by
# requirements/constraints.txt. Safe to run again: pip skips what is already there.
#   usage: scripts/bootstrap.sh [extras]      e.g. scripts/bootstrap.sh dev,postgres
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv with $($python --version)"
    "$python" -m venv .venv
fi
spec="."
[ -n "$extras" ] && spec=".[${extras}]"
echo "==> installing sparkify-tools ${spec} (pinned by requirements/constraints.txt)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check \
    -c requirements/constraints.txt -e "$spec"
[ -f profiles.yml ] || cp profiles.example.yml profiles.yml
mkdir -p data
