"""The Redshift admin password: from an environment variable or a Secrets Manager secret, never argv.

A flag value would land in shell history and in the process list; the password is read only when a
cluster or namespace is about to be created, and is never printed, logged or written anywhere.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import InfraError

ENV_VAR = "SPARKIFY_REDSHIFT_ADMIN_PASSWORD"
# Redshift's rule, checked here so a bad password fails before anything is created.
_FORBIDDEN = re.compile(r"[\s'\"\\/@]")


@dataclass(frozen=True)
class PasswordSource:
    secret_id: str | None = None

    def describe(self) -> str:
        return f"Secrets Manager secret {self.secret_id}" if self.secret_id else f"${ENV_VAR}"

    def shell_expression(self) -> str:
        """A shell expression that yields the password where it is needed, for the printed exports."""
        if not self.secret_id:
            return f'"${ENV_VAR}"'
        # A JSON secret ({"username", "password"}) needs its password field picked out: see docs.
        return (
            f'"$(aws secretsmanager get-secret-value --secret-id {self.secret_id} '
            f'--query SecretString --output text)"'
        )

    def reader(self, secrets_client: Callable[[], Any]) -> Callable[[], str]:
        def read() -> str:
            password = _from_secret(secrets_client(), self.secret_id) if self.secret_id else _from_env()
            check(password)
            return password

        return read


def _from_env() -> str:
    password = os.environ.get(ENV_VAR, "")
    if not password:
        raise InfraError(
            f"creating Redshift needs an admin password: set {ENV_VAR} (or pass --admin-password-secret-id)"
        )
    return password


def _from_secret(secrets: Any, secret_id: str) -> str:
    try:
        text = secrets.get_secret_value(SecretId=secret_id)["SecretString"]
    except secrets.exceptions.ResourceNotFoundException:
        raise InfraError(f"Secrets Manager has no secret {secret_id!r} in this region") from None
    except KeyError:
        raise InfraError(f"secret {secret_id!r} holds binary data, not a password string") from None
    # A plain string, or the JSON {"username": ..., "password": ...} that RDS/Redshift secrets use.
    if text.lstrip().startswith("{"):
        try:
            return str(json.loads(text)["password"])
        except (ValueError, KeyError):
            raise InfraError(f"secret {secret_id!r} is JSON without a 'password' key") from None
    return text.strip()


def check(password: str) -> None:
    problems = []
    if not 8 <= len(password) <= 64:
        problems.append("8 to 64 characters")
    if not (re.search(r"[A-Z]", password) and re.search(r"[a-z]", password) and re.search(r"\d", password)):
        problems.append("an upper-case letter, a lower-case letter and a digit")
    if _FORBIDDEN.search(password):
        problems.append("no spaces, quotes, backslash, slash or @")
    if problems:
        # The password itself is not shown, only what it lacks.
        raise InfraError(f"the admin password does not meet Redshift's rules: it needs {'; '.join(problems)}")
