"""What the stack costs per hour: an estimate from a small table of list prices, not a bill.

Prices are AWS on-demand list prices for us-east-1, recorded on PRICES_AS_OF; other regions cost
more or less. They change: check https://aws.amazon.com/redshift/pricing/ before relying on them.
Nothing here asks AWS for prices (the Pricing API would need more permissions and a network call
for what a table says as well).
"""

from __future__ import annotations

PRICES_AS_OF = "2026-11-30"
PRICING_PAGE = "https://aws.amazon.com/redshift/pricing/"

# USD per node-hour, on-demand, us-east-1.
NODE_HOUR = {
    "ra3.large": 0.543,
    "ra3.xlplus": 1.086,
    "ra3.4xlarge": 3.26,
    "ra3.16xlarge": 13.04,
    "dc2.large": 0.25,
    "dc2.8xlarge": 4.80,
}
# USD per RPU-hour, billed per second while queries run (60 s minimum), nothing while idle.
SERVERLESS_RPU_HOUR = 0.375
# USD per GB-month of Redshift Managed Storage (ra3 nodes and serverless; dc2 storage is included).
MANAGED_STORAGE_GB_MONTH = 0.024
HOURS_PER_MONTH = 730

# States in which a provisioned cluster is billed for its nodes (paused: storage only).
_BILLED_CLUSTER_STATES = frozenset(
    {"available", "creating", "modifying", "rebooting", "resizing", "renaming"}
)


def cluster_per_hour(node_type: str, nodes: int, state: str = "available") -> tuple[float | None, str]:
    """(USD per hour or None when the node type is not in the table, explanation)."""
    if state not in _BILLED_CLUSTER_STATES:
        return 0.0, f"{state}: no node-hours billed; managed storage ${MANAGED_STORAGE_GB_MONTH}/GB-month"
    price = NODE_HOUR.get(node_type)
    if price is None:
        return None, f"{node_type} not in the price table: see {PRICING_PAGE}"
    storage = (
        "" if node_type.startswith("dc2") else f" + managed storage ${MANAGED_STORAGE_GB_MONTH}/GB-month"
    )
    return round(price * nodes, 3), f"{nodes} x {node_type} at ${price}/h while it exists{storage}"


def serverless_per_hour(base_capacity: int) -> tuple[float, str]:
    """Idle costs nothing: the figure is an hour of queries at the base capacity."""
    busy = round(base_capacity * SERVERLESS_RPU_HOUR, 3)
    return 0.0, (
        f"$0 while idle; ${busy}/h of query time ({base_capacity} RPU x ${SERVERLESS_RPU_HOUR}/RPU-hour, "
        f"per second, 60 s minimum) + managed storage ${MANAGED_STORAGE_GB_MONTH}/GB-month"
    )


def free(reason: str) -> tuple[float, str]:
    return 0.0, reason


def money(per_hour: float | None) -> str:
    return "unknown" if per_hour is None else f"${per_hour:.3f}/h"


def footer(total_per_hour: float, unknown: bool) -> str:
    month = total_per_hour * HOURS_PER_MONTH
    text = f"estimated total: ${total_per_hour:.3f}/h (about ${month:,.0f} a month if left running)"
    if unknown:
        text += ", plus resources whose price is not in the table"
    return f"{text}. List prices (us-east-1, {PRICES_AS_OF}); check {PRICING_PAGE}"
