"""``up``, ``status`` and ``down`` over the stack's resources, in dependency order.

``up``: role, Glue database, cluster or namespace + workgroup, ingress (the cluster needs the
role; nothing needs the ingress). ``down``: the reverse. Before ``up`` changes anything it checks
every name it would use, so a foreign resource stops it before a half-made stack exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from botocore.exceptions import EndpointConnectionError

from . import cost_estimate, glue_catalog, iam_role, network_ingress, redshift_cluster, redshift_serverless
from .admin_password import PasswordSource
from .aws import Clients
from .errors import PermissionDenied
from .naming import StackNames
from .profile_env import Connection, export_lines
from .resource_state import ABSENT, FOREIGN, UNKNOWN, ResourceState
from .settings import StackSettings


def _say(log: TextIO, state: ResourceState | tuple[str, str], what: str) -> None:
    kind, name = (state.kind, state.name) if isinstance(state, ResourceState) else state
    print(f"{kind} {name}: {what}", file=log, flush=True)


def up(
    clients: Clients, settings: StackSettings, password: PasswordSource, *, log: TextIO, out: TextIO
) -> None:
    names = settings.names
    account = clients.account_id()
    region = settings.region
    # Every name first: stop before creating anything if one of them belongs to someone else.
    iam_role.check_not_foreign(clients.iam, names)
    glue_catalog.check_not_foreign(clients.glue, names, region=region, account=account)
    if settings.serverless:
        compute = redshift_serverless.check_not_foreign(clients.serverless, names)
    else:
        compute = redshift_cluster.check_not_foreign(clients.redshift, names)
    # Only creating needs the password: read it now, so a missing one stops before anything exists.
    admin_password = password.reader(lambda: clients.secrets)() if not compute.exists else None

    policy = iam_role.read_policy(
        bucket=settings.bucket,
        prefix=settings.prefix,
        region=region,
        account=account,
        glue_database=names.glue_database,
    )
    done, role_arn = iam_role.ensure(clients.iam, names, policy)
    _say(log, (iam_role.KIND, names.role), done)
    done = glue_catalog.ensure(clients.glue, names, region=region, account=account)
    _say(log, (glue_catalog.KIND, names.glue_database), done)

    def read_password() -> str:
        return admin_password if admin_password is not None else password.reader(lambda: clients.secrets)()

    if settings.serverless:
        connection = _up_serverless(clients, settings, role_arn, read_password, log)
    else:
        connection = _up_cluster(clients, settings, role_arn, read_password, log)

    if settings.allow_cidr:
        done, label = network_ingress.ensure(
            clients.ec2, names, settings.allow_cidr, settings.security_group_id
        )
        _say(log, (network_ingress.KIND, label), done)
    else:
        print("ingress: none opened (pass --allow-cidr <your IP>/32 to reach port 5439)", file=log)

    for line in export_lines(
        connection, password, raw_data=settings.raw_data, spectrum_database=names.glue_database
    ):
        print(line, file=out)


def _up_cluster(
    clients: Clients, settings: StackSettings, role_arn: str, read_password: Callable[[], str], log: TextIO
) -> Connection:
    names = settings.names
    done, cluster = redshift_cluster.ensure(clients.redshift, settings, role_arn, read_password, log)
    _say(log, (redshift_cluster.KIND, names.cluster), done)
    if cluster["ClusterStatus"] == "paused":
        # Waiting would never end: resuming is billed, so it is the user's call, not up's.
        print(
            f"  note: it is paused; `aws redshift resume-cluster --cluster-identifier {names.cluster}`",
            file=log,
        )
    elif settings.wait and cluster["ClusterStatus"] != "available":
        cluster = redshift_cluster.wait_available(clients.redshift, names, log)
    found = redshift_cluster.endpoint(cluster)
    return Connection(
        host=found[0] if found else None,
        port=found[1] if found else redshift_cluster.PORT,
        database=cluster.get("DBName", settings.database),
        user=cluster.get("MasterUsername", settings.admin_user),
        role_arn=role_arn,
        region=settings.region,
        cluster_id=names.cluster,
    )


def _up_serverless(
    clients: Clients, settings: StackSettings, role_arn: str, read_password: Callable[[], str], log: TextIO
) -> Connection:
    names = settings.names
    serverless = clients.serverless
    done = redshift_serverless.ensure_namespace(serverless, settings, role_arn, read_password)
    _say(log, (redshift_serverless.NAMESPACE, names.namespace), done)
    done, workgroup = redshift_serverless.ensure_workgroup(serverless, settings)
    _say(log, (redshift_serverless.WORKGROUP, names.workgroup), done)
    if settings.wait and workgroup.get("status") != "AVAILABLE":
        workgroup = redshift_serverless.wait_workgroup_available(serverless, names, log)
    namespace = redshift_serverless.describe_namespace(serverless, names)[1] or {}
    found = redshift_serverless.endpoint(workgroup)
    return Connection(
        host=found[0] if found else None,
        port=found[1] if found else redshift_cluster.PORT,
        database=namespace.get("dbName", settings.database),
        user=namespace.get("adminUsername", settings.admin_user),
        role_arn=role_arn,
        region=settings.region,
    )


@dataclass
class Row:
    state: ResourceState
    per_hour: float | None = 0.0
    cost: str = "free"


@dataclass
class Inventory:
    """Everything with the stack's names or tags, ours or not, and how to reach the warehouse."""

    rows: list[Row]
    connection: Connection | None

    @property
    def ours(self) -> list[ResourceState]:
        return [row.state for row in self.rows if row.state.ours]

    @property
    def foreign(self) -> list[ResourceState]:
        return [row.state for row in self.rows if row.state.state == FOREIGN]


