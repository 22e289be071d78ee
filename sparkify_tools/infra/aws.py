"""boto3 clients for one region, with AWS's refusals turned into one clear message.

A hook on every client sees each response before botocore raises its ClientError, so a refusal
names the IAM action (``iam:CreateRole``) that was denied, whichever call made it; the CLI then
prints that single line instead of a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from .errors import BadCredentials, PermissionDenied

# The codes the services use for "your credentials may not do this"; they vary by service and age.
PERMISSION_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "AuthorizationError",
        "NotAuthorized",
        "Forbidden",
    }
)
CREDENTIAL_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "AuthFailure",
    }
)


def action_name(model: Any) -> str:
    # The signing name is the IAM action prefix for every service used here (iam, redshift,
    # redshift-serverless, glue, ec2, sts, secretsmanager).
    service = model.service_model
    return f"{service.signing_name or service.endpoint_prefix}:{model.name}"


def _refusal_hook(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
    if http_response is None or http_response.status_code < 300:
        return
    error = parsed.get("Error", {}) if isinstance(parsed, dict) else {}
    code = str(error.get("Code", ""))
    if code in PERMISSION_CODES:
        raise PermissionDenied(action_name(model), code, str(error.get("Message", "")).strip())
    if code in CREDENTIAL_CODES:
        raise BadCredentials(action_name(model), code)


@dataclass
class Clients:
    """Lazily made clients; tests swap one for a botocore Stubber-wrapped client via ``override``."""

    region: str
    endpoint_url: str | None = None
    session: boto3.session.Session | None = None
    override: dict[str, Any] = field(default_factory=dict)
    _made: dict[str, Any] = field(default_factory=dict, repr=False)

    def get(self, service: str) -> Any:
        if service in self.override:
            return self.override[service]
        if service not in self._made:
            # One session for all clients: it caches the service models, which take longer to load
            # than the calls take to run.
            if self.session is None:
                self.session = boto3.session.Session()
            client = self.session.client(
                service,
                region_name=self.region,
                endpoint_url=self.endpoint_url,
                # adaptive retries ride out the throttling a burst of describe calls can meet
                config=Config(retries={"mode": "adaptive", "max_attempts": 8}),
            )
            watch(client)
            self._made[service] = client
        return self._made[service]

    @property
    def iam(self) -> Any:
        return self.get("iam")

    @property
    def sts(self) -> Any:
        return self.get("sts")

    @property
    def redshift(self) -> Any:
        return self.get("redshift")

    @property
    def serverless(self) -> Any:
        return self.get("redshift-serverless")

    @property
    def glue(self) -> Any:
        return self.get("glue")

    @property
    def ec2(self) -> Any:
        return self.get("ec2")

    @property
    def secrets(self) -> Any:
        return self.get("secretsmanager")

    def account_id(self) -> str:
        return self.sts.get_caller_identity()["Account"]


def watch(client: Any) -> Any:
    """Register the refusal hook on a client (also on Stubber-wrapped clients made by tests)."""
    client.meta.events.register("after-call", _refusal_hook)
    return client


def error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
