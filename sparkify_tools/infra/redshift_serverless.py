"""Redshift Serverless: a namespace (database, admin user, IAM roles) and a workgroup (compute).

Billed per RPU-second while queries run, nothing while idle but storage: the cheapest choice for
Sparkify's size (docs/redshift.md). The workgroup needs its namespace, so it is made after and
deleted before it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from .errors import ForeignResourceError, InfraError
from .naming import StackNames, tags_from_list
from .resource_state import ABSENT, CREATED, DELETED, FOREIGN, UNCHANGED, UPDATED, ResourceState
from .settings import StackSettings
from .waiting import wait_for

NAMESPACE = "Redshift Serverless namespace"
WORKGROUP = "Redshift Serverless workgroup"


def _namespace(serverless: Any, name: str) -> dict[str, Any] | None:
    try:
        return serverless.get_namespace(namespaceName=name)["namespace"]
    except serverless.exceptions.ResourceNotFoundException:
        return None


def _workgroup(serverless: Any, name: str) -> dict[str, Any] | None:
    try:
        return serverless.get_workgroup(workgroupName=name)["workgroup"]
    except serverless.exceptions.ResourceNotFoundException:
        return None


def _owned(serverless: Any, names: StackNames, arn: str) -> bool:
    tags = serverless.list_tags_for_resource(resourceArn=arn).get("tags")
    return names.owns(tags_from_list(tags, "key", "value"))


def describe_namespace(serverless: Any, names: StackNames) -> tuple[ResourceState, dict[str, Any] | None]:
    namespace = _namespace(serverless, names.namespace)
    if namespace is None:
        return ResourceState(NAMESPACE, names.namespace, ABSENT), None
    if not _owned(serverless, names, namespace["namespaceArn"]):
        return ResourceState(NAMESPACE, names.namespace, FOREIGN), namespace
    return ResourceState(NAMESPACE, names.namespace, namespace["status"].lower()), namespace


def describe_workgroup(serverless: Any, names: StackNames) -> tuple[ResourceState, dict[str, Any] | None]:
    workgroup = _workgroup(serverless, names.workgroup)
    if workgroup is None:
        return ResourceState(WORKGROUP, names.workgroup, ABSENT), None
    if not _owned(serverless, names, workgroup["workgroupArn"]):
        return ResourceState(WORKGROUP, names.workgroup, FOREIGN), workgroup
    detail = f"base capacity {workgroup.get('baseCapacity', '?')} RPU"
    return ResourceState(WORKGROUP, names.workgroup, workgroup["status"].lower(), detail), workgroup


def check_not_foreign(serverless: Any, names: StackNames) -> ResourceState:
    """Raise if the namespace or workgroup name is taken by someone else; returns the namespace's state."""
    namespace = describe_namespace(serverless, names)[0]
    if namespace.state == FOREIGN:
        raise ForeignResourceError(NAMESPACE, names.namespace)
    if describe_workgroup(serverless, names)[0].state == FOREIGN:
        raise ForeignResourceError(WORKGROUP, names.workgroup)
    return namespace


def _has_role(namespace: dict[str, Any], role_arn: str) -> bool:
    # The API lists roles as strings such as "IamRole(applyStatus=in-sync, iamRoleArn=arn:...)".
    return any(role_arn in str(role) for role in namespace.get("iamRoles", []))


def ensure_namespace(
    serverless: Any, settings: StackSettings, role_arn: str, admin_password: Callable[[], str]
) -> str:
    names = settings.names
    state, namespace = describe_namespace(serverless, names)
    if state.state == FOREIGN:
        raise ForeignResourceError(NAMESPACE, names.namespace)
    if namespace is None:
        serverless.create_namespace(
            namespaceName=names.namespace,
            adminUsername=settings.admin_user,
            adminUserPassword=admin_password(),
            dbName=settings.database,
            iamRoles=[role_arn],
            defaultIamRoleArn=role_arn,
            tags=names.tag_list("key", "value"),
        )
        return CREATED
    if state.state == "deleting":
        raise InfraError(f"{NAMESPACE} {names.namespace!r} is being deleted; run `up` again once it is gone")
    if not _has_role(namespace, role_arn):
        # update_namespace replaces the list: keep the roles someone else attached.
        others = [_role_arn(role) for role in namespace.get("iamRoles", [])]
        serverless.update_namespace(
            namespaceName=names.namespace,
            iamRoles=[*filter(None, others), role_arn],
            defaultIamRoleArn=role_arn,
        )
        return UPDATED
    return UNCHANGED


