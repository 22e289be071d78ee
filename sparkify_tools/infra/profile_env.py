"""The environment variables the ``redshift`` and ``redshift_iam`` targets of profiles.example.yml read.

Printed as ``export`` lines on stdout (progress goes to stderr), so ``eval "$(sparkify-infra up …)"``
sets them. The password line refers to where the password lives; its value is never printed.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from .admin_password import PasswordSource


@dataclass(frozen=True)
class Connection:
    host: str | None
    port: int
    database: str
    user: str
    role_arn: str | None
    region: str
    cluster_id: str | None = None  # for the redshift_iam target; unset for serverless


def export_lines(
    connection: Connection, password: PasswordSource, *, raw_data: str | None, spectrum_database: str
) -> list[str]:
    lines = ["# for dbt's redshift target (profiles.example.yml); the password is never printed"]
    if connection.host:
        lines.append(f"export REDSHIFT_HOST={shlex.quote(connection.host)}")
    else:
        lines.append("# REDSHIFT_HOST: no endpoint yet; run `sparkify-infra status` once it is available")
    lines += [
        f"export REDSHIFT_PORT={connection.port}",
        f"export REDSHIFT_DATABASE={shlex.quote(connection.database)}",
        f"export REDSHIFT_USER={shlex.quote(connection.user)}",
        f"export DBT_ENV_SECRET_REDSHIFT_PASSWORD={password.shell_expression()}",
    ]
    if connection.role_arn:
        lines.append(f"export SPARKIFY_REDSHIFT_IAM_ROLE={shlex.quote(connection.role_arn)}")
    lines.append(f"export AWS_REGION={shlex.quote(connection.region)}")
    if connection.cluster_id:
        lines.append(
            f"export REDSHIFT_CLUSTER_ID={shlex.quote(connection.cluster_id)}  # redshift_iam target"
        )
    raw_data = (raw_data or "s3://<bucket>/<prefix>").rstrip("/")
    # Redshift reads the landing sparkify-ingest writes below the raw data (docs/redshift.md)
    vars_ = [f'raw_data: "{raw_data}"', f'landing: "{raw_data}/landing"']
    if spectrum_database != "sparkify":
        vars_.append(f"spectrum_database: {spectrum_database}")
    # a shell variable, as docs/redshift.md uses it: dbt build --target redshift --vars "$VARS"
    lines.append(f"VARS={shlex.quote('{' + ', '.join(vars_) + '}')}")
    return lines
