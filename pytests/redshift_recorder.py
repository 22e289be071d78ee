"""Redshift without a cluster: dbt-redshift runs for real, and every statement it sends is recorded.

dbt-redshift reaches the cluster only through ``redshift_connector.connect``; this module swaps that
one function for a fake connection (in the dbt subprocess) that writes each statement to a JSON-lines
log and answers what dbt and the project's macros ask from a small emulated warehouse kept in a JSON
state file, so that a second run sees what the first one created (an incremental build needs its
tables to exist; a second load skips the batches the first one loaded).

Tests use it through one class::

    recorder = RedshiftRecorder(work_dir, raw_data="s3://bucket/raw", vars={"redshift_raw_path": "copy",
                                "landing": "s3://bucket/landing"}, s3={"s3://bucket/landing": folder},
                                columns=duckdb_columns(...))
    run = recorder.run("run-operation", "load_landing", label="load")
    run.ok, run.output, run.statements, run.bodies, run.matching(r"^copy ")
    recorder.statements("load")              # the same, later, by label

or ``python -m pytests.redshift_recorder STATE.json <dbt args>`` by hand.

What the state file holds (``RedshiftRecorder`` writes it; every run updates it):
  log              JSON-lines file: {"label", "connection", "sql", "in_transaction", "warning"} per
                   statement, {"label", "connect"} per connection (keyword arguments, no secrets)
  label            tag written with each record of the current run
  database         the database SHOW SCHEMAS and information_schema answer for
  columns          {relation name: [[column, redshift type], ...]} for column queries (e.g. from a
                   DuckDB build of the same project); temporary tables get their CTAS's select list
  s3               {"s3://bucket/prefix": "/local/folder"}: what a COPY finds below a URL (a COPY
                   that finds no file fails, as Redshift's does)
  schemas, relations, external_schemas, external_tables: the catalog, kept in step with the DDL
  table_files      {"schema.table": [file URL, ...]}: the parquet files COPY loaded into a table;
                   `select <column> from <table>` answers with that column of those files
  transaction_warnings: statements Redshift would have warned about (BEGIN inside a transaction,
                   COMMIT or END outside one); tests assert there are none

Transactions are followed per connection as the server would: BEGIN opens a block, COMMIT, END,
ROLLBACK and ABORT close it, and with the driver's autocommit off any statement opens one. Every
statement is logged with whether it ran inside a block, so a test can tell a transaction from
statements that were each committed alone.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytests.dbt_runner import DbtProject

COMMENT = re.compile(r"/\*.*?\*/|--[^\n]*", re.DOTALL)
IDENT = r'(?:"[^"]+"|[a-z_][a-z0-9_$]*)'
RELATION = rf"({IDENT}(?:\.{IDENT}){{0,2}})"
TEXT_TYPE_CODE = 25  # PostgreSQL's oid for text; redshift_connector names it "text"
TEMP_SUFFIX = re.compile(r"__dbt_(?:tmp|backup)\w*$")
SECRET_ARGUMENTS = {"password", "secret_access_key", "session_token"}
TRANSACTION_START = re.compile(r"(begin|start transaction)\b")
TRANSACTION_END = re.compile(r"(commit|end|rollback|abort)\b")

# What the profile's redshift targets read (profiles.example.yml); no host is ever contacted.
RECORDER_ENV = {
    "REDSHIFT_HOST": "recorder.invalid",
    "REDSHIFT_USER": "dbt",
    "DBT_ENV_SECRET_REDSHIFT_PASSWORD": "recorder-only-secret",
    "SPARKIFY_REDSHIFT_IAM_ROLE": "arn:aws:iam::123456789012:role/sparkify-redshift",
    # one connection at a time: the recorded order is the order dbt sent
    "REDSHIFT_THREADS": "1",
}


def normalise(sql: str, lower: bool = True) -> str:
    """Comments removed, whitespace collapsed, lower-cased unless asked: what the patterns match."""
    text = " ".join(COMMENT.sub(" ", sql).split())
    return text.lower() if lower else text


def body(sql: str) -> str:
    """The statement without dbt's leading query comment, whitespace collapsed, case kept."""
    return " ".join(re.sub(r"^\s*/\*.*?\*/", "", sql, flags=re.DOTALL).split())


