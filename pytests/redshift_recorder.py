"""Run dbt against Redshift without a cluster: record every SQL statement dbt sends.

dbt-redshift talks to the cluster only through ``redshift_connector.connect``; this module swaps
that one function for a fake connection that appends each statement to a JSON-lines file and
answers the metadata queries dbt and the project's macros ask, from a small in-memory catalog fed
by the DDL it has seen (so a later ``SHOW TABLES`` lists what an earlier ``create table`` made).

Use it through ``run_dbt_recorded`` (a subprocess, like every other dbt run in the tests)::

    recording = run_dbt_recorded(project, "run-operation", "stage_external_sources")
    recording.statements          # every statement, in order, as dbt sent it
    recording.matching(r"create external table")

or run ``python -m pytests.redshift_recorder RECORD.jsonl [CATALOG.json] -- <dbt args>`` by hand.
``CATALOG.json`` seeds the catalog (``{"schemas": {...}, "external_tables": {...}}``, see
``Catalog.from_seed``), e.g. to pretend an external table already exists.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Type OIDs dbt-redshift maps to names (redshift_connector.utils.oids).
_INT8, _INT4, _TEXT, _BOOL = 20, 23, 25, 16

_IDENT = r'"?([\w$]+)"?'
_QUALIFIED = rf"(?:{_IDENT}\.)?(?:{_IDENT}\.)?{_IDENT}"


def _names(match: re.Match, first_group: int) -> tuple[str | None, str]:
    """(schema, name) from a possibly database.schema.name qualified match, lower-cased."""
    parts = [g for g in match.groups()[first_group : first_group + 3] if g]
    schema = parts[-2].lower() if len(parts) >= 2 else None
    return schema, parts[-1].lower()


@dataclass
class Result:
    columns: list[tuple[str, int]]
    rows: list[tuple[Any, ...]]


@dataclass
class Catalog:
    """Schemas with their tables and views, and Spectrum's external schemas and tables."""

    database: str = "dev"
    relations: dict[str, dict[str, str]] = field(default_factory=dict)  # schema -> name -> type
    external_schemas: set[str] = field(default_factory=set)
    external_tables: dict[str, set[str]] = field(default_factory=dict)  # schema -> names

    @classmethod
    def from_seed(cls, seed: dict[str, Any]) -> Catalog:
        catalog = cls(database=seed.get("database", "dev"))
        for schema, relations in seed.get("schemas", {}).items():
            catalog.relations[schema.lower()] = {name.lower(): kind for name, kind in relations.items()}
        for schema, tables in seed.get("external_tables", {}).items():
            catalog.external_schemas.add(schema.lower())
            catalog.external_tables[schema.lower()] = {name.lower() for name in tables}
        return catalog

    def observe(self, sql: str) -> None:
        """Keep the catalog in step with the DDL dbt sends."""
        text = " ".join(sql.split())
        if m := re.match(rf"create external schema (?:if not exists )?{_IDENT}", text, re.IGNORECASE):
            self.external_schemas.add(m.group(1).lower())
        elif m := re.match(rf"create schema (?:if not exists )?{_QUALIFIED}", text, re.IGNORECASE):
            self.relations.setdefault(_names(m, 0)[1], {})
        elif m := re.match(rf"create external table {_QUALIFIED}", text, re.IGNORECASE):
            schema, name = _names(m, 0)
            self.external_tables.setdefault(schema or "public", set()).add(name)
        elif m := re.match(
            r"create (?:or replace )?(?:temporary |temp )?(table|view|materialized view) "
            rf"(?:if not exists )?{_QUALIFIED}",
            text,
            re.IGNORECASE,
        ):
            schema, name = _names(m, 1)
            self.relations.setdefault(schema or "public", {})[name] = m.group(1).lower()
        elif m := re.match(rf"drop (table|view) (?:if exists )?{_QUALIFIED}", text, re.IGNORECASE):
            schema, name = _names(m, 1)
            self.relations.get(schema or "public", {}).pop(name, None)
            self.external_tables.get(schema or "public", set()).discard(name)
        elif m := re.match(rf"drop schema (?:if exists )?{_QUALIFIED}", text, re.IGNORECASE):
            self.relations.pop(_names(m, 0)[1], None)
        elif m := re.match(rf"alter table {_QUALIFIED} rename to {_IDENT}", text, re.IGNORECASE):
            schema, name = _names(m, 0)
            kinds = self.relations.get(schema or "public", {})
            if name in kinds:
                kinds[m.group(4).lower()] = kinds.pop(name)

    def schema_names(self) -> list[str]:
        return sorted({"public", *self.relations, *self.external_schemas})

    def relations_in(self, schema: str) -> list[tuple[str, str]]:
        return sorted(self.relations.get(schema.lower(), {}).items())


