"""The import rules between the layers, read from every module's imports with `ast` (docs/architecture.md).

scraper (HTTP and HTML) and archive (SQLite) never import each other, the orchestration, the
simulator or the web UI; the simulator is a fake ncgh.org.cn that imports nothing of the project; the
web UI reads the archive and nothing else of it; benchmarks never import from tests/. Imports inside
functions and `if TYPE_CHECKING:` blocks count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("scraper", "archive", "ncgh", "simulator", "webui")
# What a package may not import: the project's other packages it must not know, and for archive the
# modules that talk HTTP (it stores what the crawler received; `http.HTTPStatus`, a table of status
# codes, is no network code).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "scraper": ("archive", "ncgh", "simulator", "webui", "tests", "bench"),
    "archive": ("scraper", "ncgh", "simulator", "webui", "tests", "bench",
                "requests", "urllib3", "http.client", "http.server", "urllib.request", "socket"),
    "simulator": ("scraper", "archive", "ncgh", "webui", "tests", "bench"),
    "webui": ("scraper", "ncgh", "simulator", "tests", "bench"),
    "bench": ("tests",),
}
# The one exception: scraper.ids says what an article id is; pure (standard library only, checked
# below), so archive reads ids by the same rule the crawler writes them with.
ALLOWED = {("archive", "scraper.ids")}


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, as dotted names (`from a.b import c` gives a.b and a.b.c)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's own package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def modules(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


def breaks(name: str, forbidden: str) -> bool:
    return name == forbidden or name.startswith(forbidden + ".")


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    assert modules(layer), f"{layer}/ has no modules: the layer table is out of date"
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(layer)
        for name in sorted(imports_of(path))
        for forbidden in FORBIDDEN[layer]
        if breaks(name, forbidden) and not any(breaks(name, ok) for lay, ok in ALLOWED if lay == layer)
    ]
    assert not wrong, "\n".join(wrong)


def test_bench_does_not_reach_into_tests_through_sys_path() -> None:
    """`sys.path.insert(0, "tests")` then `import support_parse` is importing from tests/ too."""
    test_modules = {p.stem for p in (ROOT / "tests").glob("*.py")} | {"support"}
    wrong = sorted(
        {
            f"{path.relative_to(ROOT)} imports {name.split('.')[0]}"
            for path in modules("bench")
            for name in imports_of(path)
            if name.split(".")[0] in test_modules
        }
    )
    assert not wrong, "\n".join(wrong)


def test_the_allowed_exceptions_are_pure() -> None:
    for _, module in ALLOWED:
        path = ROOT / (module.replace(".", "/") + ".py")
        project = {n for n in imports_of(path) if n.split(".")[0] in PROJECT or n.split(".")[0] == "requests"}
        assert not project, f"{module} must stay pure to be shared: it imports {sorted(project)}"
