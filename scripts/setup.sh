#!/usr/bin/env bash
# One command from a fresh clone to a built warehouse on DuckDB: install pinned dependencies into
# .venv, generate a small sample of raw data into data/raw, then `dbt build` (models and tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# shellcheck disable=SC1091
source .venv/bin/activate
if [ ! -d data/raw/log_data ]; then
    echo "==> generating sample raw data into data/raw"
    sparkify-generate --out data/raw
fi
echo "==> dbt build on DuckDB (data/sparkify.duckdb)"
dbt build
cat <<'MSG'

Warehouse built: data/sparkify.duckdb (tables songplays, users, songs, artists, time).
Use dbt directly after activating the environment:
    source .venv/bin/activate
    dbt run | dbt test | dbt build | dbt docs generate && dbt docs serve
MSG
