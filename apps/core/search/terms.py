"""What a search is made of: the query (checked), the indexed text expression, and the hits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models.functions import Left
from django.utils.translation import gettext as _

SEARCH_CONFIG = "simple"  # no stemming: records mix en, fr, de and lb
# Only the first characters of a field are indexed: a tsvector holds at most 1 MB, and L1
# records may be larger (a 2.5 MB prompt); 100,000 characters stay far below it.
SEARCHABLE_CHARS = 100_000
MAX_QUERY_LENGTH = 200
SNIPPET_CHARS = 240


class BadQuery(ValueError):
    """The query cannot be searched; its message says why, for the person who typed it."""


def clean_query(raw: Any) -> str:
    """The query, stripped, or BadQuery: empty, too long, or holding what PostgreSQL text
    cannot (NUL, lone surrogates)."""
    query = str(raw or "").strip()
    if not query:
        raise BadQuery(_("Type a word to search for."))
    if len(query) > MAX_QUERY_LENGTH:
        raise BadQuery(
            _("The search is too long: at most %(max)d characters.") % {"max": MAX_QUERY_LENGTH}
        )
    if "\x00" in query or any(0xD800 <= ord(char) <= 0xDFFF for char in query):
        raise BadQuery(_("The search holds characters that cannot be searched."))
    return query


def search_vector(*fields: str) -> SearchVector:
    """The searchable text of `fields`: a GIN index must be declared on this very expression
    (models' Meta.indexes) for a search to use it."""
    return SearchVector(*(Left(name, SEARCHABLE_CHARS) for name in fields), config=SEARCH_CONFIG)


def search_query(query: str) -> SearchQuery:
    """The query as a person types it into a search engine: words, "a phrase", -not, or."""
    return SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)


def snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"


@dataclass(frozen=True)
class SearchLink:
    """A page about a hit elsewhere (its graph node, its lineage), in `module`'s pages: shown
    only to those who may view that module."""

    label: str
    url: str
    module: str


@dataclass(frozen=True)
class SearchHit:
    kind: str  # stable, for the API: "log", "prompt_trace", "note", "page", ...
    label: str  # what it is, translated: "log", "prompt trace", ...
    title: str
    url: str  # the record's page in the admin
    snippet: str = ""
    at: datetime | None = None
    links: tuple[SearchLink, ...] = ()


@dataclass
class SearchGroup:
    """One module's hits: at most the limit, `more` when there were others."""

    module: str
    name: str
    hits: list[SearchHit] = field(default_factory=list)
    more: bool = False
    error: str = ""  # the module could not be searched now (its server is down)
