"""zk's part of `manage.py demo` (core demodata/story.py): a note promoted from cc's L1 logs of the
drafted chapters, quoting and citing each (L3)."""

from __future__ import annotations

from apps.core.demodata.story import CHAPTERS, DEMO_SOURCE, FIRST_BOOK, DemoStory
from apps.zk import services
from apps.zk.models import CitationKind, Note

AFTER = ("cc",)  # the note quotes cc's demo logs
NOTE_KEY = "harbour-motif"
SOURCE = f"{DEMO_SOURCE}{NOTE_KEY}"


def fill(story: DemoStory) -> None:
    note = Note.objects.filter(source=SOURCE).first()
    if note is None:
        drafts = [story.l1["cc"][f"chapter-{number}.drafted"] for number, *_ in CHAPTERS]
        note = services.promote_l1(
            "cc",
            CitationKind.LOG,
            drafts,
            f"The harbour as a motif in {FIRST_BOOK}",
            tags=["demo", "book-1", "motif"],
            source=SOURCE,
            intro="The harbour returns in every drafted chapter: keep it as the book's spine.",
            created_by=story.author,
        )
        story.count("L3 notes")
    story.refs[f"zk:note:{NOTE_KEY}"] = str(note.pk)


def real_data() -> dict[str, int]:
    return {"L3 notes": Note.objects.exclude(source__startswith=DEMO_SOURCE).count()}
