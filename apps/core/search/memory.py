"""Core's search of a module's L1 memory: its logs, prompt traces and scratch notes, newest
first (a log is a moment: the latest is the likeliest wanted, and newest-first lets PostgreSQL
read the GIN index and sort the few matches, with no ranking of every match).

A log links to its node in the graph when a module provides the `graph.log_node_url` contract
(apps.graph: the graph map focused on the log's node).
"""

from __future__ import annotations

from typing import Any

from django.db.models.functions import Left
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from apps.core.memory.models import Level, memory_models
from apps.core.modules.registry import contract, owning_module
from apps.core.search.terms import (
    SNIPPET_CHARS,
    SearchHit,
    SearchLink,
    search_query,
    search_vector,
    snippet,
)

# The columns each table is searched by: its GIN index (core's abstract models) is on these.
LOG_FIELDS = ("message",)
PROMPT_FIELDS = ("prompt_text", "response_text")
NOTE_FIELDS = ("key", "content")


def admin_url(model: Any, pk: Any) -> str:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
    except NoReverseMatch:  # not in the admin: the hit is still worth showing
        return ""


def level_name(level: str) -> str:
    """The level in the reader's language (a level written by hand to the table: as it is)."""
    return str(Level(level).label) if level in Level.values else level


def matching(model: Any, fields: tuple[str, ...], query: str) -> Any:
    """`model`'s rows whose `fields` match: `@@` on the indexed expression."""
    return model._default_manager.alias(found=search_vector(*fields)).filter(
        found=search_query(query)
    )


def search_memory(module: str, query: str, limit: int) -> list[SearchHit]:
    """Up to `limit` logs, `limit` prompt traces and `limit` notes of `module` matching `query`
    (one more of a kind says there are more)."""
    found = memory_models(module)
    graph_link = contract("graph.log_node_url")
    graph_module = owning_module(graph_link.__module__) if graph_link else None
    hits: list[SearchHit] = []

    logs = (
        matching(found.base_log, LOG_FIELDS, query)
        .annotate(excerpt=Left("message", SNIPPET_CHARS))
        .order_by("-timestamp", "-id")
        .values("id", "timestamp", "level", "excerpt")[: limit + 1]
    )
    for row in logs:
        links: tuple[SearchLink, ...] = ()
        if graph_link is not None and graph_module is not None:
            links = (SearchLink(_("graph node"), graph_link(row["id"]), graph_module),)
        hits.append(
            SearchHit(
                kind="log",
                label=_("log"),
                title=snippet(row["excerpt"]),
                url=admin_url(found.base_log, row["id"]),
                snippet=_("level: %(level)s") % {"level": level_name(row["level"])},
                at=row["timestamp"],
                links=links,
            )
        )

    prompts = (
        matching(found.prompt_trace, PROMPT_FIELDS, query)
        .annotate(
            excerpt=Left("prompt_text", SNIPPET_CHARS),
            answer=Left("response_text", SNIPPET_CHARS),
        )
        .order_by("-base_log__timestamp", "-id")
        .values("id", "base_log__timestamp", "excerpt", "answer")[: limit + 1]
    )
    hits.extend(
        SearchHit(
            kind="prompt_trace",
            label=_("prompt trace"),
            title=snippet(row["excerpt"]),
            url=admin_url(found.prompt_trace, row["id"]),
            snippet=snippet(row["answer"]),
            at=row["base_log__timestamp"],
        )
        for row in prompts
    )

    if found.scratch_note is not None:
        notes = (
            matching(found.scratch_note, NOTE_FIELDS, query)
            .annotate(excerpt=Left("content", SNIPPET_CHARS))
            .order_by("-created_at", "-id")
            .values("id", "key", "created_at", "excerpt")[: limit + 1]
        )
        hits.extend(
            SearchHit(
                kind="scratch_note",
                label=_("scratch note"),
                title=row["key"],
                url=admin_url(found.scratch_note, row["id"]),
                snippet=snippet(row["excerpt"]),
                at=row["created_at"],
            )
            for row in notes
        )
    return hits
