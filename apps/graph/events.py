"""The module's event types, subscribers and periodic jobs."""

from __future__ import annotations

from itertools import groupby

from apps.core.governance.services import MODULES_CHANNEL
from apps.core.highway.envelope import Event
from apps.core.highway.subscribers import Subscriber, register
from apps.core.memory.jobs import note_cleanup_job
from apps.core.memory.recording import MEMORY_EVENT
from apps.graph import knowledge, sync

clean_expired_notes = note_cleanup_job("graph")


@register
class GraphSync(Subscriber):
    """L1 -> L2: every recorded log, and every module switched on or off, into the graph.

    Whole batches, in stream order, so that events are applied in order. While the graph
    server is out of reach, GraphUnavailable holds them in their stream until it is back."""

    name = "graph.sync"
    channels = (f"{MEMORY_EVENT}.*", MODULES_CHANNEL)
    start_from = "0"  # a new group replays what L1 has already announced

    def __init__(self) -> None:
        self.modules_synced = False

    def handle_batch(self, events: list[Event]) -> None:
        if not self.modules_synced:  # the registry's Module nodes and DEPENDS_ON, once
            sync.sync_modules()
            self.modules_synced = True
        for kind, run in groupby(events, key=_kind):
            if kind in sync.GOVERNANCE_EVENTS:
                for event in run:
                    sync.sync_module_change(event)
            elif kind is not None:
                module = kind
                sync.sync_logs(module, sync.recorded_rows(module, list(run)))


@register
class KnowledgeSync(Subscriber):
    """L3 and L4 -> L2: the Zettelkasten's notes and links, the canon's records and memory
    links (apps/graph/knowledge.py), from their events; held while the graph is out of reach."""

    name = "graph.knowledge"
    channels = ("zk.*", "canon.*")
    start_from = "0"  # a new group replays what L3 and L4 have already announced

    def handle(self, event: Event) -> None:
        knowledge.apply(event)


def _kind(event: Event) -> str | None:
    """The module of a log's event, the type of a governance event, else None (ignored)."""
    if event.type in sync.GOVERNANCE_EVENTS:
        return event.type
    if event.type == MEMORY_EVENT and event.channel.startswith(f"{MEMORY_EVENT}."):
        return event.channel.removeprefix(f"{MEMORY_EVENT}.")
    return None
