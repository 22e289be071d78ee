"""Source freshness works with operator thresholds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pytests.conftest import generate_raw
from pytests.dbt_runner import DbtProject

# several dbt commands: not in the fast tier (pytest -m "not slow")
pytestmark = pytest.mark.slow


def test_source_freshness_uses_operator_thresholds(tmp_path: Path) -> None:
    recent = generate_raw(tmp_path / "recent", days=2, start_date=date.today() - timedelta(days=1))
    fresh = DbtProject(work_dir=tmp_path / "fresh", raw_data=recent).dbt("source", "freshness")
    assert "PASS freshness of sparkify_landing.log_lines" in fresh.output

    old = DbtProject(work_dir=tmp_path / "old", raw_data=generate_raw(tmp_path / "old_raw", days=2))
    stale = old.dbt("source", "freshness", check=False)
    assert not stale.ok and "ERROR STALE freshness of sparkify_landing.log_lines" in stale.output
    age_hours = (datetime.now(UTC).date() - date(2018, 11, 1)).days * 24
    relaxed = old.dbt(
        "source",
        "freshness",
        vars={"log_freshness_warn_hours": 1, "log_freshness_error_hours": age_hours * 2},
    )
    assert "WARN freshness of sparkify_landing.log_lines" in relaxed.output
