"""The manual: every relative link of the README, CHANGELOG and docs/*.md pages resolves, every page is reachable
from the README, and the API reference (`make docs`, pdoc) builds without a warning and documents every public name."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import constructs_kafka_lambda

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", REPO / "CHANGELOG.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)  # not inside code blocks
    return [target for target in LINK.findall(text) if "://" not in target and not target.startswith("#")]


def test_relative_links_resolve() -> None:
    broken = [
        f"{page.relative_to(REPO)} -> {target}"
        for page in PAGES
        for target in links(page)
        if not (page.parent / target.split("#")[0]).exists()
    ]
    assert broken == []


def test_every_page_is_linked_from_the_readme() -> None:
    linked = {(REPO / target).resolve() for target in links(REPO / "README.md")}
    assert [p.name for p in PAGES[2:] if p.resolve() not in linked] == []


def test_readme_keeps_quickstart_and_the_two_commands() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "## Quickstart" in text and "make test" in text and "make synth" in text
    assert "## Versions and upgrades" in text


def test_api_reference_builds_without_warnings(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / "build_api_docs.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    page = (tmp_path / "constructs_kafka_lambda.html").read_text(encoding="utf-8")
    missing = [name for name in constructs_kafka_lambda.__all__ if f'<section id="{name}">' not in page]
    assert missing == []
    assert (tmp_path / "constructs_kafka_lambda" / "upgrade.html").exists()