Responder = Callable[[str, Catalog], Result | None]


def _show_schemas(sql: str, catalog: Catalog) -> Result | None:
    m = re.search(r"show schemas from database \S+(?: like '([^']*)')?", sql, re.IGNORECASE)
    if not m:
        return None
    names = catalog.schema_names()
    if m.group(1):
        names = [name for name in names if name == m.group(1).lower()]
    columns = [
        ("database_name", _TEXT),
        ("schema_name", _TEXT),
        ("schema_owner", _INT4),
        ("schema_type", _TEXT),
    ]
    return Result(columns, [(catalog.database, name, 100, "local") for name in names])


def _show_tables(sql: str, catalog: Catalog) -> Result | None:
    m = re.search(rf"show tables from schema {_QUALIFIED}", sql, re.IGNORECASE)
    if not m:
        return None
    schema = _names(m, 0)[1]
    columns = [
        ("database_name", _TEXT),
        ("schema_name", _TEXT),
        ("table_name", _TEXT),
        ("table_type", _TEXT),
        ("table_acl", _TEXT),
        ("remarks", _TEXT),
    ]
    rows = [
        (catalog.database, schema, name, "VIEW" if kind == "view" else "TABLE", None, None)
        for name, kind in catalog.relations_in(schema)
    ]
    return Result(columns, rows)


def _legacy_list_relations(sql: str, catalog: Catalog) -> Result | None:
    if "from information_schema.tables" not in sql.lower() or "as type" not in sql.lower():
        return None
    m = re.search(r"table_schema ilike '([^']*)'", sql, re.IGNORECASE)
    if not m:
        return None
    schema = m.group(1).lower()
    columns = [("database", _TEXT), ("name", _TEXT), ("schema", _TEXT), ("type", _TEXT)]
    return Result(
        columns, [(catalog.database, name, schema, kind) for name, kind in catalog.relations_in(schema)]
    )


def _legacy_list_schemas(sql: str, catalog: Catalog) -> Result | None:
    if not re.search(r"select distinct nspname from pg_namespace", sql, re.IGNORECASE):
        return None
    return Result([("nspname", _TEXT)], [(name,) for name in catalog.schema_names()])


def _select_list(sql: str, view: str) -> list[str]:
    """The plain column names a `select a, b from <view>` asks for, lower-cased."""
    m = re.search(rf"select\s+(.*?)\s+from\s+{view}\b", sql, re.IGNORECASE | re.DOTALL)
    if not m or m.group(1).strip() == "*":
        return []
    return [part.strip().split()[-1].strip('"').lower() for part in m.group(1).split(",")]


def _external_tables(sql: str, catalog: Catalog) -> Result | None:
    if "svv_external_tables" not in sql.lower():
        return None
    m = re.search(r"schemaname\s*=\s*'([^']*)'", sql, re.IGNORECASE)
    schemas = [m.group(1).lower()] if m else sorted(catalog.external_tables)
    records = [
        {"schemaname": schema, "tablename": name}
        for schema in schemas
        for name in sorted(catalog.external_tables.get(schema, ()))
    ]
    wanted = _select_list(sql, "svv_external_tables") or ["schemaname", "tablename"]
    return Result(
        [(name, _TEXT) for name in wanted], [tuple(r.get(name) for name in wanted) for r in records]
    )


def _external_schemas(sql: str, catalog: Catalog) -> Result | None:
    if "svv_external_schemas" not in sql.lower():
        return None
    wanted = _select_list(sql, "svv_external_schemas") or ["schemaname"]
    rows = [
        tuple({"schemaname": name}.get(column) for column in wanted)
        for name in sorted(catalog.external_schemas)
    ]
    return Result([(name, _TEXT) for name in wanted], rows)


def _backend_pid(sql: str, catalog: Catalog) -> Result | None:
    if re.search(r"select pg_backend_pid\(\)", sql, re.IGNORECASE):
        return Result([("pg_backend_pid", _INT4)], [(4242,)])
    return None


DEFAULT_RESPONDERS: list[Responder] = [
    _backend_pid,
    _show_schemas,
    _show_tables,
    _legacy_list_relations,
    _legacy_list_schemas,
    _external_tables,
    _external_schemas,
]


