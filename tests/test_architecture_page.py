"""docs/architecture.md names every module of the product packages, and nothing that does not exist.

The page's tree is how a newcomer finds where a job is done; a module added or split without its line
(or a line left behind by a removed one) would make it lie. Read from the tree block: a line at column 0
such as `archive/` opens a package; a folder entry under it (`  commands/`) takes the lines indented
four spaces that follow it; every other `name.py` in the package's lines is one of its modules.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("scraper", "archive", "ncgh", "simulator", "webui")
_MODULE = re.compile(r"(?<![\w/.])(\w+\.py)\b")


def named_on_the_page() -> dict[str, set[str]]:
    """Package -> the module paths (relative to the package) the architecture page's tree names."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    tree = text.split("```")[1]
    named: dict[str, set[str]] = {}
    package: str | None = None
    folder = ""
    for line in tree.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        words = line.split()
        if not words:
            continue
        if indent == 0:
            package = words[0].rstrip("/") if words[0].endswith("/") else None
            folder = ""
            if package is not None:
                named.setdefault(package, set())
            continue
        if package is None:
            continue
        if indent == 2:
            folder = words[0] if words[0].endswith("/") else ""
        prefix = folder if indent == 4 or (indent == 2 and folder) else ""
        named[package].update(prefix + name for name in _MODULE.findall(line))
    return named


def modules_of(package: str) -> set[str]:
    base = ROOT / package
    return {p.relative_to(base).as_posix() for p in base.rglob("*.py") if p.name != "__init__.py"}


def test_the_page_reads_every_product_package() -> None:
    assert set(PRODUCT) <= set(named_on_the_page()), "a product package has no section in the tree"


@pytest.mark.parametrize("package", PRODUCT)
def test_every_module_is_named_and_every_name_is_a_module(package: str) -> None:
    named = named_on_the_page()[package]
    real = modules_of(package)
    assert not real - named, f"docs/architecture.md does not name {sorted(real - named)} under {package}/"
    assert not named - real, f"docs/architecture.md names {sorted(named - real)} under {package}/, which do not exist"
