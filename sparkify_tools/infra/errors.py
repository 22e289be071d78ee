"""The errors ``sparkify-infra`` reports as one line instead of a traceback."""

from __future__ import annotations


class InfraError(Exception):
    """Something the user can act on; the CLI prints the message and exits non-zero."""


class ForeignResourceError(InfraError):
    """A resource with the stack's name exists but lacks its tags: it is not ours to change."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(
            f"{kind} {name!r} already exists and was not created by sparkify-infra (it lacks the "
            f"sparkify:managed-by/sparkify:stack tags): it is left alone. Choose another --stack, or "
            f"delete or tag it yourself."
        )
        self.kind = kind
        self.name = name


class PermissionDenied(InfraError):
    def __init__(self, action: str, code: str, detail: str) -> None:
        super().__init__(
            f"permission denied: the AWS credentials in use may not call {action} ({code}: {detail}). "
            f"Grant {action} to them, or run with credentials that have it."
        )
        self.action = action


class BadCredentials(InfraError):
    def __init__(self, action: str, code: str) -> None:
        super().__init__(
            f"AWS rejected the credentials when calling {action} ({code}): check AWS_PROFILE or "
            f"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and that the session has not expired."
        )