def _role_arn(role: Any) -> str | None:
    text = str(role)
    if text.startswith("arn:"):
        return text
    _, found, rest = text.partition("iamRoleArn=")
    return rest.rstrip(")").split(",")[0].strip() if found else None


def ensure_workgroup(serverless: Any, settings: StackSettings) -> tuple[str, dict[str, Any]]:
    names = settings.names
    state, workgroup = describe_workgroup(serverless, names)
    if state.state == FOREIGN:
        raise ForeignResourceError(WORKGROUP, names.workgroup)
    if workgroup is None:
        arguments: dict[str, Any] = {
            "workgroupName": names.workgroup,
            "namespaceName": names.namespace,
            "baseCapacity": settings.base_capacity,
            "publiclyAccessible": settings.publicly_accessible,
            "tags": names.tag_list("key", "value"),
        }
        if settings.security_group_id:
            arguments["securityGroupIds"] = [settings.security_group_id]
        return CREATED, serverless.create_workgroup(**arguments)["workgroup"]
    if state.state == "deleting":
        raise InfraError(f"{WORKGROUP} {names.workgroup!r} is being deleted; run `up` again once it is gone")
    if workgroup.get("baseCapacity") != settings.base_capacity:
        # Changing base capacity is quick and free while idle; keep the workgroup as asked.
        workgroup = serverless.update_workgroup(
            workgroupName=names.workgroup, baseCapacity=settings.base_capacity
        )["workgroup"]
        return UPDATED, workgroup
    return UNCHANGED, workgroup


def wait_workgroup_available(serverless: Any, names: StackNames, out: TextIO) -> dict[str, Any]:
    wait_for(
        f"{WORKGROUP} {names.workgroup}",
        lambda: (_workgroup(serverless, names.workgroup) or {}).get("status", ABSENT),
        lambda state: state == "AVAILABLE",
        failed=lambda state: state == ABSENT,
        out=out,
    )
    workgroup = _workgroup(serverless, names.workgroup)
    assert workgroup is not None  # available a moment ago
    return workgroup


def endpoint(workgroup: dict[str, Any] | None) -> tuple[str, int] | None:
    found = (workgroup or {}).get("endpoint") or {}
    return (found["address"], int(found.get("port", 5439))) if found.get("address") else None


def delete(serverless: Any, names: StackNames, *, wait: bool, out: TextIO) -> list[tuple[str, str]]:
    """Delete our workgroup, then our namespace; returns (kind, state word) for each touched."""
    done: list[tuple[str, str]] = []
    state, workgroup = describe_workgroup(serverless, names)
    if state.ours and workgroup is not None:
        if workgroup["status"] != "DELETING":
            serverless.delete_workgroup(workgroupName=names.workgroup)
        # The namespace cannot go while its workgroup exists, so this wait is not optional.
        wait_for(
            f"{WORKGROUP} {names.workgroup} deletion",
            lambda: (_workgroup(serverless, names.workgroup) or {}).get("status", ABSENT),
            lambda state: state == ABSENT,
            out=out,
        )
        done.append((WORKGROUP, DELETED))
    state, namespace = describe_namespace(serverless, names)
    if state.ours and namespace is not None:
        if namespace["status"] != "DELETING":
            serverless.delete_namespace(namespaceName=names.namespace)
        if wait:
            wait_for(
                f"{NAMESPACE} {names.namespace} deletion",
                lambda: (_namespace(serverless, names.namespace) or {}).get("status", ABSENT),
                lambda state: state == ABSENT,
                out=out,
            )
        done.append((NAMESPACE, DELETED if wait else "deleting"))
    return done
