"""The architecture as a picture: cytoscape.js elements for the admin's Architecture page.

Modules are boxes coloured by their rules' state, with an arrow to each module they `require`;
events are small round nodes inside the box of the module that emits them (an event type two
modules emit sits outside, with an arrow from each), with an arrow to each module whose
subscribers read their channel. A channel pattern (`mem0.recorded.*`) points at every emitted
event type it reads; a channel no module emits to is drawn on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

from apps.core.architecture.checks import ModuleReport
from apps.core.architecture.modulemap import consumed_channels
from apps.core.architecture.sources import ModuleSource

Element = dict[str, Any]


def module_state(report: ModuleReport | None) -> str:
    """ "ok", "error", or "checking" while the rules have not been run for this code."""
    if report is None:
        return "checking"
    return "ok" if report.ok else "error"


def elements(
    sources: Sequence[ModuleSource], reports: Mapping[str, ModuleReport] | None
) -> list[Element]:
    """Nodes and edges for cytoscape; `reports` by module code, None while being checked."""
    found: list[Element] = []
    emitted: dict[str, set[str]] = {}  # event type -> codes of the modules emitting it
    for source in sources:
        definition = source.definition
        report = reports.get(source.code) if reports is not None else None
        found.append(_module_node(source, report))
        found.extend(
            _edge("requires", _module(source.code), _module(required))
            for required in definition.requires
        )
        for event_type in definition.emits:
            emitted.setdefault(event_type, set()).add(source.code)
    for event_type, codes in sorted(emitted.items()):
        if len(codes) == 1:
            found.append(_event_node(event_type, inside=_module(next(iter(codes)))))
            continue
        found.append(_event_node(event_type))
        found.extend(_edge("emits", _module(code), _event(event_type)) for code in sorted(codes))
    for source in sources:
        for channel in consumed(source):
            read = [event_type for event_type in sorted(emitted) if _reads(channel, event_type)]
            if not read:
                found.append(_event_node(channel))
                read = [channel]
            found.extend(
                _edge("consumes", _event(event_type), _module(source.code)) for event_type in read
            )
    return _deduplicated(found)


def shown_name(source: ModuleSource) -> str:
    """The module's name in the reader's language: its app's verbose name, when installed."""
    return str(source.config.verbose_name) if source.config else source.definition.name


def consumed(source: ModuleSource) -> list[str]:
    """The channels the module's subscribers read (and its declared `consumes`)."""
    return consumed_channels(source)


def _reads(channel: str, event_type: str) -> bool:
    """Whether a subscriber of `channel` gets events of `event_type`: its channel, or one of
    its sub-channels (L1 memory publishes `mem0.recorded` on `mem0.recorded.<module>`)."""
    return fnmatchcase(event_type, channel) or fnmatchcase(f"{event_type}.x", channel)


def _module_node(source: ModuleSource, report: ModuleReport | None) -> Element:
    failing = [result.rule.id for result in report.results if not result.ok] if report else []
    return {
        "group": "nodes",
        "data": {
            "id": _module(source.code),
            "code": source.code,
            "label": f"{source.code}\n{shown_name(source)}",
            "state": module_state(report),
            "failing": failing,
        },
        "classes": f"module {module_state(report)}",
    }


def _event_node(event_type: str, inside: str | None = None) -> Element:
    data = {"id": _event(event_type), "label": event_type}
    if inside is not None:
        data["parent"] = inside  # drawn inside its module's box: the module emits it
    return {"group": "nodes", "data": data, "classes": "event"}


def _edge(kind: str, source: str, target: str) -> Element:
    """An arrow of `kind` ("requires", "emits", "consumes") between two nodes' ids."""
    edge_id = f"{kind}:{source}:{target}"
    return {
        "group": "edges",
        "data": {"id": edge_id, "source": source, "target": target},
        "classes": kind,
    }


def _module(code: str) -> str:
    return f"module:{code}"


def _event(event_type: str) -> str:
    return f"event:{event_type}"


def _deduplicated(found: list[Element]) -> list[Element]:
    """Each element once (an unemitted channel read by two modules is drawn once); edges to a
    module that isn't installed (a broken `requires`, which cos.E006 reports) are left out."""
    ids = {element["data"]["id"] for element in found if element["group"] == "nodes"}
    seen: set[str] = set()
    kept = []
    for element in found:
        data = element["data"]
        if data["id"] in seen:
            continue
        if element["group"] == "edges" and not {data["source"], data["target"]} <= ids:
            continue
        seen.add(data["id"])
        kept.append(element)
    return kept
