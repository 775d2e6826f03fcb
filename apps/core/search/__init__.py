"""Search across modules: one query, every module's records, grouped by module.

Each module answers through its ModuleConfig (`search()`; apps.core.modules.definition): core
searches every module's L1 memory itself (memory.py), and a module adds what it keeps beyond
L1 with `search_provider`, the dotted path of a function in its selectors.py taking
`(query, limit)` and returning `SearchHit`s. `search_everything()` (run.py) asks each module
the user may view and that is enabled; the admin's page (/admin/cos/search/) and
/api/search/ show the result.

Matching is PostgreSQL full-text search (`websearch_to_tsquery`, the `simple` configuration:
records mix English, French, German and Luxembourgish, so no stemming) against GIN indexes on
the very expression `search_vector()` builds, never a substring scan.
"""

from apps.core.search.terms import (
    MAX_QUERY_LENGTH,
    SEARCH_CONFIG,
    SEARCHABLE_CHARS,
    BadQuery,
    SearchGroup,
    SearchHit,
    SearchLink,
    clean_query,
    search_query,
    search_vector,
    snippet,
)

__all__ = [
    "MAX_QUERY_LENGTH",
    "SEARCHABLE_CHARS",
    "SEARCH_CONFIG",
    "BadQuery",
    "SearchGroup",
    "SearchHit",
    "SearchLink",
    "clean_query",
    "search_query",
    "search_vector",
    "snippet",
]
