"""Resource names and tags derived from one stack name.

Every name comes from ``--stack`` alone so that ``status`` and ``down`` need nothing but the stack
name to find what ``up`` made, and two stacks in one account never share a resource.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MANAGED_BY_KEY = "sparkify:managed-by"
MANAGED_BY_VALUE = "sparkify-infra"
STACK_KEY = "sparkify:stack"

# The strictest of the services' rules (Redshift cluster identifiers: lowercase letters, digits and
# single hyphens, starting with a letter), at least Redshift Serverless's 3 characters, short
# enough that "<stack>-redshift" fits IAM's 64.
_STACK_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_STACK_MIN, _STACK_MAX = 3, 40


class StackNameError(ValueError):
    pass


def validate_stack_name(name: str) -> str:
    if not _STACK_MIN <= len(name) <= _STACK_MAX or not _STACK_NAME.match(name):
        raise StackNameError(
            f"stack name {name!r}: use lowercase letters, digits and single hyphens, starting with a "
            f"letter, {_STACK_MIN} to {_STACK_MAX} characters"
        )
    return name


@dataclass(frozen=True)
class StackNames:
    stack: str

    @property
    def role(self) -> str:
        return f"{self.stack}-redshift"

    @property
    def role_policy(self) -> str:
        return "sparkify-raw-read"

    @property
    def cluster(self) -> str:
        return self.stack

    @property
    def namespace(self) -> str:
        return self.stack

    @property
    def workgroup(self) -> str:
        return self.stack

    @property
    def glue_database(self) -> str:
        # Redshift would need quotes around a hyphenated external database name in every
        # statement; the dbt var spectrum_database defaults to "sparkify", the default stack.
        return self.stack.replace("-", "_")

    def tags(self) -> dict[str, str]:
        return {MANAGED_BY_KEY: MANAGED_BY_VALUE, STACK_KEY: self.stack}

    def tag_list(self, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
        """The tags in the list-of-pairs shape; the services disagree on the key case."""
        return [{key: k, value: v} for k, v in self.tags().items()]

    def owns(self, tags: dict[str, str]) -> bool:
        return all(tags.get(k) == v for k, v in self.tags().items())


def tags_from_list(
    pairs: list[dict[str, str]] | None, key: str = "Key", value: str = "Value"
) -> dict[str, str]:
    return {pair[key]: pair[value] for pair in pairs or []}
