"""Raw files delivered out of order, step by step: the scenario every engine's incremental build must
survive. Each engine's test drives the steps and, after each, runs its plain build and
compares the warehouse with a full refresh of the same raw data.

    for step in out_of_order_steps(delivery):
        build_and_compare(step)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pytests.raw_delivery import deliver, deliver_songs, log_files

# The reference each step is compared with: a full refresh of the same raw data. Its data tests
# are left out: the plain build under test runs them, and the comparison is about the rows.
REFERENCE_BUILD = ("build", "--full-refresh", "--exclude-resource-type", "test", "unit_test")

# Every step, in order; an engine where builds are slow may run fewer (see out_of_order_steps).
ALL_STEPS = ("newest", "late", "between", "resent", "changed", "forgotten", "deleted")


@dataclass
class Delivery:
    """Where the generated files are, where they are delivered to, and how the engine forgets one."""

    raw: Path
    landing: Path
    # runs `dbt run-operation forget_raw_file` for a path below raw_data (log_data/…)
    forget: Callable[[str], None]
    # which day (index into the generated days, oldest first) each later step works on: days between
    # the oldest and the two newest, so that they are delivered before the step touches them
    resent_day: int = 5
    changed_day: int = 7
    forgotten_day: int = 9
    deleted_day: int = 11


def change_in_place(path: Path) -> None:
    """Drop the first line, alter one play's song and add a line: another size, same name."""
    lines = path.read_text().splitlines()
    events = [json.loads(line) for line in lines[1:]]
    play = next(event for event in events if event.get("page") == "NextSong")
    play["song"] = "A Song Nobody Has"
    extra = dict(play, ts=play["ts"] + 1, itemInSession=play["itemInSession"] + 1000)
    path.write_text("".join(json.dumps(event) + "\n" for event in [*events, extra]))


def out_of_order_steps(delivery: Delivery, steps: tuple[str, ...] = ALL_STEPS) -> Iterator[str]:
    """Deliver the songs, then perform each step on the landing folder and yield what it did.

    The caller builds and compares after each yield, before the next step changes anything. Steps
    run in the order given: a shorter run may start with "between" and deliver "late" after it.
    """
    unknown = set(steps) - set(ALL_STEPS)
    assert not unknown, f"unknown steps {unknown}"
    raw, landing = delivery.raw, delivery.landing
    days = log_files(raw)
    picked = {
        "resent": delivery.resent_day,
        "changed": delivery.changed_day,
        "forgotten": delivery.forgotten_day,
        "deleted": delivery.deleted_day,
    }
    # a picked day must be one of the days between, delivered by "between" before it is touched
    assert all(0 < picked[step] < len(days) - 2 for step in steps if step in picked), "too few days"

    def below_raw_data(day: Path) -> str:
        return day.relative_to(raw).as_posix()

    deliver_songs(raw, landing)
    for step in steps:
        if step == "newest":
            for day in days[-2:]:
                deliver(day, raw, landing)
            yield "the two newest days"
        elif step == "late":
            deliver(days[0], raw, landing)
            yield "a day older than anything loaded"
        elif step == "between":
            for day in days[1:-2]:
                deliver(day, raw, landing)
            yield "the days between"
        elif step == "resent":
            # the copy's name sorts before the original's ('-' < '.'): the kept line moves to it
            day = days[delivery.resent_day]
            deliver(day, raw, landing, rename=day.name.replace(".json", "-resent.json"))
            yield "a day re-sent under a new name"
        elif step == "changed":
            change_in_place(landing / days[delivery.changed_day].relative_to(raw))
            yield "a day changed in place"
        elif step == "forgotten":
            delivery.forget(below_raw_data(days[delivery.forgotten_day]))
            yield "a day forgotten and ingested again"
        elif step == "deleted":
            gone = days[delivery.deleted_day]
            (landing / gone.relative_to(raw)).unlink()
            delivery.forget(below_raw_data(gone))
            yield "a day forgotten and deleted"
