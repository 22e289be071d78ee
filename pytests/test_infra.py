"""``sparkify-infra up|status|down`` against moto on 127.0.0.1, Redshift Serverless against a fake.

moto serves IAM, STS, Redshift, Glue, EC2 and Secrets Manager; it has no Redshift Serverless, so
those calls go to pytests/serverless_fake.py (stateful) and, for their exact parameters, to
botocore's Stubber. Fake credentials and an explicit endpoint on every client: nothing reaches AWS.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from pytests.s3_server import REGION, MotoServer, start_moto_server
from pytests.serverless_fake import ServerlessFake
from sparkify_tools.infra import cli, waiting
from sparkify_tools.infra.aws import Clients, watch
from sparkify_tools.infra.cost_estimate import NODE_HOUR, cluster_per_hour, serverless_per_hour
from sparkify_tools.infra.iam_role import read_policy
from sparkify_tools.infra.naming import MANAGED_BY_KEY, STACK_KEY, StackNameError, validate_stack_name
from sparkify_tools.ingest import cli as ingest_cli

pytestmark = pytest.mark.infra

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Sparkify-Test-Pw-42"
BUCKET = "sparkify-raw"
CIDR = "203.0.113.7/32"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "redshift.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = start_moto_server(tmp_path_factory.mktemp("moto_infra"), auth=False)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def session() -> boto3.session.Session:
    """One session for the module: it caches the service models, the slow part of making a client."""
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials only, no config files, no waiting between polls."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("SPARKIFY_REDSHIFT_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setattr(waiting, "POLL_SECONDS", 0.0)


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def exports(self) -> dict[str, str]:
        found = {}
        for line in self.out.splitlines():
            if line.startswith("export "):
                key, _, value = line.removeprefix("export ").partition("=")
                found[key] = value.split("  #")[0].strip("'")
        return found


@dataclass
class Infra:
    server: MotoServer
    capsys: pytest.CaptureFixture[str]
    serverless: ServerlessFake
    session: boto3.session.Session

    def __call__(self, *args: str, serverless_client: Any = None) -> Result:
        clients = Clients(
            region=REGION,
            endpoint_url=self.server.endpoint_url,
            session=self.session,
            override={"redshift-serverless": watch(serverless_client or self.serverless.client())},
        )
        self.capsys.readouterr()
        code = cli.main([*args, "--endpoint-url", self.server.endpoint_url], clients=clients)
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def client(self, service: str) -> Any:
        return self.server.client(service)


@pytest.fixture
def infra(moto: MotoServer, capsys: pytest.CaptureFixture[str], session: boto3.session.Session) -> Infra:
    return Infra(moto, capsys, ServerlessFake(), session)


def _up(infra: Infra, stack: str, *extra: str) -> Result:
    result = infra("up", "--stack", stack, "--bucket", BUCKET, "--prefix", "sparkify", *extra)
    assert result.code == 0, result.err
    return result


def _tags(pairs: list[dict[str, str]]) -> dict[str, str]:
    return {pair["Key"]: pair["Value"] for pair in pairs}


def _listing(infra: Infra, stack: str) -> dict[str, Any]:
    """Everything a stack's resources are made of, for before/after comparisons."""
    iam, redshift, glue, ec2 = (infra.client(s) for s in ("iam", "redshift", "glue", "ec2"))
    role = iam.get_role(RoleName=f"{stack}-redshift")["Role"]
    cluster = redshift.describe_clusters(ClusterIdentifier=stack)["Clusters"][0]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": f"tag:{STACK_KEY}", "Values": [stack]}])
    return {
        "role": (role["Arn"], role["RoleId"], role["AssumeRolePolicyDocument"]),
        "role_tags": iam.list_role_tags(RoleName=f"{stack}-redshift")["Tags"],
        "role_policies": {
            name: iam.get_role_policy(RoleName=f"{stack}-redshift", PolicyName=name)["PolicyDocument"]
            for name in iam.list_role_policies(RoleName=f"{stack}-redshift")["PolicyNames"]
        },
        "cluster": {
            k: cluster[k] for k in ("ClusterCreateTime", "NodeType", "NumberOfNodes", "IamRoles", "Tags")
        },
        "glue": glue.get_database(Name=stack.replace("-", "_"))["Database"],
        "rules": sorted(rule["SecurityGroupRuleId"] for rule in rules["SecurityGroupRules"]),
        "roles": sorted(r["RoleName"] for r in iam.list_roles()["Roles"]),
        "clusters": sorted(c["ClusterIdentifier"] for c in redshift.describe_clusters()["Clusters"]),
    }