class RecordingCursor:
    def __init__(self, connection: RecordingConnection) -> None:
        self._connection = connection
        self.description: list[tuple] | None = None
        self.rowcount = -1
        self._rows: list[tuple[Any, ...]] = []

    def execute(self, operation: str, args: Any = None, **_: Any) -> RecordingCursor:
        result = self._connection.run(operation, args)
        if result is None:
            self.description, self._rows, self.rowcount = None, [], 0
        else:
            self.description = [(name, oid, None, None, None, None, None) for name, oid in result.columns]
            self._rows = list(result.rows)
            self.rowcount = len(self._rows)
        return self

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.fetchmany(1)[0] if self._rows else None

    def close(self) -> None:
        pass

    def __enter__(self) -> RecordingCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RecordingConnection:
    """Stands in for redshift_connector.Connection."""

    def __init__(self, record_path: Path, catalog: Catalog, responders: Sequence[Responder]) -> None:
        self._record_path = record_path
        self.catalog = catalog
        self._responders = list(responders)
        self.autocommit = False

    def run(self, sql: str, args: Any = None) -> Result | None:
        with self._record_path.open("a", encoding="utf-8") as record:
            record.write(
                json.dumps({"sql": sql, "args": args, "autocommit": self.autocommit}, default=str) + "\n"
            )
        self.catalog.observe(sql)
        for responder in self._responders:
            result = responder(sql, self.catalog)
            if result is not None:
                return result
        return None

    def cursor(self) -> RecordingCursor:
        return RecordingCursor(self)

    def commit(self) -> None:
        self.run("-- driver commit")

    def rollback(self) -> None:
        self.run("-- driver rollback")

    def close(self) -> None:
        pass


def install(
    record_path: Path, catalog: Catalog | None = None, responders: Sequence[Responder] = ()
) -> Catalog:
    """Patch redshift_connector.connect in this process; returns the catalog the fake shares."""
    import redshift_connector

    shared = catalog or Catalog()

    def connect(**kwargs: Any) -> RecordingConnection:
        shared.database = kwargs.get("database") or shared.database
        return RecordingConnection(record_path, shared, [*responders, *DEFAULT_RESPONDERS])

    redshift_connector.connect = connect
    return shared


@dataclass
class Recording:
    output: str
    returncode: int
    statements: list[str]

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def matching(self, pattern: str) -> list[str]:
        """Statements matching a regex (case-insensitive, whitespace collapsed to one space)."""
        return [sql for sql in self.statements if re.search(pattern, " ".join(sql.split()), re.IGNORECASE)]


def load_statements(record_path: Path) -> list[str]:
    """Recorded SQL minus dbt's query comments and the driver's own commit/rollback markers."""
    if not record_path.exists():
        return []
    statements = []
    for line in record_path.read_text(encoding="utf-8").splitlines():
        sql = re.sub(r"/\*.*?\*/", "", json.loads(line)["sql"], flags=re.DOTALL).strip()
        if sql and not sql.startswith("-- driver"):
            statements.append(sql)
    return statements


REDSHIFT_PROFILE = """\
sparkify:
  target: redshift
  outputs:
    redshift:
      type: redshift
      # Never contacted: redshift_recorder replaces the driver's connect().
      host: 127.0.0.1
      port: 5439
      user: recorder
      password: recorder
      dbname: dev
      schema: sparkify
      threads: 1
"""


def run_dbt_recorded(
    project: Any, *args: str, vars: dict | None = None, seed: dict | None = None
) -> Recording:
    """Run one dbt command for a pytests.dbt_runner.DbtProject through the recorder (subprocess).

    The project's profiles.yml is replaced by a minimal redshift one (target ``redshift``).
    """
    import subprocess

    from pytests.dbt_runner import PROJECT_ROOT

    (project.work_dir / "profiles" / "profiles.yml").write_text(REDSHIFT_PROFILE)
    record_path = project.work_dir / "redshift_statements.jsonl"
    record_path.unlink(missing_ok=True)
    seed_path = project.work_dir / "redshift_catalog.json"
    seed_path.write_text(json.dumps(seed or {}))
    env = project.env()
    env["DBT_TARGET"] = "redshift"
    command = [
        sys.executable,
        "-m",
        "pytests.redshift_recorder",
        str(record_path),
        str(seed_path),
        "--",
        *args,
        "--vars",
        project.vars_arg(vars),
    ]
    completed = subprocess.run(
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False
    )
    return Recording(completed.stdout + completed.stderr, completed.returncode, load_statements(record_path))


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print(
            "usage: python -m pytests.redshift_recorder RECORD.jsonl [CATALOG.json] -- <dbt args>",
            file=sys.stderr,
        )
        return 2
    split = argv.index("--")
    own, dbt_args = argv[:split], argv[split + 1 :]
    if not own:
        print("redshift_recorder: missing RECORD.jsonl", file=sys.stderr)
        return 2
    seed = json.loads(Path(own[1]).read_text()) if len(own) > 1 else {}
    install(Path(own[0]), Catalog.from_seed(seed))
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(dbt_args)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
