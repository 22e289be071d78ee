#!/usr/bin/env bash
# Every test of the project: installs what the tests need (pinned Python packages, and system
# services through scripts/ensure/*.sh), runs the linters, then pytest (which drives dbt on every
# engine the project runs for real). Works on a fresh clone; ../shared is not needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev,postgres,redshift,spark,metrics,bench
# shellcheck disable=SC1091
source .venv/bin/activate
for ensure in scripts/ensure/*.sh; do
    [ -e "$ensure" ] || continue
    echo "==> $ensure"
    bash "$ensure"
done
if [ -x scripts/lint.sh ]; then
    echo "==> linters"
    bash scripts/lint.sh
fi
echo "==> pytest"
# Two workers, one per core: most of a test's time is a dbt process or an engine waiting on one
# thread. --dist loadfile keeps each module (and its expensive module fixtures) on one worker.
python -m pytest -n 2 --dist loadfile "$@"
