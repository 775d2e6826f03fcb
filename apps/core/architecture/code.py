"""What `ast` tells about a Python file without importing it: its imports, the names they bind,
the calls it makes and its module-level string constants."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

# Calls that import a module named by a string: `import_module("apps.cc.models")` couples
# modules just like an import statement.
DYNAMIC_IMPORTERS = frozenset(
    {"importlib.import_module", "django.utils.module_loading.import_string", "__import__"}
)


@dataclass(frozen=True)
class Import:
    target: str  # absolute dotted name: the module, or `module.name` for a from-import
    line: int
    relative: bool  # written as a relative import (`from .. import x`)


@dataclass(frozen=True)
class PythonFile:
    path: Path
    relative_path: str  # inside the module folder, with forward slashes
    package: str  # the dotted package its relative imports start from
    tree: ast.Module

    @classmethod
    def parse(cls, path: Path, relative_path: str, package: str) -> PythonFile | None:
        """None for a file that isn't valid Python: it can't be imported either, which fails
        louder than any rule."""
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            return None
        return cls(path, relative_path, package, tree)

    @cached_property
    def nodes(self) -> list[ast.AST]:
        """Every node of the file, walked once."""
        return list(ast.walk(self.tree))

    @cached_property
    def imports(self) -> list[Import]:
        """Import statements (at any depth, `if TYPE_CHECKING:` ones too) and string-named
        dynamic imports."""
        found: list[Import] = []
        for node in self.nodes:
            if isinstance(node, ast.Import):
                found.extend(Import(alias.name, node.lineno, False) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = self._from_base(node)
                if base is None:
                    continue
                relative = node.level > 0
                for alias in node.names:
                    target = base if alias.name == "*" else _join(base, alias.name)
                    found.append(Import(target, node.lineno, relative))
            elif isinstance(node, ast.Call) and self.call_target(node) in DYNAMIC_IMPORTERS:
                name = self.string_argument(node, 0, "name")
                if name and not name.startswith("."):
                    found.append(Import(name, node.lineno, False))
        return sorted(found, key=lambda i: (i.line, i.target))

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Local name -> the dotted name it is bound to by an import."""
        bound: dict[str, str] = {}
        for node in self.nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        bound[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".", 1)[0]
                        bound[head] = head
            elif isinstance(node, ast.ImportFrom):
                base = self._from_base(node)
                for alias in node.names:
                    if base is not None and alias.name != "*":
                        bound[alias.asname or alias.name] = _join(base, alias.name)
        return bound

    @cached_property
    def constants(self) -> dict[str, str]:
        """Module-level `NAME = "text"` assignments, so `publish(EVENT, ...)` can be read."""
        found: dict[str, str] = {}
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            text = _text(value)
            if isinstance(target, ast.Name) and text is not None:
                found[target.id] = text
        return found

    def calls(self) -> Iterator[tuple[ast.Call, str]]:
        """Every call whose callee resolves to a dotted name, with that name."""
        for node in self.nodes:
            if isinstance(node, ast.Call):
                target = self.call_target(node)
                if target is not None:
                    yield node, target

    def call_target(self, call: ast.Call) -> str | None:
        """`publisher.publish(...)` after `from apps.core.highway import publisher` ->
        "apps.core.highway.publisher.publish"; unknown heads stay as written."""
        dotted = _dotted(call.func)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        resolved = self.aliases.get(head, head)
        return _join(resolved, rest) if rest else resolved

    def string_argument(self, call: ast.Call, position: int | None, *keywords: str) -> str | None:
        """The text of an argument given as a literal or a module-level constant, else None."""
        node: ast.expr | None = None
        if position is not None and len(call.args) > position:
            node = call.args[position]
        for keyword in call.keywords:
            if keyword.arg in keywords:
                node = keyword.value
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        return _text(node)

    def _from_base(self, node: ast.ImportFrom) -> str | None:
        """The absolute module a from-import reads from; None when it climbs above the top."""
        if node.level == 0:
            return node.module or ""
        parts = self.package.split(".")
        if node.level - 1 >= len(parts):
            return None
        base = ".".join(parts[: len(parts) - (node.level - 1)])
        return _join(base, node.module) if node.module else base


def _join(*parts: str) -> str:
    return ".".join(part for part in parts if part)


def _text(node: ast.AST | None) -> str | None:
    """The string a literal spells, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = _dotted(node.value)
        return f"{owner}.{node.attr}" if owner else None
    return None
