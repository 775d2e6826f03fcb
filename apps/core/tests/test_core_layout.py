"""Core reads like a module plus one package per concern (issue 11, point 4)."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1]
# Core as a module: these names mean in core what they mean in every module.
MODULE_FILES = {
    "__init__.py", "apps.py", "models.py", "services.py", "events.py", "consumers.py", "testing.py"
}  # fmt: skip
# Module-vocabulary names core must not use for something else at its top level.
VOCABULARY_ELSEWHERE = {"views.py", "selectors.py", "graph.py", "exceptions.py"}


def test_core_top_level_holds_only_the_module_files():
    top = {p.name for p in CORE.glob("*.py")}
    assert top <= MODULE_FILES, f"move these into a package: {sorted(top - MODULE_FILES)}"
    assert not top & VOCABULARY_ELSEWHERE


def test_every_core_package_explains_itself():
    packages = [p for p in CORE.iterdir() if (p / "__init__.py").exists()]
    assert {"modules", "governance", "memory", "highway", "db", "http", "rest", "admin"} <= {
        p.name for p in packages
    }
    for package in packages:
        if package.name in {"tests", "migrations", "management", "api"}:
            continue
        docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
        assert docstring and len(docstring) > 80, f"{package.name}/__init__.py says nothing"
