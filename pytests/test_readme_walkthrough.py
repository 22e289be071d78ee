"""README.md, then docs/analysts.md, followed in order on a fresh clone and a fresh warehouse.

Every shell command the two documents show in a ``bash`` block, and the full commands they give
inline (``INLINE``), runs as written, in the order it stands there, each in the environment the
ones before left (an ``export`` holds for what follows, as in one terminal). Every file
docs/analysts.md shows is written where it says. The figures the README states for the real sample
are what the warehouse holds after the command that builds it, and still after the last command.

A command shown in the documents that this test does not run must be in ``NOT_RUN`` with the
reason: a new example fails here until it is run or listed. The clone is a copy of the checkout's
files beside a ``shared`` folder: the real sample when ../shared has it (CI), else a generated
stand-in, whose figures come from the oracle instead. ``.venv`` is the suite's own: the copy's
bootstrap installs nothing (scripts/test.sh has just run the real one).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import PROJECT_ROOT
from pytests.oracle import expected_marts
from pytests.postgres_server import free_port
from pytests.test_level_history import expected_history, history_of

pytestmark = pytest.mark.slow

DOCS = ("README.md", "docs/analysts.md")
REAL_SAMPLE = PROJECT_ROOT.parent / "shared" / "sparkify-sample"

# full commands the documents give in running text, run where they stand
INLINE = (
    "SPARKIFY_DUCKDB_PATH=data/dev_sample.duckdb dbt build "
    "--sample=\"{'start': '2018-11-02', 'end': '2018-11-04'}\"",
    "dbt build --vars '{forget_raw_file: log_data/2018/11/2018-11-05-events.json}'",
    "dbt source freshness --vars '{log_freshness_warn_hours: 6, log_freshness_error_hours: 24}'",
)

NOT_RUN = {
    "bash scripts/test.sh": "this suite is that command",
    '.venv/bin/python -m pytest -m "not slow and not dbt"': "a tier of this suite",
    '.venv/bin/python -m pytest -m "not slow"': "a tier of this suite",
    'python -m pytest -m "not slow"': "a tier of this suite",
    "bash scripts/lint.sh": "scripts/test.sh runs it over the whole repository before pytest",
    "dbt build --full-refresh --vars '{raw_data: s3://udacity-dend}'": (
        "needs the internet; test_s3_roundtrip.py builds from a local S3 server"
    ),
    "sparkify-generate --out data/big --days 30 --events-per-day 33000 --songs 20000": (
        "a million events, built by nothing after it; the options are tested in test_generator.py"
    ),
}

# what a command that does not exit 0 is documented to do
EXPECTED_FAILURE = {
    # "on the 2018 sample it reports `error`: its newest event is years old"
    INLINE[2]: "ERROR STALE",
}

# "The real sample then gives: 8,056 log lines read, 6,820 `songplays` (1 of them matched ...), 97
# `users`, 71 `songs`, 69 `artists`, 6,813 `time` rows, nothing quarantined"
FIGURES = re.compile(
    r"([\d,]+) log lines read, ([\d,]+) `songplays` \(([\d,]+) of them matched[^)]*\), ([\d,]+) `users`, "
    r"([\d,]+) `songs`, ([\d,]+) `artists`, ([\d,]+) `time` rows, nothing quarantined".replace(" ", r"\s+")
)
HISTORY_FIGURES = re.compile(
    r"On the real sample: (\d+) intervals of (\d+) listeners, (\d+) level changes".replace(" ", r"\s+")
)


@dataclass
class Step:
    doc: str
    position: int
    kind: str  # "command" or "file"
    text: str
    path: str = ""


def steps_of(doc: str) -> list[Step]:
    text = (PROJECT_ROOT / doc).read_text()
    steps = []
    for block in re.finditer(r"(<!-- file: (\S+) -->\n)?```(\w*)\n(.*?)\n```", text, flags=re.DOTALL):
        if block.group(2):
            steps.append(Step(doc, block.start(), "file", block.group(4) + "\n", block.group(2)))
        elif block.group(3) == "bash":
            for offset, line in enumerate(block.group(4).splitlines()):
                command = re.sub(r"\s+#\s.*$", "", line).strip()
                if command and not command.startswith("#"):
                    steps.append(Step(doc, block.start(4) + offset, "command", command))
    for command in INLINE:
        position = text.find(f"`{command}`")
        if position >= 0:
            steps.append(Step(doc, position, "command", command))
    return sorted(steps, key=lambda step: step.position)


def test_every_inline_example_is_in_the_documents() -> None:
    found = {step.text for doc in DOCS for step in steps_of(doc)}
    assert [command for command in INLINE if command not in found] == []
    assert [command for command in NOT_RUN if command not in found] == [], "NOT_RUN lists a gone command"


def clean_env() -> dict[str, str]:
    """The environment of a new terminal: nothing of this suite's dbt, engine or data settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DBT_", "SPARKIFY_", "PG", "VIRTUAL_ENV", "PYTHON"))
    }
    venv_bin = str(PROJECT_ROOT / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return env


def make_clone(root: Path) -> Path:
    """The checkout's files (tracked and new, not ignored) in root/main, beside root/shared."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    clone = root / "main"
    for name in filter(None, listed.split("\0")):
        source = PROJECT_ROOT / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    (clone / ".venv").symlink_to(PROJECT_ROOT / ".venv")
    bootstrap = clone / "scripts" / "bootstrap.sh"
    script, installs = re.subn(
        r"\.venv/bin/python -m pip install[^\n]*\\\n[^\n]*\n",
        ": # the suite's .venv is installed\n",
        bootstrap.read_text(),
    )
    assert installs == 1, "scripts/bootstrap.sh no longer installs with one pip command"
    bootstrap.write_text(script)
    (root / "shared").mkdir()
    if REAL_SAMPLE.is_dir():
        (root / "shared" / "sparkify-sample").symlink_to(REAL_SAMPLE)
    else:
        generate_raw(root / "shared" / "sparkify-sample", seed=3, days=5)
    return clone


class Terminal:
    """One shell session in the clone: commands run in order, exports hold for the ones after."""

    def __init__(self, clone: Path) -> None:
        self.clone = clone
        self.env = clean_env()
        self.activated = False
        self.transcript: list[str] = []

    def run(self, command: str) -> subprocess.CompletedProcess[str]:
        if command == "source .venv/bin/activate":
            self.activated = True
            return subprocess.CompletedProcess(command, 0, "", "")
        parts = command.split(" && ")
        while parts and parts[0].startswith("export "):
            for assignment in shlex.split(parts.pop(0))[1:]:
                name, _, value = assignment.partition("=")
                self.env[name] = value
        if parts and parts[-1] == "dbt docs serve":
            parts.pop()
            done = self._shell(" && ".join(parts)) if parts else None
            if done is not None and done.returncode != 0:
                return done
            return self._docs_serve()
        return self._shell(" && ".join(parts))

    def _shell(self, command: str) -> subprocess.CompletedProcess[str]:
        prefix = "source .venv/bin/activate && " if self.activated else ""
        done = subprocess.run(
            ["bash", "-c", prefix + command],
            cwd=self.clone,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        output = done.stdout[-1500:] + done.stderr[-1500:]
        self.transcript.append(f"$ {command}\n(rc {done.returncode}) {output}")
        return done

    def _docs_serve(self) -> subprocess.CompletedProcess[str]:
        """`dbt docs serve` runs until stopped: serve on a free port, fetch the page, stop."""
        port = free_port()
        prefix = "source .venv/bin/activate && " if self.activated else ""
        server = subprocess.Popen(
            ["bash", "-c", f"{prefix}exec dbt docs serve --port {port} --no-browser"],
            cwd=self.clone,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=5) as page:
                        body = page.read().decode()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        return subprocess.CompletedProcess("dbt docs serve", 1, "", "never served")
                    time.sleep(0.5)
        finally:
            server.terminate()
            server.wait(timeout=30)
        return subprocess.CompletedProcess("dbt docs serve", 0 if "dbt" in body else 1, body[:200], "")


def warehouse_figures(duckdb_file: Path) -> dict[str, int]:
    with duckdb.connect(str(duckdb_file), read_only=True) as connection:

        def count(sql: str) -> int:
            return connection.execute(sql).fetchone()[0]

        return {
            "lines": count("select sum(lines_read) from main.log_line_accounting"),
            "songplays": count("select count(*) from main.songplays"),
            "matched": count("select count(song_id) from main.songplays"),
            "users": count("select count(*) from main.users"),
            "songs": count("select count(*) from main.songs"),
            "artists": count("select count(*) from main.artists"),
            "time": count("select count(*) from main.time"),
            "quarantined": count("select count(*) from main.quarantined_records"),
        }


def stated_figures(sample: Path) -> dict[str, int]:
    """The README's figures for the real sample; for a generated stand-in, the oracle's."""
    if sample.resolve() == REAL_SAMPLE.resolve():
        numbers = FIGURES.search((PROJECT_ROOT / "README.md").read_text())
        assert numbers, "the README no longer states the real sample's figures"
        values = [int(number.replace(",", "")) for number in numbers.groups()]
        names = ["lines", "songplays", "matched", "users", "songs", "artists", "time"]
        return dict(zip(names, values, strict=True)) | {"quarantined": 0}
    marts = expected_marts(sample)
    return {
        "songplays": len(marts["songplays"]),
        "matched": sum(1 for row in marts["songplays"] if row["song_id"] is not None),
        "users": len(marts["users"]),
        "songs": len(marts["songs"]),
        "artists": len(marts["artists"]),
        "time": len(marts["time"]),
    }


def test_readme_then_analysts_guide_in_order(tmp_path: Path) -> None:
    clone = make_clone(tmp_path)
    terminal = Terminal(clone)
    sample = tmp_path / "shared" / "sparkify-sample"
    stated = stated_figures(sample)
    warehouse = clone / "data" / "sparkify.duckdb"
    ran: list[str] = []

    def check_figures(when: str) -> None:
        held = warehouse_figures(warehouse)
        assert {name: held[name] for name in stated} == stated, when

    for step in [step for doc in DOCS for step in steps_of(doc)]:
        if step.kind == "file":
            (clone / step.path).parent.mkdir(parents=True, exist_ok=True)
            (clone / step.path).write_text(step.text)
            continue
        if step.text in NOT_RUN:
            continue
        done = terminal.run(step.text)
        ran.append(step.text)
        expected = EXPECTED_FAILURE.get(step.text)
        if expected is None:
            assert done.returncode == 0, "\n\n".join(terminal.transcript[-3:])
        else:
            assert expected in done.stdout + done.stderr, "\n\n".join(terminal.transcript[-2:])
        if "SPARKIFY_RAW_DATA=../shared/sparkify-sample" in step.text:
            check_figures(f"after `{step.text}`")

    assert "bash scripts/setup.sh" in ran and any(command.startswith("mf query") for command in ran)
    check_figures("after the last command")
    # the level history and its changes, row for row, equal plain Python over the raw events
    assert history_of(warehouse) == expected_history(sample)
    if sample.resolve() == REAL_SAMPLE.resolve():
        intervals, listeners, changes = map(
            int, HISTORY_FIGURES.search((PROJECT_ROOT / "README.md").read_text()).groups()
        )
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            history = connection.execute(
                "select count(*), count(distinct user_id) from main.users_level_history"
            ).fetchone()
            level_changes = connection.execute("select count(*) from main_analytics.level_changes").fetchone()
        assert (history, level_changes) == ((intervals, listeners), (changes,))
