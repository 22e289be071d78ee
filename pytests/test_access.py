"""Groups and access: analysts build on the marts, never on staging.

models/_groups.yml defines two groups. analytics_engineering owns the pipeline: staging and any
intermediate model are private to it, the marts are public. analytics holds the analysts' models
and the semantic layer, all public. A model of the analytics group that refs a staging model must
fail `dbt parse` with dbt's access error; one that refs a mart parses.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytests.project_copy import MARTS, ProjectCopy

pytestmark = pytest.mark.dbt

ANALYST_MODEL = """\
with

{name} as (

    select * from {{{{ ref('{name}') }}}}

),

final as (

    select count(*) as row_count
    from {name}

)

select * from final
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, small_raw_data: Path) -> ProjectCopy:
    return ProjectCopy(work_dir=tmp_path_factory.mktemp("access"), raw_data=small_raw_data)


def parsed_models(project: ProjectCopy) -> dict[str, dict]:
    manifest = json.loads((project.target_dir / "manifest.json").read_text())
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == "sparkify"
    }


def test_groups_and_access_by_folder(project: ProjectCopy) -> None:
    project.dbt("parse")
    manifest = json.loads((project.target_dir / "manifest.json").read_text())
    groups = {group["name"]: group for group in manifest["groups"].values()}
    assert set(groups) == {"analytics_engineering", "analytics"}
    assert groups["analytics_engineering"]["owner"]["email"] == "analytics-engineering@sparkify.example"
    assert all(group["owner"]["email"] and group["owner"]["name"] for group in groups.values())

    models = parsed_models(project)
    access = {name: (node["group"], node["access"]) for name, node in models.items()}
    for mart in MARTS:
        assert access[mart] == ("analytics_engineering", "public"), mart
    staging = [node for node in models.values() if node["original_file_path"].startswith("models/staging/")]
    assert staging
    for node in staging:
        assert (node["group"], node["access"]) == ("analytics_engineering", "private"), node["name"]
    analysts = [
        node
        for node in models.values()
        if node["original_file_path"].startswith(("models/analytics/", "models/semantic/"))
    ]
    assert analysts
    for node in analysts:
        assert node["access"] == "public", node["name"]
        # the one analysts' model that reads staging events belongs to the group that owns them
        expected = "analytics_engineering" if node["name"] == "subscription_changes" else "analytics"
        assert node["group"] == expected, node["name"]
    # no model version yet (docs/conventions.md says when one would be added)
    assert all(node["version"] is None for node in models.values())


def test_analyst_ref_to_staging_fails_with_access_error(project: ProjectCopy) -> None:
    analytics = project.project_dir / "models" / "analytics"
    allowed = analytics / "scratch_mart_reader.sql"
    forbidden = analytics / "scratch_staging_reader.sql"
    try:
        allowed.write_text(ANALYST_MODEL.format(name="songplays"))
        project.dbt("parse")
        assert parsed_models(project)["scratch_mart_reader"]["group"] == "analytics"

        forbidden.write_text(ANALYST_MODEL.format(name="stg_sparkify__log_events"))
        refused = project.dbt("parse", check=False)
        assert not refused.ok
        output = " ".join(refused.output.split())
        assert (
            "Node model.sparkify.scratch_staging_reader attempted to reference node "
            "model.sparkify.stg_sparkify__log_events, which is not allowed because the referenced node "
            "is private to the 'analytics_engineering' group" in output
        ), refused.output[-3000:]
    finally:
        allowed.unlink(missing_ok=True)
        forbidden.unlink(missing_ok=True)
