"""graph's part of `manage.py demo` (core demodata/story.py): the graph built from the demo's
records at once, by the code the live subscribers run (events.py), rather than when `serve`
next runs them: the modules, every demo L1 log with its session and prompt (from L1, so a
second run rebuilds them), and this run's L3 and L4 events (notes, citations, canon records)."""

from __future__ import annotations

from apps.core.demodata.story import DemoStory
from apps.core.graphdb.errors import GraphUnavailable
from apps.core.highway.envelope import Event
from apps.core.memory.queries import logs
from apps.core.models import OutboxEntry
from apps.graph import knowledge, sync

AFTER = ("cc", "cms", "zk", "canon")  # every part that writes what the graph shows
KNOWLEDGE_CHANNELS = r"^(zk|canon)\."  # those of the graph.knowledge subscriber


def fill(story: DemoStory) -> None:
    try:
        sync.sync_modules()
        written = 0
        for module, ids in story.l1.items():
            found = logs(module).filter(pk__in=list(ids.values()))
            sync.sync_logs(module, [sync.log_row(module, log) for log in found])
            written += len(ids)
        events = OutboxEntry.objects.filter(
            pk__gt=story.outbox_after, channel__regex=KNOWLEDGE_CHANNELS
        ).order_by("pk")
        for entry in events:
            knowledge.apply(Event.parse(bytes(entry.payload)))
        story.said.append(
            f"The graph: {written} demo logs with their sessions and prompts, and "
            f"{len(events)} events of notes and canon records, written."
        )
    except GraphUnavailable as exc:
        story.warnings.append(
            f"The graph server is out of reach ({exc.detail}): the graph fills in when the "
            "graph sync runs (`manage.py serve` runs it)."
        )


def real_data() -> dict[str, int]:
    return {}  # the graph is built from the other layers: nothing of its own to lose