def inventory(clients: Clients, names: StackNames, region: str) -> Inventory:
    account = clients.account_id()
    rows: list[Row] = []
    role = iam_role.describe(clients.iam, names)
    rows.append(Row(role, *cost_estimate.free("IAM is free")))
    rows.append(
        Row(
            glue_catalog.describe(clients.glue, names, region=region, account=account),
            *cost_estimate.free("free under a million catalog objects and requests a month"),
        )
    )
    role_arn = role.detail if role.ours else None

    connection: Connection | None = None
    cluster_state, cluster = _compute(
        lambda: redshift_cluster.describe(clients.redshift, names), redshift_cluster.KIND, names.cluster
    )
    if cluster_state.ours and cluster is not None:
        per_hour, cost = cost_estimate.cluster_per_hour(
            cluster["NodeType"], cluster["NumberOfNodes"], cluster["ClusterStatus"]
        )
        rows.append(Row(cluster_state, per_hour, cost))
        found = redshift_cluster.endpoint(cluster)
        connection = Connection(
            host=found[0] if found else None,
            port=found[1] if found else redshift_cluster.PORT,
            database=cluster.get("DBName", "dev"),
            user=cluster.get("MasterUsername", ""),
            role_arn=role_arn,
            region=region,
            cluster_id=names.cluster,
        )
    else:
        rows.append(Row(cluster_state))

    serverless = clients.serverless
    namespace_state, namespace = _compute(
        lambda: redshift_serverless.describe_namespace(serverless, names),
        redshift_serverless.NAMESPACE,
        names.namespace,
    )
    workgroup_state, workgroup = _compute(
        lambda: redshift_serverless.describe_workgroup(serverless, names),
        redshift_serverless.WORKGROUP,
        names.workgroup,
    )
    rows.append(Row(namespace_state, *cost_estimate.free("storage only: see the workgroup")))
    if workgroup_state.ours and workgroup is not None:
        rows.append(
            Row(workgroup_state, *cost_estimate.serverless_per_hour(int(workgroup.get("baseCapacity", 8))))
        )
        found = redshift_serverless.endpoint(workgroup)
        if connection is None:
            connection = Connection(
                host=found[0] if found else None,
                port=found[1] if found else redshift_cluster.PORT,
                database=(namespace or {}).get("dbName", "dev"),
                user=(namespace or {}).get("adminUsername", ""),
                role_arn=role_arn,
                region=region,
            )
    else:
        rows.append(Row(workgroup_state))

    rules = network_ingress.describe(clients.ec2, names)
    rows += [Row(rule, *cost_estimate.free("security group rules are free")) for rule in rules]
    return Inventory(rows, connection)


