"""Each installed module's node classes, from its `graph.py` (imported at start-up with its
`events.py`)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import cache

from apps.core.graphdb.nodes import GraphNode


@dataclass(frozen=True)
class NodeType:
    label: str
    node_class: type[GraphNode]
    module: str  # the code of the module declaring it


@cache
def node_types() -> dict[str, NodeType]:
    """Label -> node type, for every GraphNode subclass in an installed module's graph.py."""
    from apps.core.modules.registry import module_configs

    found: dict[str, NodeType] = {}
    for config in module_configs():
        part = config.part("graph")
        if part is None:
            continue
        for value in vars(part).values():
            if (
                inspect.isclass(value)
                and issubclass(value, GraphNode)
                and value.__module__ == part.__name__
                and not value.__dict__.get("__abstract_node__", False)
            ):
                label = value.__label__
                if label in found:
                    other = found[label].module
                    raise LookupError(
                        f"Node label {label!r} is declared by both {other!r} and "
                        f"{config.definition.code!r}."
                    )
                found[label] = NodeType(label, value, config.definition.code)
    return dict(sorted(found.items()))
