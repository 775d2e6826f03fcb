"""`manage.py demo`: every layer gets the story's rows (L1 in cc and cms with prompt traces,
the graph, an L3 note promoted from L1, L4 records, a CMS page in four languages); a second run
adds nothing; a database with data of its own is refused unless --force."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from apps.canon.models import ArchivedNote, EventTrace, MemoryLink, PrdLog
from apps.cms.models import Page, PageStatus
from apps.core.graphdb.connection import cypher
from apps.core.memory import memory_models
from apps.core.memory.recording import log_l1
from apps.zk import services as zk_services
from apps.zk.models import Citation, Note

pytestmark = pytest.mark.django_db


def demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", "--no-progress", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for module in ("cc", "cms"):
        memory = memory_models(module)
        rows[f"logs ({module})"] = memory.base_log._default_manager.count()
        rows[f"events ({module})"] = memory.event_log._default_manager.count()
        rows[f"prompts ({module})"] = memory.prompt_trace._default_manager.count()
    for model in (Note, Citation, PrdLog, EventTrace, ArchivedNote, MemoryLink, Page):
        rows[model.__name__] = model.objects.count()
    rows["translations"] = sum(page.translations.count() for page in Page.objects.all())
    graph = cypher("MATCH (n) RETURN labels(n) AS labels, n.key AS key")
    for label in ("Module", "LogEntry", "Prompt", "Session", "Concept", "Entity"):
        rows[f"graph {label}"] = sum(label in row["labels"] for row in graph)
    rows["graph keys"] = sorted(str(row["key"]).split(":")[1] for row in graph if row["key"])
    return rows


def test_the_demo_fills_every_layer_once(graph, highway):
    said = demo()
    first = counts()
    assert "Demo written" in said
    assert first["logs (cc)"] == 5 and first["prompts (cc)"] == 3
    assert first["logs (cms)"] == 1 and first["prompts (cms)"] == 1
    assert first["Note"] == 1 and first["Citation"] == 3  # promoted from the three drafts
    assert first["PrdLog"] == first["EventTrace"] == first["ArchivedNote"] == 1
    assert first["MemoryLink"] == 1
    page = Page.objects.get()
    assert page.status == PageStatus.PUBLISHED
    assert sorted(page.translations.values_list("language", flat=True)) == ["de", "en", "fr", "lb"]
    # The graph, built from L1, L3 and L4: each log with its prompt, the note and the canon's.
    assert first["graph LogEntry"] == 6 and first["graph Prompt"] == 4
    assert first["graph Module"] >= 5 and first["graph Session"] >= 1
    # L3 and L4 nodes, keyed by their references: the note, the plan, its trace, the archive.
    assert first["graph keys"] == ["note", "note", "prd", "trace"]

    again = demo()
    assert "nothing added" in again
    assert counts() == first


def test_a_database_with_data_of_its_own_is_refused_unless_forced(graph, highway):
    zk_services.create_note("My own idea")
    log_l1("cc", "session.started", "My own log")
    with pytest.raises(CommandError, match=r"data of its own \(L1 logs: 1, L3 notes: 1\)"):
        demo()
    assert Page.objects.count() == 0  # nothing written

    demo("--force")
    assert Note.objects.count() == 2 and Page.objects.count() == 1
