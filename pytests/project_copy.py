"""A scratch copy of the dbt project for tests that change it (contracts, access, slim CI).

``ProjectCopy`` is a DbtProject whose dbt commands run in a copy of the project's dbt files under its
work dir, so a test may edit a model (break a contract, add a forbidden ref, change a mart for slim
CI) without touching the checkout.

The marts' contracts end with ``ingested_at``, the ingestion-batch time the marts' SQL gains in the
lead's redesign. Until that SQL is in the checkout, the copy adds a stand-in column at the end of each
mart's final select (the build time, as a timestamp without time zone) so that the contracts can be
exercised; a mart whose SQL already selects ``ingested_at`` is left as it is.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pytests.dbt_runner import PROJECT_ROOT, DbtProject
from sparkify_tools.marts import MART_NAMES

MARTS = list(MART_NAMES)
# what a dbt project needs to parse and build (profiles come from the DbtProject's own dir)
PROJECT_ENTRIES = [
    "dbt_project.yml",
    "vars.yml",
    "models",
    "macros",
    "seeds",
    "snapshots",
    "tests",
    "analyses",
    "assets",
    "redshift",
]
FINAL_SELECT = re.compile(r"select \* from final\s*$")
INGESTED_AT_STAND_IN = (
    "select\n    *,\n    cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as ingested_at\n"
    "from final\n"
)


def copy_project(destination: Path) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    for entry in PROJECT_ENTRIES:
        source = PROJECT_ROOT / entry
        if source.is_dir():
            shutil.copytree(source, destination / entry, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, destination / entry)
    return destination


def contract_wants_ingested_at(project_dir: Path) -> bool:
    return "name: ingested_at" in (project_dir / "models" / "marts" / "_marts__models.yml").read_text()


def add_ingested_at_stand_in(project_dir: Path) -> list[str]:
    """Give each mart that lacks it an ingested_at column at the end; the marts changed."""
    changed = []
    if not contract_wants_ingested_at(project_dir):
        return changed
    for mart in MARTS:
        path = project_dir / "models" / "marts" / f"{mart}.sql"
        sql = path.read_text()
        if "ingested_at" in sql:
            continue
        assert FINAL_SELECT.search(sql), f"{mart}.sql does not end with `select * from final`"
        path.write_text(FINAL_SELECT.sub(INGESTED_AT_STAND_IN, sql))
        changed.append(mart)
    return changed


def rewrite_closing_select(project_dir: Path, model_path: str, rewrite: Callable[[str], str]) -> None:
    """Replace a model's closing select with ``rewrite(closing select)`` (a test's model change)."""
    path = project_dir / model_path
    sql = path.read_text()
    closing = FINAL_SELECT.search(sql) or re.search(re.escape(INGESTED_AT_STAND_IN) + r"\s*$", sql)
    assert closing, f"{model_path}: no closing `select * from final` to replace"
    path.write_text(sql[: closing.start()] + rewrite(closing.group(0).strip()).rstrip() + "\n")


@dataclass
class ProjectCopy(DbtProject):
    """A DbtProject that runs dbt in its own copy of the project (``project_dir``)."""

    stand_in: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.project_dir.exists():
            copy_project(self.project_dir)
            if self.stand_in:
                add_ingested_at_stand_in(self.project_dir)

    @property
    def project_dir(self) -> Path:
        return self.work_dir / "project"

    @property
    def target_dir(self) -> Path:
        return self.work_dir / "target"
