"""canon's part of `manage.py demo` (core demodata/story.py): the book plan as a PRD with
the L1 log that triggered it, the promoted note archived, and the link between them (L4)."""

from __future__ import annotations

from apps.canon import services
from apps.canon.exceptions import AlreadyArchived
from apps.canon.models import ArchivedNote, ChainedRecord, EventTrace, MemoryLink, PrdLog
from apps.canon.services import Provenance
from apps.core.demodata.story import DEMO_AGENT, PLAN_KEY, PLAN_SUMMARY, PLAN_TITLE, DemoStory

AFTER = ("cc", "zk")  # the plan cites cc's log; the archived note is zk's
RECORDS: dict[str, type[ChainedRecord]] = {
    "PRDs": PrdLog,
    "traces": EventTrace,
    "archived notes": ArchivedNote,
    "links": MemoryLink,
}


def fill(story: DemoStory) -> None:
    plan_log = story.l1["cc"]["plan.outlined"]
    provenance = Provenance(origin_module="cc", origin_l1_ids=[plan_log], agent=DEMO_AGENT)
    if not PrdLog.objects.filter(prd_key=PLAN_KEY).exists():
        services.archive_prd_version(
            PLAN_KEY,
            title=PLAN_TITLE,
            summary=PLAN_SUMMARY,
            source=f"cc:log:{plan_log}",
            category="book plan",
            provenance=provenance,
        )
        story.count("L4 records")
    note_id = story.refs["zk:note:harbour-motif"]
    for write in (
        lambda: services.archive_trace(
            PLAN_KEY, trigger="plan.outlined", context={"books": 100}, provenance=provenance
        ),
        lambda: services.archive_note(note_id, provenance=Provenance(agent=DEMO_AGENT)),
        lambda: services.archive_link(
            f"canon:prd:{PLAN_KEY}",
            f"canon:note:{note_id}",
            "REFERENCES",
            rationale="The plan's first book is built around the harbour.",
            provenance=Provenance(agent=DEMO_AGENT),
        ),
    ):
        try:
            write()
        except AlreadyArchived:  # an earlier run archived it: the canon keeps it once
            continue
        story.count("L4 records")


def real_data() -> dict[str, int]:
    return {
        f"L4 {kind}": model._default_manager.exclude(agent=DEMO_AGENT).count()
        for kind, model in RECORDS.items()
    }
