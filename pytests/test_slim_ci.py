"""Slim CI (docs/slim_ci.md): a pull request builds only what it changed, on top of prod.

Production is built once and its manifest kept as the state. A change to one mart (songs) then
selects, with `state:modified+`, exactly that mart and what depends on it; the CI build of that
selection, deferred to production for everything else, builds exactly those nodes in its own schema
and reads unchanged parents (staging) from production. `dbt clone` fills the CI schema with views of
production relations (DuckDB has no zero-copy table clone).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from pytests.project_copy import ProjectCopy, rewrite_closing_select

pytestmark = pytest.mark.slow

CI_TARGET = "duckdb_ci"
CI_SCHEMA = "ci"


def add_ci_output(project: ProjectCopy) -> None:
    """A second DuckDB output on the same file, building into schema ci (as a CI job's target)."""
    path = project.work_dir / "profiles" / "profiles.yml"
    profiles = yaml.safe_load(path.read_text())
    outputs = profiles["sparkify"]["outputs"]
    outputs[CI_TARGET] = {**outputs["duckdb"], "schema": CI_SCHEMA}
    path.write_text(yaml.safe_dump(profiles, sort_keys=False))


def listed(result_output: str) -> set[str]:
    return {json.loads(line)["unique_id"] for line in result_output.splitlines() if line.startswith("{")}


def descendants(manifest: dict, unique_id: str) -> set[str]:
    found, todo = {unique_id}, [unique_id]
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def relation_kind(database: Path, schema: str, name: str) -> str | None:
    with duckdb.connect(str(database), read_only=True) as connection:
        row = connection.execute(
            "select table_type from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()
    return row[0] if row else None


def count_rows(database: Path, relation: str) -> int:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(f"select count(*) from {relation}").fetchone()[0]


@pytest.fixture(scope="module")
def slim(tmp_path_factory: pytest.TempPathFactory, small_raw_data: Path) -> dict:
    project = ProjectCopy(work_dir=tmp_path_factory.mktemp("slim_ci"), raw_data=small_raw_data)
    add_ci_output(project)
    # production: a full build, and its manifest kept as the state
    project.dbt("build")
    state = project.work_dir / "prod-artifacts"
    state.mkdir()
    shutil.copy(project.target_dir / "manifest.json", state / "manifest.json")
    # the pull request: one mart changes (no comment: a real SQL change)
    rewrite_closing_select(
        project.project_dir, "models/marts/songs.sql", lambda closing: f"{closing}\nwhere song_id is not null"
    )
    selection = ["--select", "state:modified+", "--state", str(state)]
    ls = project.dbt("ls", *selection, "--output", "json", "--output-keys", "unique_id", "--quiet")
    manifest = json.loads((project.target_dir / "manifest.json").read_text())
    build = project.dbt("build", *selection, "--defer", "--target", CI_TARGET)
    run_results = json.loads((project.target_dir / "run_results.json").read_text())
    return {
        "project": project,
        "state": state,
        "listed": listed(ls.output),
        "manifest": manifest,
        "build": build,
        "run_results": run_results,
    }


def test_state_modified_selects_the_changed_mart_and_its_children(slim: dict) -> None:
    manifest = slim["manifest"]
    expected = descendants(manifest, "model.sparkify.songs")
    assert slim["listed"] == expected
    models = {uid for uid in slim["listed"] if uid.startswith("model.")}
    assert "model.sparkify.songs" in models
    for unchanged in (
        "songplays",
        "users",
        "artists",
        "time",
        "int_song_records__validated",
        "stg_sparkify__log_events",
    ):
        assert f"model.sparkify.{unchanged}" not in models, unchanged


def test_slim_build_builds_only_the_selection_deferring_the_rest(slim: dict) -> None:
    results = {
        result["unique_id"]: result["status"]
        for result in slim["run_results"]["results"]
        if not result["unique_id"].startswith("operation.")  # the project's hooks
    }
    # everything selected that runs (semantic models and metrics are definitions, not run)
    assert set(results) == {
        uid for uid in slim["listed"] if not uid.startswith(("semantic_model.", "metric."))
    }
    assert all(status in ("success", "pass", "no-op") for status in results.values()), results
    built_models = {uid for uid in results if uid.startswith("model.")}
    assert "model.sparkify.songs" in built_models and "model.sparkify.songplays" not in built_models

    database = slim["project"].duckdb_path
    # songs was built in the CI schema from production's staging (deferred: no CI staging exists)
    assert relation_kind(database, CI_SCHEMA, "songs") == "BASE TABLE"
    assert count_rows(database, f"{CI_SCHEMA}.songs") > 0
    assert relation_kind(database, f"{CI_SCHEMA}_intermediate", "int_song_records__validated") is None
    assert relation_kind(database, CI_SCHEMA, "songplays") is None
    compiled = Path(slim["project"].target_dir / "compiled" / "sparkify" / "models" / "marts" / "songs.sql")
    assert '"main_intermediate"."int_song_records__validated"' in compiled.read_text()


def test_clone_makes_views_of_production(slim: dict) -> None:
    project = slim["project"]
    project.dbt("clone", "--select", "songplays", "--state", str(slim["state"]), "--target", CI_TARGET)
    assert relation_kind(project.duckdb_path, CI_SCHEMA, "songplays") == "VIEW"
    assert count_rows(project.duckdb_path, f"{CI_SCHEMA}.songplays") == count_rows(
        project.duckdb_path, "main.songplays"
    )


def test_retry_resumes_a_failed_ci_build_from_the_failure(slim: dict) -> None:
    project = slim["project"]
    model = project.project_dir / "models" / "analytics" / "weekly_top_songs.sql"
    original = model.read_text()
    selection = ["--select", "state:modified+", "--state", str(slim["state"])]
    try:
        # a child of the changed mart breaks: the CI build fails there
        rewrite_closing_select(
            project.project_dir,
            "models/analytics/weekly_top_songs.sql",
            lambda closing: f"{closing}\nwhere no_such_column = 1",
        )
        failed = project.dbt("build", *selection, "--defer", "--target", CI_TARGET, check=False)
        assert not failed.ok
        first = {r["unique_id"]: r["status"] for r in results_of(project)}
        errored = {uid for uid, status in first.items() if status == "error"}
        # its unit test fails first (it compiles the model), then the model is skipped
        assert errored and all("weekly_top_songs" in uid for uid in errored), errored
        assert first["model.sparkify.weekly_top_songs"] in ("error", "skipped")
        assert first["model.sparkify.songs"] == "success"
    finally:
        model.write_text(original)
    # fixed: dbt retry runs the failed model and what it skipped, with the same selection and target
    project.dbt("retry")
    retried = {r["unique_id"]: r["status"] for r in results_of(project)}
    assert retried["model.sparkify.weekly_top_songs"] == "success"
    assert "model.sparkify.songs" not in retried
    skipped = {uid for uid, status in first.items() if status == "skipped"}
    assert (errored | skipped) <= set(retried)
    assert all(status in ("success", "pass", "no-op") for status in retried.values()), retried
    assert relation_kind(project.duckdb_path, f"{CI_SCHEMA}_analytics", "weekly_top_songs") == "BASE TABLE"


def results_of(project: ProjectCopy) -> list[dict]:
    results = json.loads((project.target_dir / "run_results.json").read_text())["results"]
    return [r for r in results if not r["unique_id"].startswith("operation.")]
