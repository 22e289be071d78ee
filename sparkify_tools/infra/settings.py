"""What ``up`` was asked for, gathered from the command line in one place."""

from __future__ import annotations

from dataclasses import dataclass

from .naming import StackNames


@dataclass(frozen=True)
class StackSettings:
    names: StackNames
    region: str
    bucket: str = ""
    prefix: str = "sparkify"
    serverless: bool = False
    node_type: str = "ra3.large"
    nodes: int = 1
    base_capacity: int = 8
    admin_user: str = "sparkify_admin"
    database: str = "dev"
    # Public like the notebook's cluster, so a laptop can reach it: nothing can connect until
    # --allow-cidr opens port 5439 in the security group.
    publicly_accessible: bool = True
    allow_cidr: str | None = None
    security_group_id: str | None = None
    wait: bool = True

    @property
    def raw_data(self) -> str:
        prefix = self.prefix.strip("/")
        return f"s3://{self.bucket}/{prefix}" if prefix else f"s3://{self.bucket}"
