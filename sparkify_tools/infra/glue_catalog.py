"""The Glue Data Catalog database behind the Spectrum external schema (dbt var spectrum_database).

``stage_external_sources`` would create it on first use (CREATE EXTERNAL DATABASE IF NOT EXISTS),
but untagged; made here it carries the stack's tags, so ``down`` removes it with the external
tables dbt registered in it.
"""

from __future__ import annotations

from typing import Any

from .errors import ForeignResourceError
from .naming import StackNames
from .resource_state import ABSENT, CREATED, FOREIGN, UNCHANGED, ResourceState

KIND = "Glue database"


def database_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:glue:{region}:{account}:database/{name}"


def _exists(glue: Any, name: str) -> bool:
    try:
        glue.get_database(Name=name)
    except glue.exceptions.EntityNotFoundException:
        return False
    return True


def describe(glue: Any, names: StackNames, *, region: str, account: str) -> ResourceState:
    name = names.glue_database
    if not _exists(glue, name):
        return ResourceState(KIND, name, ABSENT)
    tags = glue.get_tags(ResourceArn=database_arn(region, account, name)).get("Tags", {})
    if not names.owns(tags):
        return ResourceState(KIND, name, FOREIGN)
    tables = len(glue.get_tables(DatabaseName=name).get("TableList", []))
    return ResourceState(KIND, name, "present", f"{tables} table(s)")


def check_not_foreign(glue: Any, names: StackNames, *, region: str, account: str) -> None:
    if describe(glue, names, region=region, account=account).state == FOREIGN:
        raise ForeignResourceError(KIND, names.glue_database)


def ensure(glue: Any, names: StackNames, *, region: str, account: str) -> str:
    state = describe(glue, names, region=region, account=account)
    if state.state == FOREIGN:
        raise ForeignResourceError(KIND, names.glue_database)
    if state.exists:
        return UNCHANGED
    glue.create_database(
        DatabaseInput={
            "Name": names.glue_database,
            "Description": f"Sparkify raw data, Redshift Spectrum external schema ({names.stack})",
        },
        Tags=names.tags(),
    )
    return CREATED


def delete(glue: Any, names: StackNames, *, region: str, account: str) -> bool:
    if not describe(glue, names, region=region, account=account).ours:
        return False
    try:
        glue.delete_database(Name=names.glue_database)
    except glue.exceptions.EntityNotFoundException:
        return False
    return True
