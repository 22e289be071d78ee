"""A stand-in for redshift_connector: dbt-redshift runs whole builds with no cluster, and every
statement it would send to Redshift is recorded.

Run dbt through it (DbtProject(dbt_command=recorder_command(state_path)) does this):

    python pytests/redshift_recorder_issue4.py STATE.json build --target redshift ...

STATE.json is written by the test and updated by every run, so that a second run sees what the
first one created (an incremental build needs its tables to exist):
  log           JSON-lines file that gets {"label", "sql"} per statement and {"label", "connect"}
                per connection (its keyword arguments, password removed)
  label         tag written with each record, e.g. "full_build"
  columns       {relation name: [[column, redshift type], ...]}: column lists to answer catalog
                queries with, taken from a DuckDB build of the same project
  s3            {"s3://bucket/prefix": "/local/folder"}: what a COPY finds below a URL
  load_errors   {"s3://.../file.json": [[line, column, message], ...]}: records COPY rejects
  schemas, relations, loaded_files, copies: kept up to date from the statements seen

Catalog queries (schemas, relations, columns), the system views load_raw_data reads and data tests
get plausible answers; any other query returns no rows. Nothing is executed anywhere.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from pathlib import Path
from typing import Any

COMMENT = re.compile(r"/\*.*?\*/|--[^\n]*", re.DOTALL)
IDENT = r'(?:"[^"]+"|[a-z_][a-z0-9_$]*)'
RELATION = rf"({IDENT}(?:\.{IDENT}){{0,2}})"
TEXT_TYPE_CODE = 25  # PostgreSQL's oid for text; redshift_connector names it "text"
TEMP_SUFFIX = re.compile(r"__dbt_(?:tmp|backup)\w*$")


def normalise(sql: str, lower: bool = True) -> str:
    """Comments removed, whitespace collapsed, lower-cased unless asked: what the patterns match."""
    text = " ".join(COMMENT.sub(" ", sql).split())
    return text.lower() if lower else text


def relation_parts(text: str) -> list[str]:
    return [
        part.strip('"') if part.startswith('"') else part.lower() for part in re.findall(IDENT, text, re.I)
    ]


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


class Recorder:
    def __init__(self, state_path: Path) -> None:
        self.state_path = state_path
        self.state: dict[str, Any] = json.loads(state_path.read_text())
        for key, empty in (("schemas", []), ("relations", {}), ("loaded_files", {}), ("copies", {})):
            self.state.setdefault(key, empty)
        self.state.setdefault("next_query_id", 1000)
        self.temp_relations: dict[str, str] = {}  # name -> the CTAS that made it (this run only)
        self.lock = threading.Lock()
        self.log = open(self.state["log"], "a", encoding="utf-8")  # noqa: SIM115 - closed in save()

    def save(self) -> None:
        self.state_path.write_text(json.dumps(self.state, indent=1))
        self.log.flush()

    def write(self, record: dict[str, Any]) -> None:
        self.log.write(json.dumps({"label": self.state.get("label", ""), **record}) + "\n")

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

    def track_ddl(self, q: str, sql: str) -> None:
        relations = self.state["relations"]
        if match := re.match(rf"create (?:external )?schema (?:if not exists )?{RELATION}", q):
            schema = relation_parts(match.group(1))[-1]
            if schema not in self.state["schemas"]:
                self.state["schemas"].append(schema)
        elif match := re.match(
            rf"create (temporary |temp |external )?table (?:if not exists )?{RELATION}", q
        ):
            parts = relation_parts(match.group(2))
            if match.group(1) in ("temporary ", "temp ") or len(parts) == 1:
                self.temp_relations[parts[-1]] = sql
            else:
                relations[f"{parts[-2]}.{parts[-1]}"] = "table"
        elif match := re.match(rf"create (?:or replace )?view {RELATION}", q):
            parts = relation_parts(match.group(1))
            relations[f"{parts[-2]}.{parts[-1]}"] = "view"
        elif match := re.match(rf"alter table {RELATION} rename to {RELATION}", q):
            old = relation_parts(match.group(1))
            new = relation_parts(match.group(2))[-1]
            if len(old) >= 2 and f"{old[-2]}.{old[-1]}" in relations:
                relations[f"{old[-2]}.{new}"] = relations.pop(f"{old[-2]}.{old[-1]}")
        elif match := re.match(rf"drop (?:table|view) (?:if exists )?{RELATION}", q):
            parts = relation_parts(match.group(1))
            relations.pop(f"{parts[-2]}.{parts[-1]}" if len(parts) >= 2 else parts[-1], None)
            self.temp_relations.pop(parts[-1], None)
        elif match := re.match(
            rf"insert into {RELATION} \(.*source_file\) select .*'(s3://[^']+)' from",
            normalise(sql, False),
            re.I,
        ):
            parts = relation_parts(match.group(1))
            self.state["loaded_files"].setdefault(f"{parts[-2]}.{parts[-1]}", []).append(match.group(2))
        elif match := re.match(rf"copy {RELATION} .*? from '([^']+)'", normalise(sql, False), re.I):
            self.record_copy(match.group(2))

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

    def record_copy(self, url: str) -> None:
        files = self.s3_files(url)
        errors = self.state.get("load_errors", {})
        rows = 0
        for name, path in files:
            records = sum(1 for line in path.read_text().splitlines() if line.strip())
            rows += records - len(errors.get(name, []))
        query_id = self.state["next_query_id"]
        self.state["next_query_id"] += 1
        self.state["copies"][str(query_id)] = {"files": [name for name, _ in files], "rows": rows}
        self.state["last_copy"] = query_id

    # -- answers ------------------------------------------------------------------------------
    def answer(self, q: str) -> tuple[list[str] | None, list[tuple]]:
        """(column names, rows) for a query; None names: compute them from the SQL if asked."""
        state = self.state
        if q == "select pg_backend_pid()":
            return ["pg_backend_pid"], [(4242,)]
        if "from pg_namespace" in q and "count(" in q:
            schema = re.search(r"nspname = '([^']+)'", q)
            return ["count"], [(int(bool(schema) and schema.group(1) in state["schemas"]),)]
        if "from pg_namespace" in q:
            return ["nspname"], [(schema,) for schema in state["schemas"]]
        if "information_schema.tables" in q:
            schema = re.search(r"table_schema ilike '([^']+)'", q)
            wanted = schema.group(1) if schema else ""
            rows = [
                (state.get("database", "dev"), key.split(".", 1)[1], key.split(".", 1)[0], kind)
                for key, kind in sorted(state["relations"].items())
                if key.split(".", 1)[0] == wanted
            ]
            return ["database", "name", "schema", "type"], rows
        if 'information_schema."columns"' in q:
            table = re.search(r"table_name = '([^']+)'", q)
            columns = self.columns_of(table.group(1)) if table else []
            return (
                [
                    "column_name",
                    "data_type",
                    "character_maximum_length",
                    "numeric_precision",
                    "numeric_scale",
                ],
                [
                    (name, kind, 256 if kind == "character varying" else None, None, None)
                    for name, kind in columns
                ],
            )
        if "from pg_proc" in q:
            return ["database", "name", "schema", "type"], []
        if "from sys_load_history" in q:
            last = state.get("last_copy")
            return ["query_id", "loaded_rows"], [] if last is None else [
                (last, state["copies"][str(last)]["rows"])
            ]
        if match := re.search(r"from sys_load_detail where query_id = (\d+)", q):
            files = state["copies"].get(match.group(1), {}).get("files", [])
            return ["file_name", "lines_scanned"], [(name, 1) for name in files]
        if q.startswith("select") and (
            match := re.search(r"from sys_load_error_detail where query_id = (\d+)", q)
        ):
            files = state["copies"].get(match.group(1), {}).get("files", [])
            errors = state.get("load_errors", {})
            return ["line_number", "column_name", "error_message"], [
                tuple(error) for name in files for error in errors.get(name, [])
            ]
        if match := re.fullmatch(rf"select distinct source_file from {RELATION}", q):
            parts = relation_parts(match.group(1))
            return ["source_file"], [
                (name,) for name in state["loaded_files"].get(f"{parts[-2]}.{parts[-1]}", [])
            ]
        if "count(*) as failures" in q:
            return ["failures", "should_warn", "should_error"], [(0, False, False)]
        if re.fullmatch(r"select count\(\*\) (?:as \w+ )?from .*", q) and " join " not in q:
            return None, [(0,)]
        return None, []


class RecordingCursor:
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
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
        q = normalise(sql)
        with self.recorder.lock:
            self.recorder.write({"sql": sql})
            self.recorder.track_ddl(q, sql)
            self._names, self._rows = self.recorder.answer(q)
        self._sql = sql
        self.rowcount = len(self._rows)
        return self

    @property
    def description(self) -> list[tuple] | None:
        if self._names is None:
            if not normalise(self._sql).startswith(("select", "with", "(")):
                return None
            self._names = projection_names(self._sql, self.recorder.state.get("columns", {}))
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
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.autocommit = False

    def cursor(self) -> RecordingCursor:
        return RecordingCursor(self.recorder)

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        pass


def install(state_path: Path) -> Recorder:
    """Make redshift_connector.connect return recording connections (dbt-redshift looks it up per call)."""
    import redshift_connector

    recorder = Recorder(state_path)

    def connect(**kwargs: Any) -> RecordingConnection:
        shown = {k: v for k, v in kwargs.items() if k not in ("password", "secret_access_key")}
        with recorder.lock:
            recorder.write(
                {"connect": {k: v for k, v in shown.items() if isinstance(v, str | int | bool | None)}}
            )
        return RecordingConnection(recorder)

    redshift_connector.connect = connect
    return recorder


def recorder_command(state_path: Path) -> list[str]:
    """The command prefix that runs dbt through this recorder."""
    return [sys.executable, str(Path(__file__).resolve()), str(state_path)]


def read_log(log_path: Path, label: str | None = None) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    return [r for r in records if label is None or r["label"] == label]


def main(argv: list[str]) -> int:
    recorder = install(Path(argv[0]))
    from dbt.cli.main import dbtRunner

    try:
        result = dbtRunner().invoke(argv[1:])
    finally:
        with recorder.lock:
            recorder.save()
            recorder.log.close()
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
