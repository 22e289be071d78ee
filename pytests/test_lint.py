"""The linters enforce the house style: sqlfluff with .sqlfluff flags what STYLE.md forbids and passes
what it shows, ruff uses the project's line length, and the pre-commit hooks are valid and runnable.
(scripts/test.sh runs scripts/lint.sh over the whole repository before pytest.)
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pytests.dbt_runner import PROJECT_ROOT

# runs sqlfluff over the project: not in the fast tier (pytest -m "not slow")
pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent

HOUSE_STYLE_SQL = """\
with

plays as (

    select
        user_id,
        count(*) as play_count
    from events
    where page = 'NextSong'
    group by user_id

),

final as (

    select * from plays

)

select * from final
"""

# Upper-case keywords, leading commas, an implicit alias and a trailing comma before FROM.
OFF_STYLE_SQL = """\
SELECT
    user_id
    , count(*) play_count,
FROM events
GROUP BY user_id
"""


# A model returning whatever its input has: AM04, the rule that keeps column lists explicit.
WILDCARD_SQL = """\
with

events as (

    select * from raw_events

)

select * from events
"""


def sqlfluff_codes(sql: str, tmp_path: Path) -> set[str]:
    """Rule codes sqlfluff reports for `sql` under the project's .sqlfluff (jinja templater: no dbt)."""
    path = tmp_path / "snippet.sql"
    path.write_text(sql)
    done = subprocess.run(
        [
            str(BIN / "sqlfluff"),
            "lint",
            str(path),
            "--config",
            str(PROJECT_ROOT / ".sqlfluff"),
            "--templater",
            "jinja",
            "--format",
            "json",
            "--disable-progress-bar",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return {violation["code"] for file in json.loads(done.stdout) for violation in file["violations"]}


def test_sqlfluff_passes_the_house_style(tmp_path: Path) -> None:
    assert sqlfluff_codes(HOUSE_STYLE_SQL, tmp_path) == set()


def test_sqlfluff_flags_what_the_house_style_forbids(tmp_path: Path) -> None:
    codes = sqlfluff_codes(OFF_STYLE_SQL, tmp_path)
    assert {"CP01", "LT04", "AL02", "CV03"} <= codes, codes
    assert "AM04" in sqlfluff_codes(WILDCARD_SQL, tmp_path)


def test_ruff_uses_the_project_line_length(tmp_path: Path) -> None:
    numbers = ", ".join(["1000"] * 19)
    (tmp_path / "long.py").write_text(f"NUMBERS = ({numbers})\n")  # 124 characters: over 110, under 120
    done = subprocess.run(
        [
            str(BIN / "ruff"),
            "check",
            "--config",
            str(PROJECT_ROOT / "pyproject.toml"),
            str(tmp_path / "long.py"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "E501" in done.stdout


def test_pre_commit_config_is_valid_and_its_hooks_runnable() -> None:
    config_path = PROJECT_ROOT / ".pre-commit-config.yaml"
    done = subprocess.run(
        [str(BIN / "pre-commit"), "validate-config", str(config_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    hooks = {
        hook["id"]: hook
        for repo in yaml.safe_load(config_path.read_text())["repos"]
        for hook in repo["hooks"]
    }
    assert set(hooks) == {"ruff-check", "ruff-format", "sqlfluff"}
    for hook in hooks.values():
        program = shlex.split(hook["entry"])[0]
        assert program == "bash" or (PROJECT_ROOT / program).exists(), f"{hook['id']}: {program} missing"
    assert (PROJECT_ROOT / "scripts" / "lint.sh").exists()
