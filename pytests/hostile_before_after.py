"""Each hostile-input case, built on DuckDB by two revisions of the project: what each did.

Not a test: it needs the real sample (/work/shared/sparkify-sample) and a checkout of an old revision,
and it measures rather than asserts. For every case it copies the sample, adds the one hostile file
(or replays the case's sequence of builds), runs `dbt build` against a fresh DuckDB file and records
the exit code, the failing nodes with their first error line, and where the case's lines went
(songplays, quarantine, the ops models). docs/hostile_input_before_after.md holds the results.

    python -m pytests.hostile_before_after --old a822d6a            # old revision vs this checkout
    python -m pytests.hostile_before_after --old a822d6a --side old --case utf16_file
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pytests.hostile_cases import CASE_NAMES, Case, as_line, cases, deliver, event_lines

PROJECT_ROOT = Path(__file__).resolve().parents[1]

SAMPLE = Path("/work/shared/sparkify-sample")
# unit tests check SQL logic on fixed rows, not the raw files: leaving them out saves a third of a build
BUILD = ("build", "--exclude-resource-type", "unit_test")
# a --full-refresh is killed once the models that ingest raw files were rebuilt (names differ by revision)
INGESTED_MARKERS = {
    "old": ("OK created sql incremental model main_staging.stg_sparkify__log_records",),
    "new": (
        "OK created sql incremental model main_staging.base_sparkify__log_lines",
        "OK created sql incremental model main_staging.base_sparkify__song_files",
    ),
}
SONGPLAYS_MARKER = ("OK created sql incremental model main.songplays",)
HELD_BACK_DAY = "log_data/2018/11/2018-11-15-events.json"
LAST_DAY = "log_data/2018/11/2018-11-30-events.json"


@dataclass
class Checkout:
    """One revision of the project on disk, and which marker set its model names use."""

    side: str
    root: Path


@dataclass
class Workspace:
    """One case's private dbt dirs, raw folder and DuckDB file."""

    checkout: Checkout
    path: Path
    builds: list[dict] = field(default_factory=list)

    @property
    def raw(self) -> Path:
        return self.path / "raw"

    @property
    def database(self) -> Path:
        return self.path / "sparkify.duckdb"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DBT_PROFILES_DIR": str(self.path / "profiles"),
                "DBT_TARGET_PATH": str(self.path / "target"),
                "DBT_LOG_PATH": str(self.path / "logs"),
                "DBT_TARGET": "duckdb",
                "SPARKIFY_DUCKDB_PATH": str(self.database),
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                # the profile's plugins (sparkify_tools.*) must come from the checkout being built
                "PYTHONPATH": str(self.checkout.root),
            }
        )
        return env

    def command(self, args: tuple[str, ...], raw_data: str | None) -> list[str]:
        dbt = str(Path(sys.executable).with_name("dbt"))
        return [dbt, *args, "--vars", json.dumps({"raw_data": raw_data or str(self.raw)})]

    def build(self, label: str, *extra: str, raw_data: str | None = None) -> dict:
        """Run one dbt build and record its exit code, failures and warnings."""
        started = time.monotonic()
        completed = subprocess.run(
            self.command((*BUILD, *extra), raw_data),
            cwd=self.checkout.root,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        (self.path / f"{label}.log").write_text(completed.stdout + completed.stderr)
        record = {"label": label, "exit": completed.returncode, **self.node_results(completed.stdout)}
        record["seconds"] = round(time.monotonic() - started, 1)
        self.builds.append(record)
        return record

    def build_killed(self, label: str, markers: tuple[str, ...], *extra: str) -> dict:
        """Start a build and SIGKILL its process group once its output has shown every marker."""
        process = subprocess.Popen(
            self.command((*BUILD, *extra), None),
            cwd=self.checkout.root,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert process.stdout is not None
        waiting_for = set(markers)
        seen = []
        for line in process.stdout:
            seen.append(line)
            waiting_for = {marker for marker in waiting_for if marker not in line}
            if not waiting_for:
                os.killpg(process.pid, signal.SIGKILL)
                break
        process.wait()
        (self.path / f"{label}.log").write_text("".join(seen))
        record = {"label": label, "exit": process.returncode, "killed_after": list(markers)}
        self.builds.append(record)
        return record

    def node_results(self, output: str) -> dict:
        """Failed and warned nodes from run_results.json, or dbt's first error line if it has none."""
        results_file = self.path / "target" / "run_results.json"
        failures, warnings = [], []
        if results_file.exists():
            for result in json.loads(results_file.read_text())["results"]:
                message = (result.get("message") or "").strip().splitlines()
                # DuckDB's own error line (e.g. "Invalid Input Error: ...") says more than dbt's wrapper
                lines = [line.strip() for line in message if line.strip()]
                first = next((line for line in lines if "Error:" in line), lines[0] if lines else "")
                node = result["unique_id"].split(".", 2)[-1]
                if result["status"] in ("error", "fail"):
                    failures.append({"node": node, "status": result["status"], "message": first[:300]})
                elif result["status"] == "warn":
                    warnings.append(node)
            results_file.unlink()  # a run that dies before writing one must not report the last
        record: dict = {"failures": failures, "warnings": warnings}
        done = re.search(r"Done\. (PASS=\d+ WARN=\d+ ERROR=\d+ SKIP=\d+)", output)
        record["summary"] = done.group(1) if done else None
        if not failures:
            errors = [line.strip() for line in output.splitlines() if "Error" in line]
            record["first_error_line"] = errors[0][:300] if errors else None
        return record


def relations(connection: duckdb.DuckDBPyConnection, column: str) -> list[str]:
    rows = connection.sql(
        "select table_schema || '.' || table_name from information_schema.columns "
        f"where column_name = '{column}' order by 1"
    ).fetchall()
    return [row[0] for row in rows]


def has_relation(connection: duckdb.DuckDBPyConnection, name: str) -> bool:
    schema, table = name.split(".")
    return bool(
        connection.sql(
            "select 1 from information_schema.tables "
            f"where table_schema = '{schema}' and table_name = '{table}'"
        ).fetchall()
    )


def file_filter(path: str) -> str:
    # the old revision records absolute paths, the new one paths below raw_data
    return f"(source_file = '{path}' or source_file like '%/{path}')"


def probe(database: Path, paths: list[str], sessions: list[int], song_ids: list[str]) -> dict:
    """Where the case's file, lines, plays and songs ended up in the warehouse."""
    if not database.exists():
        return {"database": "none"}
    found: dict = {}
    with duckdb.connect(str(database), read_only=True) as connection:

        def scalar(sql: str) -> object:
            try:
                return connection.sql(sql).fetchall()
            except duckdb.Error as error:
                return f"query failed: {str(error).splitlines()[0][:200]}"

        found["songplays_total"] = scalar("select count(*) from main.songplays")
        found["users_total"] = scalar("select count(*) from main.users")
        if sessions:
            listed = ", ".join(map(str, sessions))
            found["case_plays"] = scalar(
                "select count(*), list(distinct user_id order by user_id), "
                "list(distinct item_in_session order by item_in_session), "
                "list(distinct start_time order by start_time) "
                f"from main.songplays where session_id in ({listed})"
            )
        found["users_not_an_id"] = scalar(
            "select list(user_id) from main.users where user_id like '[%' or user_id like '{%'"
        )
        if song_ids:
            listed = ", ".join(f"'{song}'" for song in song_ids)
            found["case_songs"] = scalar(f"select list(song_id) from main.songs where song_id in ({listed})")
        accounting = "main.log_line_accounting"
        found["lines_read_total"] = scalar(f"select sum(lines_read), count(*) from {accounting}")
        for path in paths:
            where = file_filter(path)
            appears = {}
            for relation in relations(connection, "source_file"):
                count = scalar(f"select count(*) from {relation} where {where}")
                if count != [(0,)]:
                    appears[relation] = count
            quarantines = ("main.quarantined_records", "main_staging.stg_sparkify__quarantined_records")
            quarantine = next((name for name in quarantines if has_relation(connection, name)), None)
            found[path] = {
                "appears_in": appears,
                "quarantined": scalar(
                    f"select line_number, rejection_reason from {quarantine} where {where} order by 1"
                )
                if quarantine
                else "no quarantine relation",
                "accounting": scalar(
                    f"select lines_read, song_plays, other_events, duplicates, quarantined "
                    f"from {accounting} where {where}"
                ),
            }
            if has_relation(connection, "main.raw_files_not_read"):
                found[path]["not_read"] = scalar(f"select reason from main.raw_files_not_read where {where}")
    return found


def users_and_plays(database: Path) -> tuple[set[tuple], int]:
    with duckdb.connect(str(database), read_only=True) as connection:
        users = connection.sql(
            "select user_id, first_name, last_name, gender, level, level_since, last_event_at from main.users"
        ).fetchall()
        plays = connection.sql("select count(*) from main.songplays").fetchone()
    return set(users), plays[0] if plays else 0


def compare_with_clean_build(work: Workspace) -> dict:
    """The warehouse against a fresh build of the same raw folder (what it should hold)."""
    clean = Workspace(work.checkout, work.path / "clean")
    prepare(clean, copy_sample=False)
    clean.build("clean-build", raw_data=str(work.raw))
    users, plays = users_and_plays(work.database)
    clean_users, clean_plays = users_and_plays(clean.database)
    return {
        "users_rows_differing_from_clean_build": len(users ^ clean_users),
        "songplays": plays,
        "songplays_of_clean_build": clean_plays,
        "clean_build": clean.builds[-1],
    }


def prepare(work: Workspace, copy_sample: bool = True) -> None:
    if work.path.exists():
        shutil.rmtree(work.path)
    (work.path / "profiles").mkdir(parents=True)
    shutil.copy(work.checkout.root / "profiles.example.yml", work.path / "profiles" / "profiles.yml")
    if copy_sample:
        shutil.copytree(SAMPLE, work.raw)


# ---- the cases -------------------------------------------------------------------------------------


@dataclass
class FileCase:
    """One hostile file beside the sample, one build (two when the case is about staying red)."""

    case: Case
    build_twice: bool = False


def sessions_of(case: Case) -> list[int]:
    return sorted({json.loads(line)["sessionId"] for line in case.clean_lines} | set(extra_sessions(case)))


def extra_sessions(case: Case) -> list[int]:
    try:
        text = case.data.decode()
    except UnicodeDecodeError:
        return []
    return [int(found) for found in re.findall(r'"sessionId":(\d+)', text)]


def song_ids_of(case: Case) -> list[str]:
    return sorted(set(re.findall(r'"song_id":"(SO[A-Z0-9]+)"', case.data.decode("latin-1"))))


def three_lines(good: list[dict], hostile: str) -> bytes:
    return f"{as_line(good[0])}\n{hostile}\n{as_line(good[2])}\n".encode()


def type_cases(raw: Path) -> dict[str, FileCase]:
    """Issue 14's lax-type and key cases, one file each: a good line, the hostile line, a good line."""
    found: dict[str, FileCase] = {}

    plays = event_lines(raw, 990101, 3)
    colliding = dict(plays[1], itemInSession=plays[0]["itemInSession"], ts=plays[0]["ts"])
    found["colliding_play_keys"] = FileCase(
        Case(
            "log_data/2018/11/hostile-collision.json",
            three_lines(plays, as_line(colliding)),
            clean_lines=[as_line(plays[0]), as_line(plays[2])],
        ),
        build_twice=True,
    )

    plays = event_lines(raw, 990102, 3)
    duplicate_page = as_line(plays[1])[:-1] + ',"page":"Home"}'
    found["duplicate_page_key"] = FileCase(
        Case(
            "log_data/2018/11/hostile-duplicate-key.json",
            three_lines(plays, duplicate_page),
            clean_lines=[as_line(plays[0]), as_line(plays[2])],
        )
    )

    plays = event_lines(raw, 990103, 3)
    found["array_in_user_id"] = FileCase(
        Case(
            "log_data/2018/11/hostile-array-user.json",
            three_lines(plays, as_line(dict(plays[1], userId=["1", "2"]))),
            clean_lines=[as_line(plays[0]), as_line(plays[2])],
        )
    )

    plays = event_lines(raw, 990104, 3)
    found["fractional_ts"] = FileCase(
        Case(
            "log_data/2018/11/hostile-fractional-ts.json",
            three_lines(plays, as_line(dict(plays[1], ts=plays[1]["ts"] + 0.5))),
            clean_lines=[as_line(plays[0]), as_line(plays[2])],
        )
    )
    return found


def run_file_case(work: Workspace, file_case: FileCase) -> dict:
    case = file_case.case
    prepare(work)
    deliver(work.raw, case)
    work.build("build")
    if file_case.build_twice:
        work.build("second-build")
    return {
        "file": case.path,
        "good_plays_expected": len(case.clean_lines),
        "found": probe(work.database, [case.path], sessions_of(case), song_ids_of(case)),
    }


def run_late_file(work: Workspace) -> dict:
    """A day's file delivered after the 15 days that follow it were built."""
    prepare(work)
    held = work.path / "held-back.json"
    shutil.move(work.raw / HELD_BACK_DAY, held)
    work.build("build-without-the-day")
    shutil.move(held, work.raw / HELD_BACK_DAY)
    work.build("build-with-the-late-day")
    return {"file": HELD_BACK_DAY, **compare_with_clean_build(work)}


def run_wedge(work: Workspace) -> dict:
    """One play stamped 2024 in 2018 data, then the next day's file, then a full refresh."""
    prepare(work)
    held = work.path / "last-day.json"
    shutil.move(work.raw / LAST_DAY, held)
    play = event_lines(work.raw, 990201, 1)[0]
    wedge = dict(play, ts=1717200000000)  # 2024-06-01
    hostile = "log_data/2018/11/hostile-2024.json"
    (work.raw / hostile).write_text(as_line(wedge) + "\n")
    work.build("build-with-2024-play")
    shutil.move(held, work.raw / LAST_DAY)
    work.build("build-with-next-day")
    after_next_day = probe(work.database, [LAST_DAY], [], [])
    work.build("full-refresh", "--full-refresh")
    return {
        "file": hostile,
        "after_next_day": after_next_day,
        "after_full_refresh": probe(work.database, [hostile, LAST_DAY], [990201], []),
    }


def run_respelled(work: Workspace) -> dict:
    """The same raw folder built again under another spelling of its path (parent/./name)."""
    prepare(work)
    work.build("build")
    before = probe(work.database, [], [], [])
    respelled = f"{work.raw.parent}/./{work.raw.name}"
    work.build("build-respelled", raw_data=respelled)
    return {"raw_data_second": respelled, "before": before, "after": probe(work.database, [], [], [])}


def run_killed_full_refresh(work: Workspace, markers: tuple[str, ...]) -> dict:
    """A --full-refresh SIGKILLed part-way, then a plain build."""
    prepare(work)
    work.build("build")
    work.build_killed("full-refresh-killed", markers, "--full-refresh")
    work.build("plain-build-after-kill")
    return compare_with_clean_build(work)


def scenarios(checkout: Checkout, raw: Path) -> dict[str, Callable[[Workspace], dict]]:
    every: dict[str, Callable[[Workspace], dict]] = {}
    hostile = cases(raw)
    for name in CASE_NAMES:
        every[name] = lambda work, case=hostile[name]: run_file_case(work, FileCase(case))
    for name, file_case in type_cases(raw).items():
        every[name] = lambda work, file_case=file_case: run_file_case(work, file_case)
    every["late_file_15_days"] = run_late_file
    every["ts_2024_wedge"] = run_wedge
    every["raw_data_respelled"] = run_respelled
    every["full_refresh_killed_after_ingestion"] = lambda work: run_killed_full_refresh(
        work, INGESTED_MARKERS[checkout.side]
    )
    every["full_refresh_killed_during_marts"] = lambda work: run_killed_full_refresh(work, SONGPLAYS_MARKER)
    return every


# ---- report ----------------------------------------------------------------------------------------


def describe_builds(builds: list[dict]) -> str:
    parts = []
    for build in builds:
        text = f"{build['label']}: exit {build['exit']}"
        if build.get("killed_after"):
            text += " (SIGKILL)"
        for failure in build.get("failures", []):
            text += f"; {failure['status'].upper()} {failure['node']}: {failure['message']}"
        if build.get("warnings"):
            text += "; WARN " + ", ".join(build["warnings"])
        if not build.get("failures") and build.get("first_error_line"):
            text += f"; {build['first_error_line']}"
        parts.append(text)
    return "; ".join(parts)


def describe_file_case(outcome: dict) -> str:
    found = outcome["found"]
    parts = [describe_builds(outcome["builds"])]
    if isinstance(found.get("songplays_total"), str):
        parts.append("no songplays table")
    elif "case_plays" in found:
        plays = found["case_plays"][0]
        parts.append(f"good plays in songplays {plays[0]}/{outcome['good_plays_expected']}")
        if plays[0]:
            parts.append(f"their user_id {plays[1]}")
    file_found = found.get(outcome["file"], {})
    where = sorted(name.split(".")[-1] for name in file_found.get("appears_in", {}))
    parts.append("file in: " + (", ".join(where) if where else "nowhere"))
    if isinstance(file_found.get("quarantined"), list) and file_found["quarantined"]:
        parts.append(
            "quarantined: " + "; ".join(f"line {line}: {why}" for line, why in file_found["quarantined"])
        )
    if file_found.get("not_read"):
        parts.append(f"not read: {file_found['not_read'][0][0]}")
    if isinstance(found.get("case_songs"), list):
        parts.append(f"case's song in songs: {found['case_songs'][0][0] or 'no'}")
    if isinstance(found.get("users_not_an_id"), list) and found["users_not_an_id"][0][0]:
        parts.append(f"users with a non-scalar user_id: {found['users_not_an_id'][0][0]}")
    return "; ".join(parts)


def describe(outcome: dict) -> str:
    if "found" in outcome:
        return describe_file_case(outcome)
    extra = {key: value for key, value in outcome.items() if key != "builds"}
    return describe_builds(outcome["builds"]) + "; " + json.dumps(extra, default=str)


def report(work_dirs: list[Path]) -> None:
    """One markdown row per case with both sides' outcomes, from the results files."""
    sides: dict[str, dict] = {"old": {}, "new": {}}
    for work_dir in work_dirs:
        for side in sides:
            results_file = work_dir / f"results-{side}.json"
            if results_file.exists():
                sides[side].update(json.loads(results_file.read_text()))
    print("| case | old | new |\n|---|---|---|")
    for name in dict.fromkeys([*sides["old"], *sides["new"]]):
        cells = [describe(sides[side][name]) if name in sides[side] else "not run" for side in sides]
        print(f"| {name} | " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")


# ---- driver ----------------------------------------------------------------------------------------


def old_checkout(revision: str, work_dir: Path) -> Checkout:
    root = work_dir / f"checkout-{revision}"
    if not root.exists():
        subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "worktree", "add", "--detach", str(root), revision],
            check=True,
            capture_output=True,
        )
    return Checkout("old", root)


def run_side(checkout: Checkout, names: list[str], work_dir: Path) -> dict:
    results_file = work_dir / f"results-{checkout.side}.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    every = scenarios(checkout, SAMPLE)
    for number, name in enumerate(names, start=1):
        started = time.monotonic()
        print(f"[{checkout.side}] {number}/{len(names)} {name} ...", flush=True)
        work = Workspace(checkout, work_dir / checkout.side / name)
        outcome = every[name](work)
        results[name] = {"builds": work.builds, **outcome}
        exits = ", ".join(f"{build['label']}={build['exit']}" for build in work.builds)
        print(f"[{checkout.side}] {name}: {exits} ({time.monotonic() - started:.0f} s)", flush=True)
        results_file.write_text(json.dumps(results, indent=1, default=str))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="a822d6a", help="the revision before the work (git rev)")
    parser.add_argument("--side", choices=("old", "new", "both"), default="both")
    parser.add_argument("--case", action="append", help="only this case (repeatable)")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/hostile_before_after"))
    parser.add_argument("--keep-checkout", action="store_true", help="leave the old revision's worktree")
    parser.add_argument("--report", nargs="+", type=Path, metavar="WORK_DIR", help="only print the table")
    args = parser.parse_args()
    if args.report:
        report(args.report)
        return

    args.work_dir.mkdir(parents=True, exist_ok=True)
    every_name = list(scenarios(Checkout("new", PROJECT_ROOT), SAMPLE))
    names = args.case or every_name
    unknown = set(names) - set(every_name)
    if unknown:
        parser.error(f"unknown case(s) {sorted(unknown)}; known: {', '.join(every_name)}")

    old = old_checkout(args.old, args.work_dir) if args.side in ("old", "both") else None
    try:
        if old:
            run_side(old, names, args.work_dir)
        if args.side in ("new", "both"):
            run_side(Checkout("new", PROJECT_ROOT), names, args.work_dir)
    finally:
        if old and not args.keep_checkout:
            subprocess.run(
                ["git", "-C", str(PROJECT_ROOT), "worktree", "remove", "--force", str(old.root)],
                check=False,
            )
    report([args.work_dir])
    print(f"results: {args.work_dir}/results-*.json, build logs under {args.work_dir}/<side>/<case>/")


if __name__ == "__main__":
    main()
