"""The two Spark outputs of profiles.example.yml render from environment variables into valid settings.

The thrift output cannot connect in the tests (no Thrift Server, no PyHive), so this is its check:
every key is one dbt-spark knows, every value comes from the environment, nothing secret is written.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from dbt.adapters.spark.connections import SparkCredentials
from dbt.config.renderer import ProfileRenderer
from dbt_common.context import set_invocation_context

from pytests.dbt_runner import PROJECT_ROOT

# needs Spark: not in the fast tier (pytest -m "not slow")
pytestmark = pytest.mark.slow

# keys a profile output may hold besides the adapter's credential fields
PROFILE_KEYS = {"type", "threads"}


def render_output(name: str, env: dict[str, str]) -> dict[str, Any]:
    outputs = yaml.safe_load((PROJECT_ROOT / "profiles.example.yml").read_text())["sparkify"]["outputs"]
    set_invocation_context({**os.environ, **env})
    return ProfileRenderer({}).render_data(outputs[name])


def credential_fields() -> set[str]:
    return {field.name for field in dataclasses.fields(SparkCredentials)}


def test_thrift_output_takes_its_server_from_the_environment() -> None:
    env = {
        "SPARK_THRIFT_HOST": "ip-10-0-0-1.ec2.internal",
        "SPARK_THRIFT_PORT": "10002",
        "SPARK_THRIFT_USER": "analyst",
        "SPARKIFY_SPARK_SCHEMA": "sparkify_test",
    }
    output = render_output("spark_thrift", env)
    assert output["type"] == "spark" and output["method"] == "thrift"
    assert (output["host"], output["port"], output["user"], output["schema"]) == (
        "ip-10-0-0-1.ec2.internal",
        10002,
        "analyst",
        "sparkify_test",
    )
    assert set(output) - PROFILE_KEYS <= credential_fields(), "a key dbt-spark does not know"
    assert output["server_side_parameters"]["spark.sql.session.timeZone"] == "UTC"
    assert "password" not in output and "token" not in output


def test_session_output_is_valid_and_keeps_its_files_where_told(tmp_path: Path) -> None:
    env = {
        "SPARKIFY_SPARK_WAREHOUSE": str(tmp_path / "warehouse"),
        "SPARKIFY_SPARK_METASTORE": str(tmp_path / "metastore"),
        "SPARKIFY_SPARK_MASTER": "local[3]",
    }
    output = render_output("spark", env)
    credentials = SparkCredentials.from_dict({k: v for k, v in output.items() if k not in PROFILE_KEYS})
    parameters = credentials.server_side_parameters
    assert credentials.method == "session"
    assert parameters["spark.master"] == "local[3]"
    assert parameters["spark.sql.session.timeZone"] == "UTC"
    assert parameters["spark.sql.warehouse.dir"] == str(tmp_path / "warehouse")
    metastore_url = parameters["spark.hadoop.javax.jdo.option.ConnectionURL"]
    assert f"databaseName={tmp_path / 'metastore'};" in metastore_url
    assert str(tmp_path / "metastore") in parameters["spark.driver.extraJavaOptions"]
