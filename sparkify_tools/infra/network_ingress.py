"""Ingress on port 5439 from one CIDR: the network access the notebook opened by hand.

The rule goes to the security group given with ``--security-group`` or else to the default VPC's
default group, which is the one a cluster or workgroup created without security groups uses. The
rule itself carries the stack's tags (security group rules are taggable), so ``down`` revokes that
rule and nothing else in the group.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from .errors import InfraError
from .naming import StackNames, tags_from_list
from .resource_state import CREATED, UNCHANGED, ResourceState

KIND = "ingress rule"
PORT = 5439


def find_group(ec2: Any, group_id: str | None) -> str:
    if group_id:
        try:
            return ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["GroupId"]
        except ec2.exceptions.ClientError as error:
            if "NotFound" in str(error.response.get("Error", {}).get("Code", "")):
                raise InfraError(f"security group {group_id!r} does not exist in this region") from None
            raise
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    if not vpcs:
        raise InfraError("this region has no default VPC: name the security group with --security-group")
    groups = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"]
    if not groups:
        raise InfraError(f"the default VPC {vpcs[0]['VpcId']} has no default security group")
    return groups[0]["GroupId"]


def _rule_cidr(rule: dict[str, Any]) -> str | None:
    return rule.get("CidrIpv4") or rule.get("CidrIpv6")


def _matches(rule: dict[str, Any], cidr: str) -> bool:
    return (
        not rule.get("IsEgress")
        and rule.get("IpProtocol") == "tcp"
        and rule.get("FromPort") == PORT
        and rule.get("ToPort") == PORT
        and _rule_cidr(rule) == cidr
    )


def _rules(ec2: Any, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    paginator = ec2.get_paginator("describe_security_group_rules")
    return [rule for page in paginator.paginate(Filters=filters) for rule in page["SecurityGroupRules"]]


def our_rules(ec2: Any, names: StackNames) -> list[dict[str, Any]]:
    # Filtered by tag on the server, and checked again here: both tags must match.
    rules = _rules(ec2, [{"Name": f"tag:{key}", "Values": [value]} for key, value in names.tags().items()])
    return [rule for rule in rules if names.owns(tags_from_list(rule.get("Tags")))]


def describe(ec2: Any, names: StackNames) -> list[ResourceState]:
    return [
        ResourceState(
            KIND,
            rule["SecurityGroupRuleId"],
            "present",
            f"{rule['GroupId']} tcp/{PORT} from {_rule_cidr(rule)}",
        )
        for rule in our_rules(ec2, names)
    ]


def ensure(ec2: Any, names: StackNames, cidr: str, group_id: str | None) -> tuple[str, str]:
    """Open port 5439 to ``cidr``; returns (what was done, a description of the rule)."""
    network = ipaddress.ip_network(cidr, strict=False)
    cidr = str(network)
    group = find_group(ec2, group_id)
    label = f"{group} tcp/{PORT} from {cidr}"
    for rule in _rules(ec2, [{"Name": "group-id", "Values": [group]}]):
        if _matches(rule, cidr):
            if names.owns(tags_from_list(rule.get("Tags"))):
                return UNCHANGED, label
            # The access is there already (by hand, or another stack); the rule stays its owner's.
            return "already open by a rule this stack did not make: left alone", label
    ip_range = {"Description": f"sparkify-infra {names.stack}: Redshift from {cidr}"}
    permission: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": PORT, "ToPort": PORT}
    if network.version == 4:
        permission["IpRanges"] = [{"CidrIp": cidr, **ip_range}]
    else:
        permission["Ipv6Ranges"] = [{"CidrIpv6": cidr, **ip_range}]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[permission],
        TagSpecifications=[{"ResourceType": "security-group-rule", "Tags": names.tag_list()}],
    )
    return CREATED, label


def delete(ec2: Any, names: StackNames) -> list[str]:
    """Revoke our rules; returns their descriptions."""
    revoked: list[str] = []
    for rule in our_rules(ec2, names):
        ec2.revoke_security_group_ingress(
            GroupId=rule["GroupId"], SecurityGroupRuleIds=[rule["SecurityGroupRuleId"]]
        )
        revoked.append(f"{rule['GroupId']} tcp/{PORT} from {_rule_cidr(rule)}")
    return revoked
