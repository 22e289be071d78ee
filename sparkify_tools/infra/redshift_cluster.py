"""The provisioned Redshift cluster (the default; ``--serverless`` makes a workgroup instead)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from .errors import ForeignResourceError, InfraError
from .naming import StackNames, tags_from_list
from .resource_state import ABSENT, CREATED, DELETED, FOREIGN, UNCHANGED, UPDATED, ResourceState
from .settings import StackSettings
from .waiting import wait_for

KIND = "Redshift cluster"
PORT = 5439


def _cluster(redshift: Any, identifier: str) -> dict[str, Any] | None:
    try:
        return redshift.describe_clusters(ClusterIdentifier=identifier)["Clusters"][0]
    except redshift.exceptions.ClusterNotFoundFault:
        return None


def describe(redshift: Any, names: StackNames) -> tuple[ResourceState, dict[str, Any] | None]:
    cluster = _cluster(redshift, names.cluster)
    if cluster is None:
        return ResourceState(KIND, names.cluster, ABSENT), None
    if not names.owns(tags_from_list(cluster.get("Tags"))):
        return ResourceState(KIND, names.cluster, FOREIGN), cluster
    detail = f"{cluster['NumberOfNodes']} x {cluster['NodeType']}"
    return ResourceState(KIND, names.cluster, cluster["ClusterStatus"], detail), cluster


def check_not_foreign(redshift: Any, names: StackNames) -> ResourceState:
    state = describe(redshift, names)[0]
    if state.state == FOREIGN:
        raise ForeignResourceError(KIND, names.cluster)
    return state


def ensure(
    redshift: Any,
    settings: StackSettings,
    role_arn: str,
    admin_password: Callable[[], str],
    out: TextIO,
) -> tuple[str, dict[str, Any]]:
    """Create the cluster, or attach the role to ours if missing; returns (what was done, cluster)."""
    names = settings.names
    state, cluster = describe(redshift, names)
    if state.state == FOREIGN:
        raise ForeignResourceError(KIND, names.cluster)
    if cluster is None:
        cluster = redshift.create_cluster(**_create_arguments(settings, role_arn, admin_password()))[
            "Cluster"
        ]
        return CREATED, cluster
    if cluster["ClusterStatus"] == "deleting":
        raise InfraError(f"{KIND} {names.cluster!r} is being deleted; run `up` again once it is gone")
    if (cluster["NodeType"], cluster["NumberOfNodes"]) != (settings.node_type, settings.nodes):
        # A resize takes the cluster offline for a while and is billed as it goes: not done silently.
        print(
            f"  note: {KIND} {names.cluster!r} is {cluster['NumberOfNodes']} x {cluster['NodeType']}, "
            f"not {settings.nodes} x {settings.node_type}; left as it is (resize it in the console, or "
            f"`down` then `up`)",
            file=out,
        )
    attached = {role["IamRoleArn"] for role in cluster.get("IamRoles", [])}
    if role_arn not in attached:
        cluster = redshift.modify_cluster_iam_roles(ClusterIdentifier=names.cluster, AddIamRoles=[role_arn])[
            "Cluster"
        ]
        return UPDATED, cluster
    return UNCHANGED, cluster


def _create_arguments(settings: StackSettings, role_arn: str, password: str) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "ClusterIdentifier": settings.names.cluster,
        "NodeType": settings.node_type,
        "MasterUsername": settings.admin_user,
        "MasterUserPassword": password,
        "DBName": settings.database,
        "Port": PORT,
        "PubliclyAccessible": settings.publicly_accessible,
        "IamRoles": [role_arn],
        "DefaultIamRoleArn": role_arn,
        "Encrypted": True,
        "Tags": settings.names.tag_list(),
    }
    if settings.nodes == 1:
        arguments["ClusterType"] = "single-node"
    else:
        arguments["ClusterType"] = "multi-node"
        arguments["NumberOfNodes"] = settings.nodes
    if settings.security_group_id:
        arguments["VpcSecurityGroupIds"] = [settings.security_group_id]
    return arguments


def wait_available(redshift: Any, names: StackNames, out: TextIO) -> dict[str, Any]:
    def read_state() -> str:
        cluster = _cluster(redshift, names.cluster)
        return cluster["ClusterStatus"] if cluster else ABSENT

    wait_for(
        f"{KIND} {names.cluster}",
        read_state,
        lambda state: state == "available",
        failed=lambda state: (
            state in (ABSENT, "incompatible-parameters", "incompatible-network", "hardware-failure")
        ),
        out=out,
    )
    cluster = _cluster(redshift, names.cluster)
    assert cluster is not None  # available a moment ago
    return cluster


def endpoint(cluster: dict[str, Any] | None) -> tuple[str, int] | None:
    address = ((cluster or {}).get("Endpoint") or {}).get("Address")
    return (address, int(cluster["Endpoint"].get("Port", PORT))) if cluster and address else None


def delete(redshift: Any, names: StackNames, *, wait: bool, out: TextIO) -> str | None:
    """Delete our cluster; None when there is nothing of ours, the state word otherwise."""
    state, cluster = describe(redshift, names)
    if not state.ours or cluster is None:
        return None
    if cluster["ClusterStatus"] != "deleting":
        # No final snapshot: everything in the warehouse is rebuilt from S3 by `dbt build`.
        redshift.delete_cluster(ClusterIdentifier=names.cluster, SkipFinalClusterSnapshot=True)
    if wait:
        wait_for(
            f"{KIND} {names.cluster} deletion",
            lambda: (_cluster(redshift, names.cluster) or {}).get("ClusterStatus", ABSENT),
            lambda state: state == ABSENT,
            out=out,
        )
        return DELETED
    return "deleting"
