"""The docs site of a built warehouse: complete (docs_check), and proven in a real browser.

`dbt docs generate` runs once for the module into its own target dir; `dbt docs serve` serves it
on a free loopback port and headless Chromium (Debian `chromium` + `chromium-driver`, installed by
scripts/ensure/chromium.sh) checks the overview, the lineage graph and a mart's page. Screenshots
go to artifacts/ for a person to look at.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytests.dbt_runner import PROJECT_ROOT, DbtProject
from sparkify_tools import docs_check
from sparkify_tools.marts import MART_NAMES

# needs Chromium: not in the fast tier (pytest -m "not slow")
pytestmark = pytest.mark.slow

ARTIFACTS = PROJECT_ROOT / "artifacts"
MARTS = MART_NAMES
SOURCES = ("sparkify_landing.song_files", "sparkify_landing.log_lines")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1600,1000",
)
# Deadlines for things to appear, not expectations of speed: a slow machine only waits longer.
PAGE_DEADLINE_S = 120


@pytest.fixture(scope="module")
def docs_target(built_duckdb: DbtProject) -> Path:
    """target dir holding manifest.json, catalog.json and index.html of the built warehouse."""
    target = built_duckdb.work_dir / "docs_target"
    built_duckdb.dbt("docs", "generate", "--target-path", str(target))
    return target


def test_every_resource_column_and_primary_key_is_documented(docs_target: Path) -> None:
    manifest = json.loads((docs_target / "manifest.json").read_text())
    catalog = json.loads((docs_target / "catalog.json").read_text())
    problems = docs_check.check(manifest, catalog)
    assert not problems, "documentation gaps:\n" + "\n".join(map(str, problems))


def test_overview_diagram_is_copied_with_the_docs(docs_target: Path) -> None:
    manifest = json.loads((docs_target / "manifest.json").read_text())
    overview = manifest["docs"]["doc.sparkify.__overview__"]["block_contents"]
    assert "assets/star_schema.svg" in overview
    assert (docs_target / "assets" / "star_schema.svg").read_bytes() == (
        PROJECT_ROOT / "assets" / "star_schema.svg"
    ).read_bytes()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_served(url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + PAGE_DEADLINE_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"dbt docs serve exited with {server.returncode}:\n{server.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"dbt docs serve did not answer at {url} within {PAGE_DEADLINE_S} s")


@pytest.fixture(scope="module")
def docs_url(built_duckdb: DbtProject, docs_target: Path) -> Iterator[str]:
    port = _free_port()
    command = [
        str(Path(sys.executable).with_name("dbt")),
        "docs",
        "serve",
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--no-browser",
        "--target-path",
        str(docs_target),
        "--vars",
        built_duckdb.vars_arg(),
    ]
    server = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=built_duckdb.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_until_served(url, server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _chromium_tools() -> tuple[str, str]:
    browser = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    reason = "chromium/chromedriver not installed (scripts/ensure/chromium.sh installs them)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _chromium_tools()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def _wait_for(driver: object, condition: object, what: str) -> object:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, PAGE_DEADLINE_S, poll_frequency=0.5).until(condition)
    except TimeoutException:
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "docs_failure.png"))
        message = f"the docs site never showed {what} (screenshot: artifacts/docs_failure.png)"
        raise AssertionError(message) from None


def _open(driver: object, url: str) -> None:
    """Load the page afresh: the docs are one-page app, and a graph left open would cover the next page."""
    driver.get("about:blank")
    driver.get(url)


# The lineage graph is drawn by cytoscape on a canvas: its nodes are not DOM elements, so they are
# read from the cytoscape instance that the library registers on its container element.
VISIBLE_GRAPH_NODES_JS = """
for (const element of document.querySelectorAll('*')) {
    if (element._cyreg && element._cyreg.cy) {
        const nodes = element._cyreg.cy.nodes().filter(node => node.visible());
        if (nodes.length === 0) { return null; }
        return nodes.map(node => node.data('id'));
    }
}
return null;
"""


def test_overview_shows_the_star_schema(browser: object, docs_url: str) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, docs_url + "#!/overview")
    _wait_for(
        browser,
        lambda d: "Sparkify analytics warehouse" in d.find_element(By.TAG_NAME, "body").text,
        "the project's overview page",
    )
    diagram = _wait_for(
        browser,
        lambda d: next(
            (
                img
                for img in d.find_elements(By.CSS_SELECTOR, "img[src$='star_schema.svg']")
                if d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img)
            ),
            False,
        ),
        "the star-schema diagram, loaded",
    )
    assert diagram.is_displayed()
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "docs_overview.png"))


def test_lineage_graph_shows_both_sources_and_the_five_marts(browser: object, docs_url: str) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, docs_url + "#!/overview")
    button = _wait_for(
        browser,
        lambda d: d.find_element(By.CSS_SELECTOR, '.launcher-btn a[title="View Lineage Graph"]'),
        "the lineage graph button",
    )
    button.click()
    node_ids = _wait_for(
        browser, lambda d: d.execute_script(VISIBLE_GRAPH_NODES_JS), "nodes in the lineage graph"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "docs_lineage_graph.png"))
    expected = {f"source.sparkify.{name}" for name in SOURCES} | {f"model.sparkify.{m}" for m in MARTS}
    missing = expected - set(node_ids)
    assert not missing, f"lineage graph lacks {sorted(missing)}; it shows {sorted(node_ids)}"


def test_a_mart_page_lists_its_columns(browser: object, docs_url: str, docs_target: Path) -> None:
    from selenium.webdriver.common.by import By

    catalog = json.loads((docs_target / "catalog.json").read_text())
    columns = [name.lower() for name in catalog["nodes"]["model.sparkify.songplays"]["columns"]]
    assert "songplay_id" in columns

    _open(browser, docs_url + "#!/model/model.sparkify.songplays")
    _wait_for(
        browser,
        lambda d: (
            "Columns" in d.find_element(By.TAG_NAME, "body").text
            and "songplay_id" in d.find_element(By.TAG_NAME, "body").text
        ),
        "the songplays page with its columns",
    )
    section = browser.find_element(By.CSS_SELECTOR, "column-details")
    shown = section.text.lower()
    missing = [name for name in columns if name not in shown]
    browser.execute_script("arguments[0].scrollIntoView()", section)
    browser.save_screenshot(str(ARTIFACTS / "docs_songplays_columns.png"))
    assert not missing, f"songplays page lacks columns {missing}"
