"""Documentation completeness check over dbt's artifacts (manifest.json, optionally catalog.json).

Fails when a model, seed, snapshot, source, macro, exposure, metric, semantic model or saved query
of this project lacks a description, when a column or macro argument lacks one, or when a primary
key is not tested unique and not_null. With a catalog (from `dbt docs generate`) it also catches
columns that exist in the warehouse but are missing from the yml.

Why a small manifest check and not dbt-score or dbt-bouncer: both are general rule engines with
their own dependency trees, pinned to dbt-core and pydantic ranges that would have to move in step
with ours; we need five rules, one of them (what counts as a primary key) our own, and this runs in
milliseconds on a manifest the tests already have, with no install.

    python -m sparkify_tools.docs_check target/manifest.json [--catalog target/catalog.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT = "sparkify"
# A macro named <adapter>__<name> is one engine's implementation behind adapter.dispatch(); the
# dispatching macro carries the description. materialization_<name>_<adapter> is a materialization,
# run by dbt itself and documented in its file.
DISPATCH_PREFIXES = (
    "default", "duckdb", "postgres", "redshift", "spark", "databricks", "snowflake", "bigquery", "trino",
)  # fmt: skip
# Staging models keep raw records (several per event, duplicates included): they have no grain
# to key on. Every other model must have a column that identifies a row.
# Record-level models (a raw line, a quarantined record: file plus line, and engines without line
# numbers) may have no one-column key.
KEYLESS_PATH_PREFIXES = ("staging/", "intermediate/", "marts/ops/")
PRIMARY_KEY_TESTS = {"unique", "not_null"}
# The parameters of a generic test that dbt fills in itself, not the person using the test.
IMPLICIT_TEST_ARGUMENTS = {"model", "column_name"}
SIGNATURE = re.compile(r"\{%-?\s*(?:macro|test)\s+\w+\s*\((?P<params>[^)]*)\)", re.DOTALL)


@dataclass(frozen=True, order=True)
class Problem:
    resource: str
    message: str

    def __str__(self) -> str:
        return f"{self.resource}: {self.message}"


def _blank(text: str | None) -> bool:
    return not (text or "").strip()


def _own(resources: dict[str, dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for resource in resources.values():
        if resource.get("package_name") == PROJECT:
            yield resource


def declared_primary_key(node: dict[str, Any]) -> str | list[str] | None:
    """The key a model or seed declares: `unique_key` config, `meta.primary_key`, or a constraint."""
    config = node.get("config") or {}
    meta = {**(node.get("meta") or {}), **(config.get("meta") or {})}
    if "primary_key" in meta:
        # meta wins over unique_key, which may be a grain of rows (delete+insert by file), and
        # `primary_key: false` says the model has no one-column key
        return meta["primary_key"] or None
    if config.get("unique_key"):
        return config["unique_key"]
    for constraint in node.get("constraints") or []:
        if constraint.get("type") == "primary_key" and constraint.get("columns"):
            return constraint["columns"]
    for column in (node.get("columns") or {}).values():
        if any(c.get("type") == "primary_key" for c in column.get("constraints") or []):
            return column["name"]
    return None


def _column_tests(manifest: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    """(attached node, lower-case column) -> names of the generic tests on that column."""
    tests: dict[tuple[str, str], set[str]] = {}
    for node in manifest["nodes"].values():
        metadata = node.get("test_metadata")
        if node.get("resource_type") != "test" or not metadata or not node.get("column_name"):
            continue
        key = (node.get("attached_node") or "", node["column_name"].strip('"`').lower())
        tests.setdefault(key, set()).add(metadata["name"])
    return tests


def check_primary_keys(manifest: dict[str, Any]) -> list[Problem]:
    """A declared key must be tested unique and not_null; a model or seed that declares none must
    still have such a column (the one dbt itself would infer as its primary key)."""
    tests = _column_tests(manifest)
    problems = []
    for node in _own(manifest["nodes"]):
        if node["resource_type"] not in ("model", "seed"):
            continue
        key = declared_primary_key(node)
        if key is None:
            if node["resource_type"] == "model" and node["path"].startswith(KEYLESS_PATH_PREFIXES):
                continue
            keyed_columns = [
                column
                for (attached, column), names in tests.items()
                if attached == node["unique_id"] and names >= PRIMARY_KEY_TESTS
            ]
            if not keyed_columns:
                problems.append(
                    Problem(
                        node["unique_id"],
                        "has no primary key: declare config.meta.primary_key, test it unique and not_null",
                    )
                )
            continue
        if not isinstance(key, str):
            problems.append(
                Problem(
                    node["unique_id"],
                    f"primary key {key} has several columns: add a one-column surrogate key and declare that",
                )
            )
            continue
        missing = PRIMARY_KEY_TESTS - tests.get((node["unique_id"], key.lower()), set())
        if missing:
            problems.append(
                Problem(
                    node["unique_id"], f"primary key {key!r} lacks data tests: {', '.join(sorted(missing))}"
                )
            )
    return problems


def _columns_problems(resource: dict[str, Any]) -> Iterator[Problem]:
    for column in (resource.get("columns") or {}).values():
        if _blank(column.get("description")):
            yield Problem(resource["unique_id"], f"column {column['name']!r} has no description")


def _signature_arguments(macro: dict[str, Any]) -> set[str]:
    found = SIGNATURE.search(macro.get("macro_sql") or "")
    if not found:
        return set()
    return {part.split("=", 1)[0].strip() for part in found["params"].split(",") if part.strip()}


def check_descriptions(manifest: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    for node in _own(manifest["nodes"]):
        if node["resource_type"] not in ("model", "seed", "snapshot"):
            continue
        if _blank(node.get("description")):
            problems.append(Problem(node["unique_id"], "has no description"))
        problems.extend(_columns_problems(node))
    described_sources: set[str] = set()
    for source in _own(manifest["sources"]):
        if _blank(source.get("description")):
            problems.append(Problem(source["unique_id"], "has no description"))
        if _blank(source.get("source_description")) and source["source_name"] not in described_sources:
            problems.append(Problem(f"source {source['source_name']}", "has no description"))
        described_sources.add(source["source_name"])
        problems.extend(_columns_problems(source))
    for macro in _own(manifest["macros"]):
        if macro["name"].split("__", 1)[0] in DISPATCH_PREFIXES and "__" in macro["name"]:
            continue
        if macro["name"].startswith("materialization_"):
            continue
        if _blank(macro.get("description")):
            problems.append(Problem(macro["unique_id"], "has no description"))
        described = set()
        for argument in macro.get("arguments") or []:
            if _blank(argument.get("description")):
                problems.append(
                    Problem(macro["unique_id"], f"argument {argument['name']!r} has no description")
                )
            described.add(argument["name"])
        if macro["name"].startswith("test_"):
            # dbt reads no signature under tests/generic/ and warns at listed arguments there, so a
            # generic test may name its arguments in its description instead, as `name`
            described |= set(re.findall(r"`(\w+)`", macro.get("description") or ""))
            for name in sorted(_signature_arguments(macro) - IMPLICIT_TEST_ARGUMENTS - described):
                problems.append(Problem(macro["unique_id"], f"test argument {name!r} is not documented"))
    for kind in ("exposures", "metrics", "semantic_models", "saved_queries"):
        for resource in _own(manifest.get(kind) or {}):
            if _blank(resource.get("description")):
                problems.append(Problem(resource["unique_id"], "has no description"))
    return problems


def check_catalog_columns(manifest: dict[str, Any], catalog: dict[str, Any]) -> list[Problem]:
    """Columns the warehouse has that the yml does not document."""
    problems = []
    relations = {**catalog.get("nodes", {}), **catalog.get("sources", {})}
    documented = {**manifest["nodes"], **manifest["sources"]}
    for unique_id, relation in relations.items():
        resource = documented.get(unique_id)
        if resource is None or resource.get("package_name") != PROJECT:
            continue
        # a data test's stored failures (the audit schema): its columns are the test query's own
        if resource.get("resource_type") == "test":
            continue
        known = {name.lower() for name in resource.get("columns") or {}}
        for name in relation.get("columns") or {}:
            if name.lower() not in known:
                problems.append(Problem(unique_id, f"column {name!r} is in the warehouse but not documented"))
    return problems


def check(manifest: dict[str, Any], catalog: dict[str, Any] | None = None) -> list[Problem]:
    problems = check_descriptions(manifest) + check_primary_keys(manifest)
    if catalog is not None:
        problems += check_catalog_columns(manifest, catalog)
    return sorted(set(problems))


def _load(path: Path, what: str) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        hint = "run `dbt parse`, or `dbt docs generate` for a catalog"
        raise SystemExit(f"{what} not found: {path} ({hint})") from None
    except json.JSONDecodeError as error:
        raise SystemExit(f"{what} {path} is not valid JSON: {error}") from None


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path, help="dbt's manifest.json")
    parser.add_argument("--catalog", type=Path, help="catalog.json from `dbt docs generate`")
    args = parser.parse_args(list(argv) if argv is not None else None)
    manifest = _load(args.manifest, "manifest")
    if "nodes" not in manifest or "macros" not in manifest:
        raise SystemExit(f"{args.manifest} is not a dbt manifest (no nodes/macros)")
    catalog = _load(args.catalog, "catalog") if args.catalog else None
    problems = check(manifest, catalog)
    for problem in problems:
        print(problem)
    print(f"docs check: {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
