#!/usr/bin/env bash
# The house style, checked by tools: ruff (lint + format) over the Python, sqlfluff with the dbt
# templater over the SQL (.sqlfluff holds the rules and why some are off). Run by scripts/test.sh
# and by pre-commit.
#   usage: scripts/lint.sh             everything
#          scripts/lint.sh sql FILE…   sqlfluff on the given SQL files only (pre-commit)
# sqlfluff's dbt templater compiles the project: it gets a private profile, target, log dir and
# DuckDB file so that it never races a dbt run in the same checkout. Macro files (and generic
# tests, which are macros) are skipped by the dbt templater: they have no SQL of their own until
# a model calls them, and are linted where they render, inside the models.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${VIRTUAL_ENV:-}" ] && [ -f .venv/bin/activate ]; then
    # shellcheck disable=SC1091
    source .venv/bin/activate
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/profiles"
cp profiles.example.yml "$work/profiles/profiles.yml"
export DBT_PROFILES_DIR="$work/profiles" DBT_TARGET_PATH="$work/target" DBT_LOG_PATH="$work/logs"
export SPARKIFY_DUCKDB_PATH="$work/lint.duckdb" DBT_TARGET=duckdb DBT_SEND_ANONYMOUS_USAGE_STATS=false

run_sqlfluff() {
    # The dbt templater warns once per macro file it skips (see above); with pipefail the pipeline
    # still fails when sqlfluff does.
    sqlfluff lint --disable-progress-bar "$@" 2>&1 | { grep --line-buffered -v "because it is a macro" || true; }
}

if [ "${1:-}" = "sql" ]; then
    shift
    [ "$#" -gt 0 ] || exit 0
    run_sqlfluff "$@"
    exit
fi

start=$SECONDS
echo "--> ruff check"
ruff check .
echo "--> ruff format --check"
ruff format --check .
echo "--> sqlfluff lint models macros analyses (dbt templater)"
run_sqlfluff models macros analyses
echo "linters passed in $((SECONDS - start)) s"
