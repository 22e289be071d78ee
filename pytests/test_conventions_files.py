"""Repository conventions: license, changelog, slim-CI docs, and no dbt package needed."""

from __future__ import annotations

import re

import yaml

from pytests.dbt_runner import PROJECT_ROOT

DBT_DIRS = ["models", "macros", "tests", "snapshots", "analyses", "seeds"]


def readme_section(title: str) -> str:
    readme = (PROJECT_ROOT / "README.md").read_text()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", readme, re.MULTILINE | re.DOTALL)
    assert match, f"README has no section '{title}'"
    return match.group(1)


def test_mit_license_named_in_readme() -> None:
    license_text = (PROJECT_ROOT / "LICENSE").read_text()
    assert license_text.startswith("MIT License")
    assert re.search(r"Copyright \(c\) \d{4} Sparkify analytics engineering", license_text)
    assert "WITHOUT WARRANTY OF ANY KIND" in license_text
    section = readme_section("License")
    assert "MIT" in section and "LICENSE" in section


def test_changelog_keeps_a_changelog_with_the_conventions_unreleased() -> None:
    changelog = (PROJECT_ROOT / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog\n")
    assert "https://keepachangelog.com/" in changelog
    unreleased = changelog.split("## [Unreleased]", 1)[1].split("\n## [", 1)[0]
    assert "### Added" in unreleased
    for convention in ("contracts", "access", "Grants", "Slim CI", "license", "dbt-external-tables"):
        assert convention.lower() in unreleased.lower(), convention


def test_slim_ci_commands_documented() -> None:
    slim_ci = (PROJECT_ROOT / "docs" / "slim_ci.md").read_text()
    for command in (
        "cp target/manifest.json prod-artifacts/",
        "dbt ls --select state:modified+ --state prod-artifacts",
        "dbt build --select state:modified+ --defer --state prod-artifacts",
        "dbt clone --state prod-artifacts",
        "dbt retry",
    ):
        assert command in slim_ci, command
    assert "docs/slim_ci.md" in readme_section("Production conventions")


def test_no_dbt_package_is_required() -> None:
    for name in ("packages.yml", "dependencies.yml"):
        assert not (PROJECT_ROOT / name).exists(), name
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())
    assert "packages" not in project
    for folder in DBT_DIRS:
        for path in (PROJECT_ROOT / folder).rglob("*"):
            if path.suffix in (".sql", ".yml", ".md"):
                text = path.read_text()
                for package in ("dbt_utils.", "dbt_external_tables.", "dbt_date.", "dbt_expectations."):
                    assert package not in text, f"{path.relative_to(PROJECT_ROOT)} uses {package}"


def test_readme_names_the_replacements_and_they_exist() -> None:
    section = readme_section("dbt packages")
    for replaced in ("stage_external_sources", "equal_rowcount", "generate_surrogate_key"):
        assert replaced in section, replaced
    paths = re.findall(r"`((?:macros|tests|models)/[\w./]+)`", section)
    assert len(paths) >= 5
    for path in paths:
        assert (PROJECT_ROOT / path).exists(), path


def test_sources_keep_dbt_external_tables_format() -> None:
    sources = yaml.safe_load(
        (PROJECT_ROOT / "models" / "staging" / "sparkify" / "_sparkify__sources.yml").read_text()
    )["sources"]
    tables = [table for source in sources for table in source["tables"]]
    assert tables
    for table in tables:
        external = table.get("external")
        assert external and external.get("location"), table["name"]
        assert set(external) <= {
            "location",
            "row_format",
            "using",
            "options",
            "partitions",
            "file_format",
            "table_properties",
        }
