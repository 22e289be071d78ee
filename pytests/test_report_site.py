"""sparkify-report's page, opened in headless Chromium as the docs site is (pytests/test_docs_site.py).

The small sample is built once (conftest built_duckdb); the report is written from it and the
browser must show the four plots, each with a point per log batch, and the warnings section.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytests import test_docs_site as docs_site
from pytests.dbt_runner import DbtProject
from sparkify_tools import report

# needs Chromium: not in the fast tier (pytest -m "not slow")
pytestmark = pytest.mark.slow

# the docs site's headless Chromium, as a fixture of this module too
browser = docs_site.browser

PLOT_TITLES = (
    "Song plays per batch",
    "Quarantine share",
    "Match rate (plays matched to a song)",
    "Arrival lateness (hours)",
)


@pytest.fixture(scope="module")
def report_page(built_duckdb: DbtProject, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert report.main(["--duckdb", str(built_duckdb.duckdb_path), "--out", str(out)]) == 0
    return out


def test_report_shows_every_plot_and_the_warnings(browser: object, report_page: Path) -> None:
    from selenium.webdriver.common.by import By

    docs_site._open(browser, report_page.as_uri())
    plots = docs_site._wait_for(
        browser,
        lambda driver: (
            (found := driver.find_elements(By.CSS_SELECTOR, "svg.plot")) and len(found) == 4 and found
        ),
        "four plots",
    )
    assert [plot.get_attribute("aria-label") for plot in plots] == list(PLOT_TITLES)
    for plot in plots:
        assert plot.is_displayed()
        assert plot.size["width"] > 300 and plot.size["height"] > 100
    # the small sample is built in one batch: one point per plot (the plays bar and three dots)
    points = [len(plot.find_elements(By.CSS_SELECTOR, ".point")) for plot in plots]
    assert points == [1, 1, 1, 1]
    headings = [element.text for element in browser.find_elements(By.TAG_NAME, "h2")]
    assert headings == ["Per batch", "Anomaly warnings", "Stored test failures"]
    assert browser.find_element(By.ID, "warnings").is_displayed()
    docs_site.ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(docs_site.ARTIFACTS / "report.png"))
