"""``sparkify-infra up|status|down``: the AWS side of the ``redshift`` dbt target (docs/redshift.md).

Exit codes: 0 done, 1 an AWS or input problem explained in one line on stderr, 2 bad arguments,
3 ``down`` declined or not confirmed.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
)

from . import stack
from .admin_password import ENV_VAR, PasswordSource
from .aws import Clients, error_code
from .errors import InfraError
from .naming import StackNameError, StackNames, validate_stack_name
from .resource_state import ResourceState
from .settings import StackSettings

EXIT_FAILED = 1
EXIT_DECLINED = 3


def _stack_name(text: str) -> str:
    try:
        return validate_stack_name(text)
    except StackNameError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be 1 or more")
    return value


def _base_capacity(text: str) -> int:
    # Redshift Serverless takes 8 to 512 RPUs in steps of 8 (4 in some regions: AWS rejects it there).
    value = _positive(text)
    if value < 4 or value > 1024:
        raise argparse.ArgumentTypeError(f"{value} RPUs: base capacity is 8 to 512 RPUs in steps of 8")
    return value


def _cidr(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an IP address or CIDR (e.g. 203.0.113.7/32)"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--stack", type=_stack_name, default="sparkify", help="names and tags every resource")
    common.add_argument("--region", default="us-east-1", help="AWS region (default us-east-1)")
    common.add_argument("--endpoint-url", help="one endpoint for every service (moto or localstack)")
    common.add_argument(
        "--admin-password-secret-id",
        help=f"Secrets Manager secret holding the admin password (default: the {ENV_VAR} variable)",
    )

    parser = argparse.ArgumentParser(
        prog="sparkify-infra",
        description="Create, show and delete the AWS side of the redshift dbt target (docs/redshift.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{up,status,down}")

    up = commands.add_parser(
        "up",
        parents=[common],
        help="create what is missing (idempotent) and print the profile's environment variables",
    )
    up.add_argument("--bucket", required=True, help="the bucket holding the raw data (song_data/, log_data/)")
    up.add_argument(
        "--prefix", default="sparkify", help="folder of the raw data in the bucket ('' for the root)"
    )
    up.add_argument(
        "--serverless", action="store_true", help="a serverless namespace + workgroup, not a cluster"
    )
    up.add_argument("--node-type", default="ra3.large", help="cluster node type (default ra3.large)")
    up.add_argument("--nodes", type=_positive, default=1, help="cluster nodes (default 1: single-node)")
    up.add_argument("--base-capacity", type=_base_capacity, default=8, help="serverless RPUs (default 8)")
    up.add_argument(
        "--admin-user", default="sparkify_admin", help="database admin user (default sparkify_admin)"
    )
    up.add_argument("--database", default="dev", help="database name (default dev)")
    up.add_argument(
        "--allow-cidr",
        type=_cidr,
        help="open port 5439 to this CIDR (e.g. your IP/32); default: open nothing",
    )
    up.add_argument("--security-group", help="security group for the cluster/workgroup and the ingress rule")
    up.add_argument(
        "--private",
        action="store_true",
        help="no public endpoint (reach it from inside the VPC); default public, closed until --allow-cidr",
    )
    up.add_argument("--no-wait", action="store_true", help="return once creation has started")

    commands.add_parser("status", parents=[common], help="what exists, its state and its hourly cost")

    down = commands.add_parser(
        "down", parents=[common], help="delete what `up` created (tagged) and only that"
    )
    down.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    down.add_argument("--no-wait", action="store_true", help="return once deletion has started")
    return parser


def _confirm(stack_name: str, stdin: TextIO, log: TextIO, assume_yes: bool):
    def confirm(resources: list[ResourceState]) -> bool:
        print(f"sparkify-infra down will delete from stack {stack_name}:", file=log)
        for state in resources:
            print(f"  {state.kind} {state.name}", file=log)
        if assume_yes:
            return True
        if stdin is None or stdin.closed or not stdin.isatty():
            raise InfraError("refusing to delete without confirmation: no terminal to ask on; pass --yes")
        print(f"type the stack name ({stack_name}) to delete them: ", end="", file=log, flush=True)
        return stdin.readline().strip() == stack_name

    return confirm


def run(args: argparse.Namespace, clients: Clients, *, log: TextIO, out: TextIO, stdin: TextIO) -> int:
    names = StackNames(args.stack)
    password = PasswordSource(args.admin_password_secret_id)
    if args.command == "up":
        settings = StackSettings(
            names=names,
            region=args.region,
            bucket=args.bucket,
            prefix=args.prefix,
            serverless=args.serverless,
            node_type=args.node_type,
            nodes=args.nodes,
            base_capacity=args.base_capacity,
            admin_user=args.admin_user,
            database=args.database,
            publicly_accessible=not args.private,
            allow_cidr=args.allow_cidr,
            security_group_id=args.security_group,
            wait=not args.no_wait,
        )
        stack.up(clients, settings, password, log=log, out=out)
        return 0
    if args.command == "status":
        stack.status(clients, names, args.region, password, out=out)
        return 0
    confirmed = stack.down(
        clients,
        names,
        args.region,
        confirm=_confirm(args.stack, stdin, log, args.yes),
        wait=not args.no_wait,
        log=log,
    )
    return 0 if confirmed else EXIT_DECLINED


def main(argv: Sequence[str] | None = None, *, clients: Clients | None = None) -> int:
    args = build_parser().parse_args(argv)
    clients = clients or Clients(region=args.region, endpoint_url=args.endpoint_url)
    log, out = sys.stderr, sys.stdout
    try:
        return run(args, clients, log=log, out=out, stdin=sys.stdin)
    except InfraError as error:
        message = str(error)
    except NoCredentialsError:
        message = "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    except NoRegionError:
        message = "no AWS region: pass --region"
    except EndpointConnectionError as error:
        message = (
            f"cannot reach AWS at {error.kwargs.get('endpoint_url', '?')}: check --region/--endpoint-url"
        )
    except ParamValidationError as error:
        message = f"AWS rejected the request before sending it: {error}"
    except ClientError as error:
        # Anything else AWS refused: its own words, which name the operation, and no traceback.
        detail = error.response.get("Error", {}).get("Message", "")
        message = f"AWS refused {error.operation_name} ({error_code(error)}): {detail}"
    except BotoCoreError as error:
        message = f"AWS client error: {error}"
    except KeyboardInterrupt:
        message = (
            "interrupted: what was already requested carries on in AWS; `sparkify-infra status` shows it"
        )
    print(f"sparkify-infra: {_scrubbed(message)}", file=log)
    return EXIT_FAILED


def _scrubbed(message: str) -> str:
    # No message of ours contains the password; this guards against a service echoing it back.
    password = os.environ.get(ENV_VAR, "")
    return message.replace(password, "********") if len(password) >= 4 else message


if __name__ == "__main__":
    sys.exit(main())