def test_up_creates_each_resource_with_the_right_policies(infra: Infra) -> None:
    result = _up(infra, "alpha", "--allow-cidr", CIDR)
    iam, redshift, glue, ec2 = (infra.client(s) for s in ("iam", "redshift", "glue", "ec2"))
    ours = {MANAGED_BY_KEY: "sparkify-infra", STACK_KEY: "alpha"}

    role = iam.get_role(RoleName="alpha-redshift")["Role"]
    assert role["AssumeRolePolicyDocument"] == TRUST
    assert _tags(iam.list_role_tags(RoleName="alpha-redshift")["Tags"]) == ours
    assert iam.list_attached_role_policies(RoleName="alpha-redshift")["AttachedPolicies"] == []
    assert iam.list_role_policies(RoleName="alpha-redshift")["PolicyNames"] == ["sparkify-raw-read"]
    policy = iam.get_role_policy(RoleName="alpha-redshift", PolicyName="sparkify-raw-read")["PolicyDocument"]
    by_sid = {statement["Sid"]: statement for statement in policy["Statement"]}
    # read-only S3 on exactly the bucket and prefix
    assert by_sid["ReadRawObjects"] == {
        "Sid": "ReadRawObjects",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/sparkify/*",
    }
    assert by_sid["ListRawPrefix"] == {
        "Sid": "ListRawPrefix",
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": f"arn:aws:s3:::{BUCKET}",
        "Condition": {"StringLike": {"s3:prefix": ["sparkify", "sparkify/*"]}},
    }
    s3_actions = [
        action
        for statement in policy["Statement"]
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        if action.startswith("s3:")
    ]
    assert sorted(s3_actions) == ["s3:GetObject", "s3:ListBucket"]
    # Spectrum: the catalog and this stack's Glue database only
    spectrum = by_sid["SpectrumCatalog"]
    assert {"glue:GetTable", "glue:CreateTable", "glue:BatchCreatePartition", "glue:CreateDatabase"} <= set(
        spectrum["Action"]
    )
    assert not any("*" in action for action in spectrum["Action"])
    account = "123456789012"
    assert spectrum["Resource"] == [
        f"arn:aws:glue:{REGION}:{account}:catalog",
        f"arn:aws:glue:{REGION}:{account}:database/alpha",
        f"arn:aws:glue:{REGION}:{account}:table/alpha/*",
    ]

    cluster = redshift.describe_clusters(ClusterIdentifier="alpha")["Clusters"][0]
    assert (cluster["NodeType"], cluster["NumberOfNodes"]) == ("ra3.large", 1)
    assert cluster["MasterUsername"] == "sparkify_admin"
    assert cluster["DBName"] == "dev"
    assert cluster["PubliclyAccessible"] is True
    assert [r["IamRoleArn"] for r in cluster["IamRoles"]] == [role["Arn"]]
    assert _tags(cluster["Tags"]) == ours

    database = glue.get_database(Name="alpha")["Database"]
    assert database["Name"] == "alpha"
    assert glue.get_tags(ResourceArn=f"arn:aws:glue:{REGION}:{account}:database/alpha")["Tags"] == ours

    rules = ec2.describe_security_group_rules(Filters=[{"Name": f"tag:{STACK_KEY}", "Values": ["alpha"]}])
    [rule] = rules["SecurityGroupRules"]
    assert (rule["IsEgress"], rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == (
        False,
        "tcp",
        5439,
        5439,
    )
    assert rule["CidrIpv4"] == CIDR
    assert _tags(rule["Tags"]) == ours
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]
    group = ec2.describe_security_groups(GroupIds=[rule["GroupId"]])["SecurityGroups"][0]
    assert (group["VpcId"], group["GroupName"]) == (default_vpc["VpcId"], "default")

    # the profile's variables on stdout, progress on stderr, the password nowhere
    exports = result.exports
    assert exports["REDSHIFT_HOST"] == cluster["Endpoint"]["Address"]
    assert exports["REDSHIFT_PORT"] == "5439"
    assert exports["REDSHIFT_USER"] == "sparkify_admin"
    assert exports["REDSHIFT_DATABASE"] == "dev"
    assert exports["SPARKIFY_REDSHIFT_IAM_ROLE"] == role["Arn"]
    assert exports["REDSHIFT_CLUSTER_ID"] == "alpha"
    assert exports["DBT_ENV_SECRET_REDSHIFT_PASSWORD"] == '"$SPARKIFY_REDSHIFT_ADMIN_PASSWORD"'
    # the Glue database is named after the stack; "sparkify" is the dbt var's default
    assert (
        """VARS='{raw_data: "s3://sparkify-raw/sparkify", landing: "s3://sparkify-raw/sparkify/landing", """
        """spectrum_database: alpha}'""" in result.out
    )
    assert PASSWORD not in result.out + result.err
    assert "Redshift cluster alpha: created" in result.err
    assert "available after" in result.err  # the wait reported its progress


def test_profile_variables_are_the_ones_profiles_example_reads(infra: Infra) -> None:
    result = _up(infra, "beta")
    profile = (PROJECT_ROOT / "profiles.example.yml").read_text()
    for name in result.exports:
        if name != "AWS_REGION":
            assert f"env_var('{name}'" in profile or name == "SPARKIFY_REDSHIFT_IAM_ROLE", name
    assert "SPARKIFY_REDSHIFT_IAM_ROLE" in (PROJECT_ROOT / "vars.yml").read_text()


def test_a_second_up_changes_nothing(infra: Infra) -> None:
    _up(infra, "gamma", "--allow-cidr", "203.0.113.8/32")
    before = _listing(infra, "gamma")
    again = _up(infra, "gamma", "--allow-cidr", "203.0.113.8/32")
    assert _listing(infra, "gamma") == before
    assert "created" not in again.err and "updated" not in again.err
    assert again.err.count(": unchanged") == 4  # role, Glue database, cluster, ingress rule


def test_up_puts_back_a_policy_that_was_changed(infra: Infra) -> None:
    _up(infra, "delta")
    iam = infra.client("iam")
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    iam.put_role_policy(
        RoleName="delta-redshift", PolicyName="sparkify-raw-read", PolicyDocument=json.dumps(wide)
    )
    result = _up(infra, "delta")
    assert "IAM role delta-redshift: updated" in result.err
    policy = iam.get_role_policy(RoleName="delta-redshift", PolicyName="sparkify-raw-read")["PolicyDocument"]
    assert policy == read_policy(
        bucket=BUCKET, prefix="sparkify", region=REGION, account="123456789012", glue_database="delta"
    )


def test_status_reports_each_resource_and_its_cost(infra: Infra) -> None:
    empty = infra("status", "--stack", "epsilon")
    assert empty.code == 0
    assert "absent" in empty.out and "estimated total: $0.000/h" in empty.out
    _up(infra, "epsilon", "--allow-cidr", "203.0.113.9/32", "--nodes", "2")
    result = infra("status", "--stack", "epsilon")
    assert result.code == 0, result.err
    lines = result.out.splitlines()

    def line(prefix: str) -> str:
        return next(text for text in lines if text.strip().startswith(prefix))

    assert "present" in line("IAM role epsilon-redshift")
    assert "present" in line("Glue database epsilon")
    assert "available (2 x ra3.large)" in line("Redshift cluster epsilon")
    assert "$1.086/h" in line("Redshift cluster epsilon")
    assert "absent" in line("Redshift Serverless workgroup epsilon")
    assert "from 203.0.113.9/32" in line("ingress rule")
    assert "estimated total: $1.086/h" in result.out
    assert "check https://aws.amazon.com/redshift/pricing/" in result.out
    assert result.exports["REDSHIFT_CLUSTER_ID"] == "epsilon"
    assert (
        """VARS='{raw_data: "s3://sparkify-raw/sparkify", landing: "s3://sparkify-raw/sparkify/landing", """
        """spectrum_database: epsilon}'""" in result.out
    )
    assert PASSWORD not in result.out + result.err


def test_a_paused_cluster_is_left_paused_and_costs_no_node_hours(infra: Infra) -> None:
    _up(infra, "phi")
    infra.client("redshift").pause_cluster(ClusterIdentifier="phi")
    again = _up(infra, "phi")
    assert "resume-cluster --cluster-identifier phi" in again.err
    status = infra("status", "--stack", "phi")
    assert "paused" in status.out and "estimated total: $0.000/h" in status.out


def test_down_removes_exactly_what_up_created(infra: Infra) -> None:
    iam, redshift, glue, ec2 = (infra.client(s) for s in ("iam", "redshift", "glue", "ec2"))
    # made outside the command: another role, cluster, Glue database and ingress rule
    iam.create_role(RoleName="someone-elses-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    redshift.create_cluster(
        ClusterIdentifier="someone-elses-cluster",
        NodeType="dc2.large",
        MasterUsername="admin",
        MasterUserPassword="Other-Pw-123",
        ClusterType="single-node",
    )
    glue.create_database(DatabaseInput={"Name": "someone_elses_db"})
    _up(infra, "zeta", "--allow-cidr", "203.0.113.10/32")
    group = ec2.describe_security_group_rules(Filters=[{"Name": f"tag:{STACK_KEY}", "Values": ["zeta"]}])[
        "SecurityGroupRules"
    ][0]["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5439,
                "ToPort": 5439,
                "IpRanges": [{"CidrIp": "198.51.100.0/24"}],
            }
        ],
    )
    _up(infra, "eta")  # another stack of ours: not this down's business either

    result = infra("down", "--stack", "zeta", "--yes")
    assert result.code == 0, result.err
    for expected in ("revoked", "Redshift cluster zeta: deleted", "Glue database zeta: deleted"):
        assert expected in result.err
    assert "IAM role zeta-redshift: deleted" in result.err

    roles = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert "zeta-redshift" not in roles
    assert {"someone-elses-role", "eta-redshift"} <= roles
    clusters = {c["ClusterIdentifier"] for c in redshift.describe_clusters()["Clusters"]}
    assert "zeta" not in clusters
    assert {"someone-elses-cluster", "eta"} <= clusters
    databases = {d["Name"] for d in glue.get_databases()["DatabaseList"]}
    assert "zeta" not in databases
    assert {"someone_elses_db", "eta"} <= databases
    cidrs = {
        rule.get("CidrIpv4")
        for rule in ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])[
            "SecurityGroupRules"
        ]
    }
    assert "203.0.113.10/32" not in cidrs and "198.51.100.0/24" in cidrs

    twice = infra("down", "--stack", "zeta", "--yes")
    assert twice.code == 0, twice.err
    assert "nothing of stack zeta to delete" in twice.err


def test_down_needs_confirmation(infra: Infra, monkeypatch: pytest.MonkeyPatch) -> None:
    _up(infra, "theta")
    iam = infra.client("iam")

    # no terminal and no --yes: refuse, delete nothing
    monkeypatch.setattr(sys, "stdin", io.StringIO("theta\n"))
    refused = infra("down", "--stack", "theta")
    assert refused.code == 1
    assert "refusing to delete without confirmation" in refused.err and "--yes" in refused.err
    assert "Traceback" not in refused.err
    iam.get_role(RoleName="theta-redshift")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal("no\n"))
    declined = infra("down", "--stack", "theta")
    assert declined.code == cli.EXIT_DECLINED
    assert "nothing deleted" in declined.err
    iam.get_role(RoleName="theta-redshift")

    monkeypatch.setattr(sys, "stdin", Terminal("theta\n"))
    accepted = infra("down", "--stack", "theta")
    assert accepted.code == 0, accepted.err
    assert "type the stack name (theta)" in accepted.err
    assert "theta-redshift" not in {r["RoleName"] for r in iam.list_roles()["Roles"]}


def test_a_foreign_resource_with_the_stack_name_stops_up(infra: Infra) -> None:
    iam, redshift = infra.client("iam"), infra.client("redshift")
    iam.create_role(RoleName="iota-redshift", AssumeRolePolicyDocument=json.dumps(TRUST))
    result = infra("up", "--stack", "iota", "--bucket", BUCKET)
    assert result.code == 1
    [message] = result.err.strip().splitlines()
    assert message.startswith("sparkify-infra: IAM role 'iota-redshift' already exists and was not created")
    assert "Traceback" not in result.err
    # nothing was made before it stopped
    assert "iota" not in {c["ClusterIdentifier"] for c in redshift.describe_clusters()["Clusters"]}

    redshift.create_cluster(
        ClusterIdentifier="kappa",
        NodeType="dc2.large",
        MasterUsername="admin",
        MasterUserPassword="Other-Pw-123",
        ClusterType="single-node",
    )
    result = infra("up", "--stack", "kappa", "--bucket", BUCKET)
    assert result.code == 1
    [message] = result.err.strip().splitlines()
    assert "Redshift cluster 'kappa' already exists and was not created by sparkify-infra" in message
    assert "kappa-redshift" not in {r["RoleName"] for r in iam.list_roles()["Roles"]}

    # status shows it as foreign, down leaves it
    assert "foreign (not created by sparkify-infra" in infra("status", "--stack", "kappa").out
    down = infra("down", "--stack", "kappa", "--yes")
    assert down.code == 0
    assert "exists but is not ours: left alone" in down.err
    assert redshift.describe_clusters(ClusterIdentifier="kappa")["Clusters"]


def test_a_missing_permission_is_one_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # moto checking IAM policies: the key may use S3 only (pytests/s3_server.py)
    server = start_moto_server(tmp_path, auth=True)
    try:
        clients = Clients(
            region=REGION,
            endpoint_url=server.endpoint_url,
            session=boto3.session.Session(
                aws_access_key_id=server.access_key_id, aws_secret_access_key=server.secret_access_key
            ),
            override={"redshift-serverless": watch(ServerlessFake().client())},
        )
        code = cli.main(["up", "--stack", "lambda", "--bucket", BUCKET], clients=clients)
    finally:
        server.stop()
    captured = capsys.readouterr()
    assert code == 1
    [message] = captured.err.strip().splitlines()
    assert message.startswith(
        "sparkify-infra: permission denied: the AWS credentials in use may not call iam:"
    )
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_access_denied_from_any_service_names_the_action(infra: Infra) -> None:
    client = boto3.client("redshift-serverless", region_name=REGION, endpoint_url="http://127.0.0.1:9")
    with Stubber(client) as stub:
        stub.add_client_error(
            "get_namespace",
            service_error_code="AccessDeniedException",
            service_message="User: arn:aws:iam::123456789012:user/dev is not authorized",
            http_status_code=403,
        )
        result = infra("up", "--stack", "muu", "--bucket", BUCKET, "--serverless", serverless_client=client)
    assert result.code == 1
    [message] = result.err.strip().splitlines()
    assert "may not call redshift-serverless:GetNamespace (AccessDeniedException" in message


def test_status_works_without_permission_for_the_other_kind_of_redshift(infra: Infra) -> None:
    _up(infra, "tau")
    client = boto3.client("redshift-serverless", region_name=REGION, endpoint_url="http://127.0.0.1:9")
    with Stubber(client) as stub:
        for operation in ("get_namespace", "get_workgroup"):
            stub.add_client_error(operation, service_error_code="AccessDeniedException", http_status_code=403)
        result = infra("status", "--stack", "tau", serverless_client=client)
    assert result.code == 0, result.err
    assert "unknown (may not call redshift-serverless:GetNamespace)" in result.out
    assert "available (1 x ra3.large)" in result.out


def _not_found(stub: Stubber, operation: str, params: dict[str, Any]) -> None:
    stub.add_client_error(
        operation,
        service_error_code="ResourceNotFoundException",
        http_status_code=400,
        expected_params=params,
    )


def test_serverless_up_sends_these_parameters(infra: Infra) -> None:
    client = boto3.client("redshift-serverless", region_name=REGION, endpoint_url="http://127.0.0.1:9")
    role_arn = "arn:aws:iam::123456789012:role/nuu-redshift"
    tags = [{"key": MANAGED_BY_KEY, "value": "sparkify-infra"}, {"key": STACK_KEY, "value": "nuu"}]
    namespace = {
        "namespaceName": "nuu",
        "namespaceArn": "arn:aws:redshift-serverless:us-east-1:123456789012:namespace/nuu-id",
        "status": "AVAILABLE",
        "dbName": "dev",
        "adminUsername": "sparkify_admin",
        "iamRoles": [role_arn],
    }
    workgroup = {
        "workgroupName": "nuu",
        "workgroupArn": "arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/nuu-id",
        "namespaceName": "nuu",
        "baseCapacity": 16,
        "status": "CREATING",
    }
    available = {
        **workgroup,
        "status": "AVAILABLE",
        "endpoint": {"address": "nuu.123456789012.us-east-1.redshift-serverless.amazonaws.com", "port": 5439},
    }
    with Stubber(client) as stub:
        # the foreign-name check, then creation
        _not_found(stub, "get_namespace", {"namespaceName": "nuu"})
        _not_found(stub, "get_workgroup", {"workgroupName": "nuu"})
        _not_found(stub, "get_namespace", {"namespaceName": "nuu"})
        stub.add_response(
            "create_namespace",
            {"namespace": namespace},
            {
                "namespaceName": "nuu",
                "adminUsername": "sparkify_admin",
                "adminUserPassword": PASSWORD,
                "dbName": "dev",
                "iamRoles": [role_arn],
                "defaultIamRoleArn": role_arn,
                "tags": tags,
            },
        )
        _not_found(stub, "get_workgroup", {"workgroupName": "nuu"})
        stub.add_response(
            "create_workgroup",
            {"workgroup": workgroup},
            {
                "workgroupName": "nuu",
                "namespaceName": "nuu",
                "baseCapacity": 16,
                "publiclyAccessible": True,
                "tags": tags,
            },
        )
        stub.add_response("get_workgroup", {"workgroup": workgroup}, {"workgroupName": "nuu"})
        stub.add_response("get_workgroup", {"workgroup": available}, {"workgroupName": "nuu"})
        stub.add_response("get_workgroup", {"workgroup": available}, {"workgroupName": "nuu"})
        stub.add_response("get_namespace", {"namespace": namespace}, {"namespaceName": "nuu"})
        stub.add_response("list_tags_for_resource", {"tags": tags}, {"resourceArn": ANY})
        result = infra(
            "up", "--stack", "nuu", "--bucket", BUCKET, "--serverless", "--base-capacity", "16",
            serverless_client=client,
        )  # fmt: skip
        stub.assert_no_pending_responses()
    assert result.code == 0, result.err
    assert result.exports["REDSHIFT_HOST"] == "nuu.123456789012.us-east-1.redshift-serverless.amazonaws.com"
    assert "REDSHIFT_CLUSTER_ID" not in result.exports
    assert "waiting for Redshift Serverless workgroup nuu: CREATING" in result.err
    assert PASSWORD not in result.out + result.err
    # no cluster for a serverless stack
    assert "nuu" not in {
        c["ClusterIdentifier"] for c in infra.client("redshift").describe_clusters()["Clusters"]
    }


def test_serverless_up_status_down(infra: Infra) -> None:
    fake = infra.serverless
    fake.add_foreign_namespace("someone-elses")
    first = _up(infra, "xii", "--serverless")
    assert set(fake.namespaces) == {"xii", "someone-elses"} and set(fake.workgroups) == {"xii"}
    assert first.exports["REDSHIFT_HOST"].startswith("xii.")
    calls_before = len([c for c in fake.calls if c[0].startswith(("Create", "Update", "Delete"))])
    again = _up(infra, "xii", "--serverless")
    assert len([c for c in fake.calls if c[0].startswith(("Create", "Update", "Delete"))]) == calls_before
    assert again.err.count(": unchanged") == 4  # role, Glue database, namespace, workgroup

    status = infra("status", "--stack", "xii")
    rows = {" ".join(line.split()[:4]): " ".join(line.split()[4:]) for line in status.out.splitlines()}
    assert rows["Redshift Serverless workgroup xii"].startswith("available (base capacity 8 RPU)")
    assert "$0 while idle; $3.0/h of query time" in rows["Redshift Serverless workgroup xii"]
    assert rows["Redshift cluster xii absent"] == ""

    down = infra("down", "--stack", "xii", "--yes")
    assert down.code == 0, down.err
    assert set(fake.namespaces) == {"someone-elses"} and not fake.workgroups
    deletes = [name for name, _ in fake.calls if name.startswith("Delete")]
    assert deletes == ["DeleteWorkgroup", "DeleteNamespace"]


def test_a_foreign_serverless_namespace_stops_up(infra: Infra) -> None:
    infra.serverless.add_foreign_namespace("omicron")
    result = infra("up", "--stack", "omicron", "--bucket", BUCKET, "--serverless")
    assert result.code == 1
    [message] = result.err.strip().splitlines()
    assert "Redshift Serverless namespace 'omicron' already exists and was not created" in message


def test_no_wait_returns_before_the_endpoint_exists(infra: Infra) -> None:
    result = _up(infra, "pii", "--serverless", "--no-wait")
    assert "REDSHIFT_HOST" not in result.exports
    assert "# REDSHIFT_HOST: no endpoint yet" in result.out
    assert "waiting" not in result.err


def test_password_comes_from_env_or_secrets_manager_and_is_never_shown(
    infra: Infra, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SPARKIFY_REDSHIFT_ADMIN_PASSWORD")
    missing = infra("up", "--stack", "rho", "--bucket", BUCKET)
    assert missing.code == 1
    assert "set SPARKIFY_REDSHIFT_ADMIN_PASSWORD" in missing.err
    # stopped before creating anything
    assert "rho-redshift" not in {r["RoleName"] for r in infra.client("iam").list_roles()["Roles"]}

    monkeypatch.setenv("SPARKIFY_REDSHIFT_ADMIN_PASSWORD", "short")
    weak = infra("up", "--stack", "rho", "--bucket", BUCKET)
    assert weak.code == 1 and "does not meet Redshift's rules" in weak.err and "short" not in weak.err

    secret = "From-Secrets-Manager-9"
    infra.client("secretsmanager").create_secret(
        Name="sparkify/admin", SecretString=json.dumps({"username": "sparkify_admin", "password": secret})
    )
    result = _up(infra, "rho", "--admin-password-secret-id", "sparkify/admin")
    assert secret not in result.out + result.err
    assert "--secret-id sparkify/admin" in result.exports["DBT_ENV_SECRET_REDSHIFT_PASSWORD"]


def test_the_console_script_prints_no_traceback(moto: MotoServer, tmp_path: Path) -> None:
    iam = moto.client("iam")
    iam.create_role(RoleName="sigma-redshift", AssumeRolePolicyDocument=json.dumps(TRUST))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and key != "SPARKIFY_REDSHIFT_ADMIN_PASSWORD"
    }
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
    )
    run = subprocess.run(
        [sys.executable, "-m", "sparkify_tools.infra.cli", "up", "--stack", "sigma", "--bucket", BUCKET,
         "--endpoint-url", moto.endpoint_url],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        "sparkify-infra: IAM role 'sigma-redshift' already exists and was not created by sparkify-infra (it "
        "lacks the sparkify:managed-by/sparkify:stack tags): it is left alone. Choose another --stack, or "
        "delete or tag it yourself."
    ]


def test_the_quick_start_matches_the_command(infra: Infra) -> None:
    """docs/redshift.md starts with sparkify-infra; its flags exist, its sample output is what up prints."""
    text = (PROJECT_ROOT / "docs" / "redshift.md").read_text()
    assert text.splitlines()[2] == "## Quick start: `sparkify-infra`"
    quick = text.split("## The reference", 1)[0]
    parser = cli.build_parser()
    [commands] = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    known = {
        option
        for sub in [*commands.choices.values(), ingest_cli.build_parser()]
        for action in sub._actions
        for option in action.option_strings
    }
    flags = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", quick)) - {"--target", "--vars"}
    assert flags and flags <= known, flags - known
    sample = quick.split("prints on stdout:", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    documented = re.findall(r"^export (\w+)=", sample, flags=re.MULTILINE)
    assert documented == list(_up(infra, "upsilon").exports)


def test_bad_arguments_are_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["up", "--bucket", BUCKET, "--stack", "Not_Valid"],
        ["up", "--bucket", BUCKET, "--allow-cidr", "my laptop"],
        ["up", "--bucket", BUCKET, "--nodes", "0"],
        ["up"],
    ):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_read_policy_without_a_prefix_reads_the_whole_bucket() -> None:
    policy = read_policy(bucket="b", prefix="", region=REGION, account="1", glue_database="g")
    objects, listing = policy["Statement"][:2]
    assert objects["Resource"] == "arn:aws:s3:::b/*"
    assert "Condition" not in listing


def test_cost_estimate_table() -> None:
    assert NODE_HOUR["ra3.large"] == 0.543 and NODE_HOUR["dc2.large"] == 0.25
    assert cluster_per_hour("ra3.large", 2)[0] == 1.086
    assert cluster_per_hour("ra3.large", 1, "paused")[0] == 0.0
    assert cluster_per_hour("x9.huge", 1)[0] is None
    per_hour, text = serverless_per_hour(8)
    assert per_hour == 0.0 and "$3.0/h of query time" in text


def test_stack_names() -> None:
    assert validate_stack_name("sparkify-dev") == "sparkify-dev"
    for bad in ("Sparkify", "1abc", "a--b", "a-", "a_b", "x" * 41):
        with pytest.raises(StackNameError):
            validate_stack_name(bad)
