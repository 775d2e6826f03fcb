"""cos.E001 through import-linter: one `forbidden` contract per module, generated from the module
tree, checked against grimp's import graph of the packages modules live in.

The contract for a module forbids its direct imports of every other module (apps.core is not a
module to forbid: it is the framework). A module's own tests may use the probe modules under
`tests.modules` (an `ignore_imports` expression). grimp sees every import statement, at any
depth and under `if TYPE_CHECKING`, with its line; it does not see modules imported by a name
built at run time (`import_module(...)`, `apps.get_model(...)`), which is why modules talk through
events and contracts rather than lookups.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from typing import Any

import grimp
from importlinter import configuration
from importlinter.contracts.forbidden import ForbiddenContract

FRAMEWORK = "apps.core"
# Packages whose children are COS modules: the product's, and the test-only probes.
MODULE_PACKAGES = ("apps", "tests.modules")
TEST_MODULES = "tests.modules"


@dataclass(frozen=True)
class ForbiddenImport:
    importer: str  # dotted module, e.g. "apps.books.services"
    imported: str  # dotted module, e.g. "apps.cc.models"
    line: int


@cache
def _configured() -> None:
    configuration.configure()  # import-linter's own settings (graph builder, timer, printer)


def forbidden_imports(package: str, known_modules: Iterable[str] = ()) -> list[ForbiddenImport]:
    """The direct imports from the module `package` (e.g. "apps.books") of any other module,
    sorted by importer and line. Other modules: `known_modules` (the registry's), and every child
    of MODULE_PACKAGES and of the module's own parent package, installed or not. The graph
    covers every top-level package involved, so a module outside the project (a test's
    temporary one) is seen too."""
    roots = {name.split(".", 1)[0] for name in (package, *known_modules, *MODULE_PACKAGES)}
    graph = grimp.build_graph(*sorted(filter(_importable, roots)), cache_dir=None)
    if package not in graph.modules:
        return []
    parents = {*MODULE_PACKAGES, package.rpartition(".")[0]} & graph.modules
    children = (graph.find_children(parent) for parent in parents)
    others = {*known_modules, *(name for found in children for name in found)}
    forbidden = sorted(others & graph.modules - {package, FRAMEWORK, TEST_MODULES})
    if not forbidden:
        return []
    _configured()
    contract = ForbiddenContract(
        name=f"{package} imports no other module",
        session_options={"root_packages": sorted(roots)},
        contract_options={
            "source_modules": [package],
            "forbidden_modules": forbidden,
            "ignore_imports": [f"{package}.tests.** -> {TEST_MODULES}.**"],
            "allow_indirect_imports": "true",  # direct imports only: apps.core sits between
            "unmatched_ignore_imports_alerting": "none",
        },
    )
    check = contract.check(graph, verbose=False)
    return sorted(_direct_imports(check.metadata["invalid_chains"]), key=_position)


def _importable(top_level: str) -> bool:
    try:
        return find_spec(top_level) is not None
    except (ImportError, ValueError):
        return False


def _direct_imports(invalid_chains: list[dict[str, Any]]) -> Iterator[ForbiddenImport]:
    for group in invalid_chains:
        for chain in group["chains"]:
            for link in chain:
                for line in link["line_numbers"]:
                    yield ForbiddenImport(link["importer"], link["imported"], line)


def _position(found: ForbiddenImport) -> tuple[str, int]:
    return found.importer, found.line
