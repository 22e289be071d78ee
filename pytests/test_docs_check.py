"""sparkify_tools.docs_check on small hand-made manifests: each rule fires, and only where it should."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sparkify_tools import docs_check


def model(name: str, **overrides: Any) -> dict[str, Any]:
    node = {
        "unique_id": f"model.sparkify.{name}",
        "resource_type": "model",
        "package_name": "sparkify",
        "name": name,
        "path": f"marts/{name}.sql",
        "description": f"The {name} model.",
        "config": {"unique_key": f"{name}_id"},
        "meta": {},
        "constraints": [],
        "columns": {f"{name}_id": {"name": f"{name}_id", "description": "Key."}},
    }
    node.update(overrides)
    return node


def column_test(test_name: str, node: str, column: str) -> dict[str, Any]:
    return {
        "unique_id": f"test.sparkify.{test_name}_{node}_{column}",
        "resource_type": "test",
        "package_name": "sparkify",
        "attached_node": f"model.sparkify.{node}",
        "column_name": column,
        "test_metadata": {"name": test_name},
    }


def manifest(*nodes: dict[str, Any], macros: list[dict[str, Any]] = (), **more: Any) -> dict[str, Any]:
    return {
        "nodes": {n["unique_id"]: n for n in nodes},
        "sources": {},
        "macros": {m["unique_id"]: m for m in macros},
        **more,
    }


def keyed_model(name: str, **overrides: Any) -> list[dict[str, Any]]:
    return [
        model(name, **overrides),
        column_test("unique", name, f"{name}_id"),
        column_test("not_null", name, f"{name}_id"),
    ]


def messages(problems: list[docs_check.Problem]) -> list[str]:
    return [str(p) for p in problems]


def test_a_documented_keyed_model_passes() -> None:
    assert docs_check.check(manifest(*keyed_model("users"))) == []


def test_missing_model_and_column_descriptions_are_named() -> None:
    users = keyed_model("users", description=" ")
    users[0]["columns"]["level"] = {"name": "level", "description": ""}
    assert messages(docs_check.check(manifest(*users))) == [
        "model.sparkify.users: column 'level' has no description",
        "model.sparkify.users: has no description",
    ]


def test_primary_key_needs_both_unique_and_not_null() -> None:
    nodes = keyed_model("users")[:2]  # the not_null test left out
    assert messages(docs_check.check(manifest(*nodes))) == [
        "model.sparkify.users: primary key 'users_id' lacks data tests: not_null"
    ]


def test_key_declared_in_meta_or_constraint_counts() -> None:
    in_meta = keyed_model("songs", config={"meta": {"primary_key": "songs_id"}})
    constrained = keyed_model("artists", config={})
    constrained[0]["columns"]["artists_id"]["constraints"] = [{"type": "primary_key"}]
    assert docs_check.check(manifest(*in_meta, *constrained)) == []
    in_meta[1]["column_name"] = "other"  # the unique test now sits on another column
    assert "lacks data tests: unique" in messages(docs_check.check(manifest(*in_meta)))[0]


def test_models_outside_staging_need_a_tested_key() -> None:
    undeclared = model("weekly", config={})
    staging = model("stg_events", config={}, path="staging/sparkify/stg_events.sql")
    assert [p.resource for p in docs_check.check(manifest(undeclared, staging))] == ["model.sparkify.weekly"]
    assert "has no primary key" in messages(docs_check.check(manifest(undeclared)))[0]
    # undeclared, but one column is tested unique and not_null: that column is the key
    inferred = keyed_model("weekly", config={})
    assert docs_check.check(manifest(*inferred)) == []
    assert docs_check.check(manifest(*inferred[:2])) != []


def test_composite_keys_are_refused() -> None:
    composite = model("plays", config={"unique_key": ["a", "b"]})
    assert "has several columns" in messages(docs_check.check(manifest(composite)))[0]


def test_macros_need_descriptions_but_dispatch_implementations_do_not() -> None:
    def macro(name: str, description: str, arguments: list[dict[str, str]]) -> dict[str, Any]:
        return {
            "unique_id": f"macro.sparkify.{name}",
            "package_name": "sparkify",
            "name": name,
            "description": description,
            "arguments": arguments,
        }

    macros = [
        macro("clean_text", "Trim.", [{"name": "column", "description": ""}]),
        macro("duckdb__clean_text", "", []),
        macro("materialization_table_spark", "", []),
        macro("undocumented", "", []),
    ]
    assert messages(docs_check.check(manifest(macros=macros))) == [
        "macro.sparkify.clean_text: argument 'column' has no description",
        "macro.sparkify.undocumented: has no description",
    ]


def test_generic_test_arguments_must_be_documented() -> None:
    test_macro = {
        "unique_id": "macro.sparkify.test_row_count_matches",
        "package_name": "sparkify",
        "name": "test_row_count_matches",
        "description": "Counts match.",
        "macro_sql": "{% test row_count_matches(model, compare_model, compare_where='1 = 1') %}...",
        "arguments": [{"name": "compare_model", "description": "The relation to count."}],
    }
    assert messages(docs_check.check(manifest(macros=[test_macro]))) == [
        "macro.sparkify.test_row_count_matches: test argument 'compare_where' is not documented"
    ]
    test_macro["arguments"].append({"name": "compare_where", "description": "A predicate."})
    assert docs_check.check(manifest(macros=[test_macro])) == []


def test_other_packages_are_not_ours_to_document() -> None:
    foreign = model("dbt_thing", package_name="some_package", description="", config={})
    assert docs_check.check(manifest(foreign)) == []


def test_sources_and_semantic_resources_need_descriptions() -> None:
    source = {
        "unique_id": "source.sparkify.raw.events",
        "package_name": "sparkify",
        "source_name": "raw",
        "source_description": "",
        "description": "Events.",
        "columns": {"ts": {"name": "ts", "description": ""}},
    }
    metric = {"unique_id": "metric.sparkify.plays", "package_name": "sparkify", "description": ""}
    found = manifest(metrics={metric["unique_id"]: metric})
    found["sources"] = {source["unique_id"]: source}
    assert messages(docs_check.check(found)) == [
        "metric.sparkify.plays: has no description",
        "source raw: has no description",
        "source.sparkify.raw.events: column 'ts' has no description",
    ]


def test_catalog_columns_missing_from_the_yml_are_reported() -> None:
    catalog = {"nodes": {"model.sparkify.users": {"columns": {"USERS_ID": {}, "extra": {}}}}, "sources": {}}
    assert messages(docs_check.check(manifest(*keyed_model("users")), catalog)) == [
        "model.sparkify.users: column 'extra' is in the warehouse but not documented"
    ]


def test_stored_test_failures_in_the_catalog_are_not_columns_to_document() -> None:
    nodes = keyed_model("users")
    unique_test = nodes[1]
    catalog = {"nodes": {unique_test["unique_id"]: {"columns": {"unique_field": {}, "n_records": {}}}}}
    assert docs_check.check(manifest(*nodes), {**catalog, "sources": {}}) == []


def test_cli_exit_codes_and_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(manifest(*keyed_model("users"))))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(manifest(model("users", description=""))))
    assert docs_check.main([str(good)]) == 0
    assert docs_check.main([str(bad)]) == 1
    assert "model.sparkify.users: has no description" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="manifest not found"):
        docs_check.main([str(tmp_path / "missing.json")])
    (tmp_path / "junk.json").write_text("{")
    with pytest.raises(SystemExit, match="is not valid JSON"):
        docs_check.main([str(tmp_path / "junk.json")])
    (tmp_path / "other.json").write_text("{}")
    with pytest.raises(SystemExit, match="is not a dbt manifest"):
        docs_check.main([str(tmp_path / "other.json")])
