"""Polling with progress for the slow operations (a cluster takes minutes to become available)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from .errors import InfraError

# Module-level so the tests can set them to zero instead of sleeping.
POLL_SECONDS = 15.0
TIMEOUT_SECONDS = 45 * 60


def wait_for(
    what: str,
    read_state: Callable[[], str],
    done: Callable[[str], bool],
    *,
    failed: Callable[[str], bool] = lambda _state: False,
    out: TextIO | None = None,
) -> str:
    """Poll ``read_state`` until ``done``; print a line whenever the state changes and every minute."""
    out = out or sys.stderr
    start = time.monotonic()
    last_state, last_print = "", 0.0
    while True:
        state = read_state()
        elapsed = time.monotonic() - start
        if done(state):
            print(f"  {what}: {state} after {_duration(elapsed)}", file=out, flush=True)
            return state
        if failed(state):
            raise InfraError(f"{what} went to state {state!r}; see the AWS console for the reason")
        if state != last_state or elapsed - last_print >= 60:
            print(f"  waiting for {what}: {state} ({_duration(elapsed)})", file=out, flush=True)
            last_state, last_print = state, elapsed
        if elapsed > TIMEOUT_SECONDS:
            raise InfraError(
                f"gave up waiting for {what} after {_duration(elapsed)} (state {state!r}); it carries on "
                f"in AWS: check with `sparkify-infra status`"
            )
        time.sleep(POLL_SECONDS)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
