"""Wall time, CPU time and peak memory of one command and every process it starts.

dbt runs as one process, the reference job as Python plus a JVM; both are measured the same way:
the process tree is polled with psutil. CPU time is the larger of the polled sum (catches a JVM
that its parent never reaps) and the kernel's rusage of the reaped tree (catches short-lived
children that die between two polls). Peak memory is the largest sum of resident set sizes seen
at one poll, so pages shared between processes count more than once: an upper bound, never less
than the largest single process the kernel saw.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

DEFAULT_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Measurement:
    """One run of one command."""

    wall_seconds: float
    cpu_seconds: float
    peak_rss_bytes: int
    returncode: int
    log_path: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def log_tail(self, chars: int = 4000) -> str:
        text = Path(self.log_path).read_text(errors="replace")
        return text[-chars:]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def run_measured(
    command: Sequence[str],
    *,
    log_path: Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> Measurement:
    """Run ``command`` to completion, its output to ``log_path``, and measure its process tree."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    cpu_by_process: dict[tuple[int, float], float] = {}
    peak_rss = 0
    with log_path.open("wb") as log:
        began = time.perf_counter()
        process = subprocess.Popen(
            list(command), cwd=cwd, env=dict(env) if env is not None else None, stdout=log, stderr=log
        )
        root = psutil.Process(process.pid)
        while True:
            # wait4 instead of Popen.poll: it also returns the rusage of the reaped process tree
            pid, status, rusage = os.wait4(process.pid, os.WNOHANG)
            if pid == process.pid:
                break
            rss = 0
            for member in _tree(root):
                try:
                    with member.oneshot():
                        times = member.cpu_times()
                        rss += member.memory_info().rss
                        key = (member.pid, member.create_time())
                except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                    continue
                cpu_by_process[key] = times.user + times.system
            peak_rss = max(peak_rss, rss)
            time.sleep(poll_seconds)
        wall = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    reaped_cpu = rusage.ru_utime + rusage.ru_stime
    return Measurement(
        wall_seconds=round(wall, 3),
        cpu_seconds=round(max(reaped_cpu, sum(cpu_by_process.values())), 3),
        # ru_maxrss is in KiB on Linux: the largest single process of the reaped tree
        peak_rss_bytes=max(peak_rss, rusage.ru_maxrss * 1024),
        returncode=process.returncode,
        log_path=str(log_path),
    )


@dataclass(frozen=True)
class Spread:
    """Median and range of one figure over several runs."""

    median: float
    low: float
    high: float
    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            raise ValueError("no values to summarise")
        return cls(statistics.median(values), min(values), max(values), tuple(values))

    @property
    def relative_spread(self) -> float:
        """(max - min) / median: how far apart the runs were."""
        return (self.high - self.low) / self.median if self.median else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "median": round(self.median, 4),
            "min": round(self.low, 4),
            "max": round(self.high, 4),
            "relative_spread": round(self.relative_spread, 4),
            "values": [round(v, 4) for v in self.values],
        }
