"""Quarantine replay: after a seed fix that accepts a page name the seed lacked, replay_quarantined
and a plain build bring the records that now pass into the marts, equal to a --full-refresh.
On DuckDB and on PostgreSQL (the ingester before every build, as there). The seed is changed in a
copy of the project (ProjectCopy), never in the checkout."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pytests.conftest import generate_raw
from pytests.mart_compare import Query, diff_states, duckdb_query, read_warehouse_state
from pytests.postgres_server import postgres_server  # noqa: F401 - the fixture, for getfixturevalue
from pytests.project_copy import ProjectCopy
from pytests.raw_delivery import log_files
from pytests.test_postgres_build import drop_schemas, query

pytestmark = pytest.mark.slow

NEW_PAGE = "PlaySong"
UNKNOWN_PAGE = "unknown page value (not in seed page_categories)"


def raw_with_a_new_page(raw: Path) -> int:
    """Three song plays of one day are on a page the seed does not know; how many."""
    day = log_files(raw)[0]
    events = [json.loads(line) for line in day.read_text().splitlines()]
    others = [event for event in events if event.get("page") == "NextSong"][:3]
    for event in others:
        event["page"] = NEW_PAGE
    day.write_text("".join(json.dumps(event) + "\n" for event in events))
    return len(others)


class Warehouse:
    """A copy of the project over raw, on DuckDB or in schema `name` of a PostgreSQL server."""

    def __init__(self, request: pytest.FixtureRequest, engine: str, work_dir: Path, raw: Path, name: str):
        self.engine = engine
        if engine == "duckdb":
            self.project = ProjectCopy(work_dir=work_dir, raw_data=raw)
            self.schema = "main"
            self.query: Query = duckdb_query(self.project.duckdb_path)
            return
        server = request.getfixturevalue("postgres_server")
        drop_schemas(server, name)  # and name_landing, name_staging, ...
        self.project = ProjectCopy(
            work_dir=work_dir,
            raw_data=raw,
            target="postgres",
            extra_vars={"landing_schema": f"{name}_landing"},
            extra_env={**server.env(), "SPARKIFY_PG_SCHEMA": name},
        )
        self.schema = name
        self.query = lambda sql: query(server, sql)

    def build(self, *args: str) -> None:
        if self.engine != "duckdb":
            self.project.ingest()
        self.project.dbt("build", *args)

    def count(self, sql: str) -> int:
        return next(iter(self.query(sql.format(schema=self.schema))[0].values()))

    def quarantined(self, reason: str) -> int:
        return self.count(
            f"select count(*) from {{schema}}.quarantined_records where rejection_reason = '{reason}'"
        )

    def state(self) -> dict[str, list[tuple]]:
        return read_warehouse_state(self.query, marts=self.schema)


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_replay_after_a_seed_fix_equals_a_full_refresh(
    request: pytest.FixtureRequest, engine: str, tmp_path: Path
) -> None:
    raw = generate_raw(tmp_path / "raw", days=3, events_per_day=150, songs=50, users=12, seed=4)
    lines = raw_with_a_new_page(raw)
    assert lines > 0
    warehouse = Warehouse(request, engine, tmp_path / "work", raw, "replay")
    warehouse.build()
    assert warehouse.quarantined(UNKNOWN_PAGE) == lines
    plays = "select count(*) from {schema}.songplays"
    plays_before = warehouse.count(plays)

    seed = warehouse.project.project_dir / "seeds" / "page_categories.csv"
    seed.write_text(seed.read_text() + f"{NEW_PAGE},listening,true,\n")
    reason = json.dumps({"reason": "unknown page%"})
    replay = warehouse.project.dbt("run-operation", "replay_quarantined", "--args", reason)
    assert f"{lines} quarantined records match" in replay.output
    warehouse.build()

    assert warehouse.quarantined(UNKNOWN_PAGE) == 0
    # the replayed plays reached the marts: only a recompute of the incremental models brings them
    assert warehouse.count(plays) == plays_before + lines
    fresh = Warehouse(request, engine, tmp_path / "fresh", raw, "replay_fresh")
    shutil.copy(seed, fresh.project.project_dir / "seeds" / "page_categories.csv")
    fresh.build("--full-refresh")
    assert diff_states(warehouse.state(), fresh.state()) == []
