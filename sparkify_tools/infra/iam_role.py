"""The IAM role Redshift (COPY) and Spectrum assume to read the raw bucket and the Glue catalog.

The notebook attached AmazonS3ReadOnlyAccess and a Glue full-access policy; this role gets one
inline policy instead that reads exactly ``s3://<bucket>/<prefix>/`` and the stack's Glue
database, so the cluster cannot read the account's other data.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from .errors import ForeignResourceError
from .naming import StackNames, tags_from_list
from .resource_state import ABSENT, CREATED, FOREIGN, UNCHANGED, UPDATED, ResourceState

KIND = "IAM role"

# What Spectrum does in the catalog: CREATE EXTERNAL SCHEMA ... CREATE EXTERNAL DATABASE IF NOT
# EXISTS, CREATE/ALTER/DROP EXTERNAL TABLE, ADD PARTITION (stage_external_sources), and reads.
GLUE_ACTIONS = (
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:CreateDatabase",
    "glue:UpdateDatabase",
    "glue:GetTable",
    "glue:GetTables",
    "glue:CreateTable",
    "glue:UpdateTable",
    "glue:DeleteTable",
    "glue:BatchDeleteTable",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchGetPartition",
    "glue:CreatePartition",
    "glue:BatchCreatePartition",
    "glue:UpdatePartition",
    "glue:DeletePartition",
    "glue:BatchDeletePartition",
)


def trust_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "redshift.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def read_policy(*, bucket: str, prefix: str, region: str, account: str, glue_database: str) -> dict[str, Any]:
    prefix = prefix.strip("/")
    objects = f"arn:aws:s3:::{bucket}/{prefix}/*" if prefix else f"arn:aws:s3:::{bucket}/*"
    list_bucket: dict[str, Any] = {
        "Sid": "ListRawPrefix",
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": f"arn:aws:s3:::{bucket}",
    }
    if prefix:
        # COPY and Spectrum list with Prefix=<prefix>/...; the bare prefix covers a listing of it.
        list_bucket["Condition"] = {"StringLike": {"s3:prefix": [prefix, f"{prefix}/*"]}}
    glue = f"arn:aws:glue:{region}:{account}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadRawObjects", "Effect": "Allow", "Action": "s3:GetObject", "Resource": objects},
            list_bucket,
            {
                "Sid": "SpectrumCatalog",
                "Effect": "Allow",
                "Action": list(GLUE_ACTIONS),
                "Resource": [
                    f"{glue}:catalog",
                    f"{glue}:database/{glue_database}",
                    f"{glue}:table/{glue_database}/*",
                ],
            },
        ],
    }


def _document(value: str | dict[str, Any]) -> dict[str, Any]:
    # IAM returns policy documents URL-encoded in the query API; boto3 decodes some, not all.
    return value if isinstance(value, dict) else json.loads(unquote(value))


def _role(iam: Any, name: str) -> dict[str, Any] | None:
    try:
        return iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        return None


def _tags(iam: Any, name: str) -> dict[str, str]:
    return tags_from_list(iam.list_role_tags(RoleName=name).get("Tags"))


def describe(iam: Any, names: StackNames) -> ResourceState:
    role = _role(iam, names.role)
    if role is None:
        return ResourceState(KIND, names.role, ABSENT)
    if not names.owns(_tags(iam, names.role)):
        return ResourceState(KIND, names.role, FOREIGN, role["Arn"])
    return ResourceState(KIND, names.role, "present", role["Arn"])


def check_not_foreign(iam: Any, names: StackNames) -> None:
    if describe(iam, names).state == FOREIGN:
        raise ForeignResourceError(KIND, names.role)


def ensure(iam: Any, names: StackNames, policy: dict[str, Any]) -> tuple[str, str]:
    """Create or bring up to date the role and its policy; returns (what was done, role ARN)."""
    role = _role(iam, names.role)
    action = UNCHANGED
    if role is None:
        role = iam.create_role(
            RoleName=names.role,
            AssumeRolePolicyDocument=json.dumps(trust_policy()),
            Description=f"Redshift COPY and Spectrum read the Sparkify raw data ({names.stack})",
            Tags=names.tag_list(),
        )["Role"]
        action = CREATED
    elif not names.owns(_tags(iam, names.role)):
        raise ForeignResourceError(KIND, names.role)
    elif _document(role["AssumeRolePolicyDocument"]) != trust_policy():
        iam.update_assume_role_policy(RoleName=names.role, PolicyDocument=json.dumps(trust_policy()))
        action = UPDATED
    if current_policy(iam, names) != policy:
        iam.put_role_policy(
            RoleName=names.role, PolicyName=names.role_policy, PolicyDocument=json.dumps(policy)
        )
        action = action if action == CREATED else UPDATED
    return action, role["Arn"]


def current_policy(iam: Any, names: StackNames) -> dict[str, Any] | None:
    try:
        document = iam.get_role_policy(RoleName=names.role, PolicyName=names.role_policy)["PolicyDocument"]
    except iam.exceptions.NoSuchEntityException:
        return None
    return _document(document)


def delete(iam: Any, names: StackNames) -> bool:
    """Delete the role if it is ours; False when there was nothing of ours to delete."""
    if describe(iam, names).state != "present":
        return False
    # IAM refuses to delete a role that still has policies or instance profiles.
    for policy_name in iam.list_role_policies(RoleName=names.role)["PolicyNames"]:
        iam.delete_role_policy(RoleName=names.role, PolicyName=policy_name)
    for attached in iam.list_attached_role_policies(RoleName=names.role)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=names.role, PolicyArn=attached["PolicyArn"])
    for profile in iam.list_instance_profiles_for_role(RoleName=names.role)["InstanceProfiles"]:
        iam.remove_role_from_instance_profile(
            InstanceProfileName=profile["InstanceProfileName"], RoleName=names.role
        )
    try:
        iam.delete_role(RoleName=names.role)
    except iam.exceptions.NoSuchEntityException:
        return False
    return True


def raw_data_from_policy(policy: dict[str, Any] | None) -> str | None:
    """The s3:// URL the role's policy reads, for ``status`` to print the dbt var raw_data."""
    for statement in (policy or {}).get("Statement", []):
        if statement.get("Sid") == "ReadRawObjects":
            resource = str(statement.get("Resource", ""))
            return "s3://" + resource.removeprefix("arn:aws:s3:::").removesuffix("/*")
    return None