def relation_parts(text: str) -> list[str]:
    return [
        part.strip('"') if part.startswith('"') else part.lower() for part in re.findall(IDENT, text, re.I)
    ]


def relation_key(text: str) -> str:
    """schema.name of a possibly database-qualified relation (bare names: public)."""
    parts = relation_parts(text)
    return f"{parts[-2] if len(parts) >= 2 else 'public'}.{parts[-1]}"


def render_bindings(sql: str, bindings: Any) -> str:
    """The statement with its %s parameters written in, as the server would see it."""
    if not bindings:
        return sql
    values = iter(bindings)

    def literal(_: re.Match) -> str:
        value = next(values)
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return repr(value)
        return "'" + str(value).replace("'", "''") + "'"

    return re.sub(r"%s", literal, sql)


def projection_names(sql: str, columns: dict[str, list[list[str]]]) -> list[str]:
    """Output column names of a query, stars expanded where the tables' columns are known."""
    import sqlglot
    from sqlglot.optimizer.qualify import qualify

    try:
        expression = sqlglot.parse_one(sql, read="redshift")
        names = expression.named_selects
        if "*" in names or not names:
            schema = {name: {c: "varchar" for c, _ in cols} for name, cols in columns.items()}
            qualified = qualify(
                expression, schema=schema, dialect="redshift", validate_qualify_columns=False,
                quote_identifiers=False,
            )  # fmt: skip
            names = qualified.named_selects
        return [name for name in names if name != "*"]
    except Exception:
        return []


Answer = tuple[list[str] | None, list[tuple[Any, ...]]]


