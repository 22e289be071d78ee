"""What ``status`` knows about one resource, and the words used for what ``up``/``down`` did."""

from __future__ import annotations

from dataclasses import dataclass

ABSENT = "absent"
FOREIGN = "foreign"
UNKNOWN = "unknown"  # the credentials may not look

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
DELETED = "deleted"


@dataclass(frozen=True)
class ResourceState:
    kind: str
    name: str
    state: str  # ABSENT, FOREIGN, UNKNOWN, or the service's own word (available, creating, ...)
    detail: str = ""

    @property
    def exists(self) -> bool:
        return self.state not in (ABSENT, UNKNOWN)

    @property
    def ours(self) -> bool:
        return self.state not in (ABSENT, FOREIGN, UNKNOWN)