def _compute(
    describe: Callable[[], tuple[ResourceState, dict[str, Any] | None]], kind: str, name: str
) -> tuple[ResourceState, dict[str, Any] | None]:
    """Describe a cluster, namespace or workgroup, which a stack of the other kind need not be allowed to.

    Credentials made for a serverless stack may not call redshift:DescribeClusters and vice versa;
    ``status`` and ``down`` still work, showing that resource as unknown.
    """
    try:
        return describe()
    except EndpointConnectionError:
        # Regions without Redshift Serverless have no endpoint for it; nothing can exist there.
        return ResourceState(kind, name, ABSENT, "not offered in this region"), None
    except PermissionDenied as denied:
        return ResourceState(kind, name, UNKNOWN, f"may not call {denied.action}"), None


def status(
    clients: Clients, names: StackNames, region: str, password: PasswordSource, *, out: TextIO
) -> Inventory:
    found = inventory(clients, names, region)
    width = max(len(f"{row.state.kind} {row.state.name}") for row in found.rows)
    print(f"stack {names.stack} in {region}:", file=out)
    total, unknown = 0.0, False
    for row in found.rows:
        label = f"{row.state.kind} {row.state.name}".ljust(width)
        state = row.state.state + (f" ({row.state.detail})" if row.state.detail and row.state.ours else "")
        if row.state.state == FOREIGN:
            state += " (not created by sparkify-infra; never changed by it)"
        elif row.state.state == UNKNOWN:
            state += f" ({row.state.detail})"
        line = f"  {label}  {state}"
        if row.state.ours:
            line += f"  {cost_estimate.money(row.per_hour)}: {row.cost}"
            total += row.per_hour or 0.0
            unknown = unknown or row.per_hour is None
        print(line, file=out)
    print(cost_estimate.footer(total, unknown), file=out)
    if found.connection:
        print("", file=out)
        raw_data = iam_role.raw_data_from_policy(iam_role.current_policy(clients.iam, names))
        for line in export_lines(
            found.connection, password, raw_data=raw_data, spectrum_database=names.glue_database
        ):
            print(line, file=out)
    return found


def down(
    clients: Clients,
    names: StackNames,
    region: str,
    *,
    confirm: Callable[[list[ResourceState]], bool],
    wait: bool,
    log: TextIO,
) -> bool:
    """Delete the stack's tagged resources; False when the user declined."""
    found = inventory(clients, names, region)
    for state in found.foreign:
        _say(log, state, "exists but is not ours: left alone")
    for row in found.rows:
        if row.state.state == UNKNOWN:
            _say(log, row.state, f"not checked ({row.state.detail}): left as it is")
    if not found.ours:
        print(f"nothing of stack {names.stack} to delete in {region}", file=log)
        return True
    if not confirm(found.ours):
        print("nothing deleted", file=log)
        return False
    account = clients.account_id()
    for rule in network_ingress.delete(clients.ec2, names):
        _say(log, (network_ingress.KIND, rule), "revoked")
    kinds = {state.kind for state in found.ours}
    if redshift_cluster.KIND in kinds:
        done = redshift_cluster.delete(clients.redshift, names, wait=wait, out=log)
        if done:
            _say(log, (redshift_cluster.KIND, names.cluster), done)
    if kinds & {redshift_serverless.NAMESPACE, redshift_serverless.WORKGROUP}:
        for kind, done in redshift_serverless.delete(clients.serverless, names, wait=wait, out=log):
            _say(log, (kind, names.stack), done)
    if glue_catalog.delete(clients.glue, names, region=region, account=account):
        _say(log, (glue_catalog.KIND, names.glue_database), "deleted")
    if iam_role.delete(clients.iam, names):
        _say(log, (iam_role.KIND, names.role), "deleted")
    return True