class Warehouse:
    """The emulated server: the catalog, the COPY tables' files, and the log of what it was sent."""

    def __init__(self, state_path: Path) -> None:
        self.state_path = state_path
        self.state: dict[str, Any] = json.loads(state_path.read_text())
        for key, empty in (
            ("schemas", []),
            ("relations", {}),
            ("external_schemas", []),
            ("external_tables", {}),
            ("table_files", {}),
            ("transaction_warnings", []),
        ):
            self.state.setdefault(key, empty)
        self.temp_relations: dict[str, str] = {}  # name -> the CTAS that made it (this run only)
        self.temp_files: dict[str, list[str]] = {}  # temporary table -> files COPY loaded (this run only)
        self.lock = threading.Lock()
        self.connection_ids = itertools.count(1)
        self.log = open(self.state["log"], "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def save(self) -> None:
        self.state_path.write_text(json.dumps(self.state, indent=1))
        self.log.flush()

    def close(self) -> None:
        self.save()
        self.log.close()

    def write(self, record: dict[str, Any]) -> None:
        self.log.write(json.dumps({"label": self.state.get("label", ""), **record}, default=str) + "\n")

    # -- the catalog -------------------------------------------------------------------------
    def columns_of(self, name: str) -> list[list[str]]:
        known = self.state.get("columns", {})
        for candidate in (name, TEMP_SUFFIX.sub("", name)):
            if candidate in known:
                return known[candidate]
        if name in self.temp_relations:
            return [
                [column, "character varying"] for column in projection_names(self.temp_relations[name], known)
            ]
        return []

    def add_schema(self, schema: str, external: bool = False) -> None:
        for key in ("schemas", "external_schemas") if external else ("schemas",):
            if schema not in self.state[key]:
                self.state[key].append(schema)

    def external_tables_in(self, schema: str) -> list[str]:
        return self.state["external_tables"].setdefault(schema, [])

    def observe(self, q: str, sql: str) -> None:
        """Keep the emulated warehouse in step with a statement (q: normalised, lower case)."""
        relations = self.state["relations"]
        if match := re.match(rf"create (external )?schema (?:if not exists )?{RELATION}", q):
            self.add_schema(relation_parts(match.group(2))[-1], external=bool(match.group(1)))
        elif match := re.match(rf"create external table {RELATION}", q):
            schema, name = relation_key(match.group(1)).split(".")
            if name not in self.external_tables_in(schema):
                self.external_tables_in(schema).append(name)
        elif match := re.match(rf"create (temporary |temp )?table (?:if not exists )?{RELATION}", q):
            parts = relation_parts(match.group(2))
            if match.group(1) or len(parts) == 1:
                self.temp_relations[parts[-1]] = sql
            else:
                relations[relation_key(match.group(2))] = "table"
        elif match := re.match(rf"create (?:or replace )?(?:materialized )?view {RELATION}", q):
            relations[relation_key(match.group(1))] = "view"
        elif match := re.match(rf"alter table {RELATION} rename to {RELATION}", q):
            old = relation_key(match.group(1))
            if old in relations:
                new = f"{old.split('.')[0]}.{relation_parts(match.group(2))[-1]}"
                relations[new] = relations.pop(old)
        elif match := re.match(rf"drop (?:table|view) (?:if exists )?{RELATION}", q):
            key = relation_key(match.group(1))
            relations.pop(key, None)
            self.state["table_files"].pop(key, None)
            self.temp_relations.pop(relation_parts(match.group(1))[-1], None)
            self.temp_files.pop(relation_parts(match.group(1))[-1], None)
            schema, name = key.split(".")
            if name in self.external_tables_in(schema):
                self.external_tables_in(schema).remove(name)
        elif match := re.match(rf"drop schema (?:if exists )?{RELATION}", q):
            schema = relation_parts(match.group(1))[-1]
            for key in ("schemas", "external_schemas"):
                if schema in self.state[key]:
                    self.state[key].remove(schema)
        elif match := re.match(rf"copy {RELATION} from '([^']+)'", normalise(sql, False), re.I):
            self.record_copy(match.group(1), match.group(2))

    # -- COPY from the fake S3 -----------------------------------------------------------------
    def s3_files(self, url: str) -> list[tuple[str, Path]]:
        for base, folder in self.state.get("s3", {}).items():
            base = base.rstrip("/")
            if url.startswith(base):
                root = Path(folder)
                wanted = url[len(base) :].lstrip("/")
                return sorted(
                    (f"{base}/{path.relative_to(root).as_posix()}", path)
                    for path in root.rglob("*")
                    if path.is_file() and path.relative_to(root).as_posix().startswith(wanted)
                )
        return []

    def record_copy(self, relation: str, url: str) -> None:
        """COPY reads every file below the URL (a prefix), and fails when there is none."""
        files = [name for name, _ in self.s3_files(url)]
        if not files:
            import redshift_connector

            raise redshift_connector.ProgrammingError(
                {"S": "ERROR", "C": "XX000", "M": f"The specified S3 prefix '{url}' does not exist"}
            )
        parts = relation_parts(relation)
        if len(parts) == 1 and parts[0] in self.temp_relations:
            self.temp_files.setdefault(parts[0], []).extend(files)
        else:
            self.state["table_files"].setdefault(relation_key(relation), []).extend(files)

    def copied_files(self, relation: str) -> list[str] | None:
        """The files COPY loaded into a table, or None for a table COPY never loaded."""
        parts = relation_parts(relation)
        if len(parts) == 1 and parts[0] in self.temp_files:
            return self.temp_files[parts[0]]
        return self.state["table_files"].get(relation_key(relation))

    def column_of_files(self, files: list[str], column: str) -> list[Any]:
        import pyarrow.parquet as pq

        local = dict(item for name in files for item in self.s3_files(name))
        tables = [pq.read_table(local[name], columns=[column]) for name in files]
        return [value for table in tables for value in table[column].to_pylist()]

    # -- answers ------------------------------------------------------------------------------
    def answer(self, q: str) -> Answer:
        """(column names, rows) for a query; None names: compute them from the SQL if asked."""
        for responder in RESPONDERS:
            found = responder(self, q)
            if found is not None:
                return found
        return None, []


def _backend_pid(warehouse: Warehouse, q: str) -> Answer | None:
    return (["pg_backend_pid"], [(4242,)]) if q == "select pg_backend_pid()" else None


def _schemas(warehouse: Warehouse, q: str) -> Answer | None:
    state = warehouse.state
    if "from pg_namespace" in q and "count(" in q:
        schema = re.search(r"nspname = '([^']+)'", q)
        return ["count"], [(int(bool(schema) and schema.group(1) in state["schemas"]),)]
    if "from pg_namespace" in q:
        return ["nspname"], [(schema,) for schema in sorted({"public", *state["schemas"]})]
    if match := re.search(r"show schemas from database \S+(?: like '([^']*)')?", q):
        names = sorted({"public", *state["schemas"]})
        names = [name for name in names if not match.group(1) or name == match.group(1)]
        database = state.get("database", "dev")
        return (
            ["database_name", "schema_name", "schema_owner", "schema_type"],
            [(database, name, 100, "local") for name in names],
        )
    return None


def _relations(warehouse: Warehouse, q: str) -> Answer | None:
    state = warehouse.state
    database = state.get("database", "dev")
    listed = [(*key.split(".", 1), kind) for key, kind in sorted(state["relations"].items())]
    if "information_schema.tables" in q:
        schema = re.search(r"table_schema ilike '([^']+)'", q)
        wanted = schema.group(1) if schema else ""
        return ["database", "name", "schema", "type"], [
            (database, name, schema, kind) for schema, name, kind in listed if schema == wanted
        ]
    if match := re.search(rf"show tables from schema {RELATION}", q):
        wanted = relation_parts(match.group(1))[-1]
        return ["database_name", "schema_name", "table_name", "table_type", "table_acl", "remarks"], [
            (database, schema, name, "VIEW" if kind == "view" else "TABLE", None, None)
            for schema, name, kind in listed
            if schema == wanted
        ]
    return None


def _select_list(q: str, view: str) -> list[str]:
    """The plain column names a `select a, b from <view>` asks for."""
    match = re.search(rf"select\s+(.*?)\s+from\s+(?:pg_catalog\.)?{view}\b", q, re.DOTALL)
    if not match or match.group(1).strip() == "*":
        return []
    return [part.strip().split()[-1].strip('"') for part in match.group(1).split(",")]


def _external_catalog(warehouse: Warehouse, q: str) -> Answer | None:
    state = warehouse.state
    if "svv_external_tables" in q:
        schema = re.search(r"schemaname\s*=\s*'([^']*)'", q)
        schemas = [schema.group(1)] if schema else sorted(state["external_tables"])
        records = [
            {"schemaname": schema, "tablename": name}
            for schema in schemas
            for name in sorted(state["external_tables"].get(schema, []))
        ]
        wanted = _select_list(q, "svv_external_tables") or ["schemaname", "tablename"]
        return wanted, [tuple(record.get(name) for name in wanted) for record in records]
    if "svv_external_schemas" in q:
        wanted = _select_list(q, "svv_external_schemas") or ["schemaname"]
        return wanted, [
            tuple({"schemaname": name}.get(column) for column in wanted)
            for name in sorted(state["external_schemas"])
        ]
    return None


def _columns(warehouse: Warehouse, q: str) -> Answer | None:
    if 'information_schema."columns"' not in q:
        return None
    table = re.search(r"table_name = '([^']+)'", q)
    columns = warehouse.columns_of(table.group(1)) if table else []
    return ["column_name", "data_type", "character_maximum_length", "numeric_precision", "numeric_scale"], [
        (name, kind, 256 if kind == "character varying" else None, None, None) for name, kind in columns
    ]


def _copied(warehouse: Warehouse, q: str) -> Answer | None:
    """`select <column> from <table>` of a table COPY loaded: that column of the files it loaded."""
    if "from pg_proc" in q:
        return ["database", "name", "schema", "type"], []
    if (match := re.fullmatch(rf"select (\w+) from {RELATION};?", q)) and (
        files := warehouse.copied_files(match.group(2))
    ) is not None:
        return [match.group(1)], [(value,) for value in warehouse.column_of_files(files, match.group(1))]
    return None


def _data_tests(warehouse: Warehouse, q: str) -> Answer | None:
    if "count(*) as failures" in q:
        return ["failures", "should_warn", "should_error"], [(0, False, False)]
    if re.fullmatch(r"select count\(\*\) (?:as \w+ )?from .*", q) and " join " not in q:
        return None, [(0,)]
    return None


RESPONDERS: list[Callable[[Warehouse, str], Answer | None]] = [
    _backend_pid,
    _schemas,
    _relations,
    _external_catalog,
    _columns,
    _copied,
    _data_tests,
]


class RecordingCursor:
    def __init__(self, connection: RecordingConnection) -> None:
        self.connection = connection
        self._names: list[str] | None = None
        self._sql = ""
        self._rows: list[tuple] = []
        self.rowcount = -1

    def __enter__(self) -> RecordingCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def execute(self, operation: str, args: Any = None, **_: Any) -> RecordingCursor:
        sql = render_bindings(operation, args)
        self._names, self._rows = self.connection.send(sql)
        self._sql = sql
        self.rowcount = len(self._rows)
        return self

    @property
    def description(self) -> list[tuple] | None:
        if self._names is None:
            if not normalise(self._sql).startswith(("select", "with", "(")):
                return None
            self._names = projection_names(self._sql, self.connection.warehouse.state.get("columns", {}))
            if self._rows and len(self._names) != len(self._rows[0]):
                self._names = [f"column_{i}" for i in range(len(self._rows[0]))]
        return [(name, TEXT_TYPE_CODE, None, None, None, None, None) for name in self._names]

    def fetchall(self) -> list[tuple]:
        rows, self._rows = self._rows, []
        return rows

    def fetchmany(self, size: int | None = None) -> list[tuple]:
        size = size or 1
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    def fetchone(self) -> tuple | None:
        return self._rows.pop(0) if self._rows else None

    def close(self) -> None:
        pass


class RecordingConnection:
    """Stands in for redshift_connector.Connection, following its transaction state as it would."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self.id = next(warehouse.connection_ids)
        self.autocommit = False
        self.in_transaction = False  # redshift_connector's name: the server's last ReadyForQuery status
        self.files_at_begin: str | None = None  # what COPY had loaded when the open block began

    def send(self, sql: str) -> Answer:
        q = normalise(sql)
        warning = None
        inside = was_open = self.in_transaction
        if TRANSACTION_START.match(q):
            warning = "there is already a transaction in progress" if inside else None
            self.in_transaction = True
        elif TRANSACTION_END.match(q):
            warning = None if inside else "there is no transaction in progress"
            self.in_transaction = False
            if q.startswith(("rollback", "abort")) and self.files_at_begin is not None:
                self.warehouse.state["table_files"] = json.loads(self.files_at_begin)
        elif q and not self.autocommit:
            inside = self.in_transaction = True  # DB-API: the driver's first statement opens a block
        if self.in_transaction and not was_open:  # a block begins: a rollback undoes its COPYs
            self.files_at_begin = json.dumps(self.warehouse.state["table_files"])
        with self.warehouse.lock:
            record: dict[str, Any] = {"connection": self.id, "sql": sql, "in_transaction": inside}
            if warning:
                record["warning"] = warning
                self.warehouse.state["transaction_warnings"].append(f"{warning}: {body(sql)[:200]}")
            self.warehouse.write(record)
            self.warehouse.observe(q, sql)
            return self.warehouse.answer(q)

    def cursor(self) -> RecordingCursor:
        return RecordingCursor(self)

    def commit(self) -> None:
        # redshift_connector sends COMMIT whatever the state; the server warns when no block is open
        self.send("commit")

    def rollback(self) -> None:
        if self.in_transaction:  # redshift_connector sends nothing outside a transaction
            self.send("rollback")

    def close(self) -> None:
        pass


def install(state_path: Path) -> Warehouse:
    """Make redshift_connector.connect return recording connections (dbt-redshift looks it up per call)."""
    import redshift_connector

    warehouse = Warehouse(state_path)

    def connect(**kwargs: Any) -> RecordingConnection:
        shown = {
            key: value
            for key, value in kwargs.items()
            if key not in SECRET_ARGUMENTS and isinstance(value, str | int | bool | None)
        }
        warehouse.state["database"] = kwargs.get("database") or warehouse.state.get("database", "dev")
        connection = RecordingConnection(warehouse)
        with warehouse.lock:
            warehouse.write({"connection": connection.id, "connect": shown})
        return connection

    redshift_connector.connect = connect
    return warehouse


# -- the test side --------------------------------------------------------------------------------


@dataclass
class Run:
    """One recorded dbt invocation."""

    label: str
    returncode: int
    output: str
    records: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def statements(self) -> list[str]:
        """Every statement as dbt sent it (query comment included), in order."""
        return [record["sql"] for record in self.records if "sql" in record]

    @property
    def bodies(self) -> list[str]:
        """The statements without dbt's query comment, whitespace collapsed."""
        return [body(sql) for sql in self.statements]

    @property
    def connects(self) -> list[dict[str, Any]]:
        return [record["connect"] for record in self.records if "connect" in record]

    def matching(self, pattern: str) -> list[str]:
        """The bodies (no query comment, one line) that match a regex (case-insensitive)."""
        return [sql for sql in self.bodies if re.search(pattern, sql, re.IGNORECASE)]


@dataclass
class RedshiftRecorder:
    """A dbt project run against the recorder: its own work dir, state and log, kept across runs."""

    work_dir: Path
    raw_data: str | Path
    target: str = "redshift"
    vars: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    columns: dict[str, list[list[str]]] = field(default_factory=dict)
    s3: dict[str, str | Path] = field(default_factory=dict)
    catalog: dict[str, Any] = field(default_factory=dict)  # schemas, relations, external_* to start with

    def __post_init__(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.state_path = self.work_dir / "redshift_state.json"
        self.log_path = self.work_dir / "redshift_statements.jsonl"
        self.log_path.touch()
        self.state_path.write_text(
            json.dumps(
                {
                    "log": str(self.log_path),
                    "database": "dev",
                    "columns": self.columns,
                    "s3": {url: str(folder) for url, folder in self.s3.items()},
                    **self.catalog,
                }
            )
        )
        self.project = DbtProject(
            work_dir=self.work_dir,
            raw_data=self.raw_data,
            target=self.target,
            extra_vars=self.vars,
            extra_env={**RECORDER_ENV, **self.env},
            dbt_command=[sys.executable, "-m", "pytests.redshift_recorder", str(self.state_path)],
        )
        self._runs = 0
        self.outputs: dict[str, str] = {}  # dbt's output of each run, by label

    @property
    def state(self) -> dict[str, Any]:
        return json.loads(self.state_path.read_text())

    def update_state(self, **changes: Any) -> None:
        """Change the emulated warehouse between runs, e.g. pretend external tables exist."""
        self.state_path.write_text(json.dumps({**self.state, **changes}, indent=1))

    def reset(self, **catalog: Any) -> None:
        """Forget everything the warehouse was sent (the log stays) and start from `catalog`
        (schemas, relations, external_schemas, external_tables), as a fresh cluster would."""
        kept = ("log", "database", "columns", "s3")
        self.state_path.write_text(json.dumps({k: v for k, v in self.state.items() if k in kept} | catalog))

    def run(self, *args: str, label: str | None = None, vars: dict | None = None, check: bool = False) -> Run:
        """Run one dbt command through the recorder; check=True raises with dbt's output on failure."""
        self._runs += 1
        label = label or f"run{self._runs}"
        self.update_state(label=label)
        result = self.project.dbt(*args, vars=vars, check=check)
        self.outputs[label] = result.output
        return Run(label, result.returncode, result.output, self.records(label))

    def records(self, label: str | None = None) -> list[dict[str, Any]]:
        lines = self.log_path.read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
        return [record for record in records if label is None or record["label"] == label]

    def statements(self, label: str) -> list[str]:
        return [record["sql"] for record in self.records(label) if "sql" in record]

    def bodies(self, label: str) -> list[str]:
        return [body(sql) for sql in self.statements(label)]


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m pytests.redshift_recorder STATE.json <dbt args>", file=sys.stderr)
        return 2
    warehouse = install(Path(argv[0]))
    from dbt.cli.main import dbtRunner

    try:
        result = dbtRunner().invoke(argv[1:])
    finally:
        with warehouse.lock:
            warehouse.close()
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
