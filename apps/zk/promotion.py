"""Reading another module's L1 records for promotion into a note (services.promote_l1), and
quoting them in Markdown.

L1 is read through core's kit (apps.core.memory: memory_models, queries) by module code: zk
imports no other module, so any module with L1 memory can be promoted from, now or later.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from apps.core.memory import NoMemory, memory_models, queries
from apps.core.modules import access
from apps.core.modules.registry import get_module_config
from apps.core.modules.settings import module_setting
from apps.zk.exceptions import Forbidden, InvalidInput, NotFound
from apps.zk.models import CitationKind

QUOTE_MAX = 3_000  # characters of one record quoted in the body (the citation keeps it all)


@dataclass(frozen=True)
class Record:
    id: str
    text: str
    recorded_at: datetime
    answer: str = ""  # a prompt trace's response


def max_records() -> int:
    return int(module_setting("zk", "PROMOTE_MAX_RECORDS"))


def read_records(module: str, kind: str, ids: Sequence[str], *, reader: Any = None) -> list[Record]:
    """The records, in the order of `ids` (each once). Refusals in this order: an unknown
    module (404), a reader who may not view it (403), a module without L1 memory, a bad kind or
    too many ids (400), ids that are not records of the module (404, naming them)."""
    try:
        get_module_config(module)
    except LookupError:
        raise NotFound(_("No module '%(module)s'.") % {"module": module[:100]}) from None
    if reader is not None and not access.may_view(reader, module):
        raise Forbidden(_("You may not view module '%(code)s'.") % {"code": module})
    try:
        memory_models(module)
    except NoMemory:
        raise InvalidInput(
            {"module": [_("Module '%(module)s' keeps no L1 memory.") % {"module": module}]}
        ) from None
    if kind not in CitationKind.values:
        raise InvalidInput({"kind": [_("One of %(kinds)s.") % {"kinds": ", ".join(CitationKind)}]})
    wanted = list(dict.fromkeys(str(i) for i in ids))
    if not wanted or len(wanted) > max_records():
        raise InvalidInput({"ids": [_("From 1 to %(max)d record ids.") % {"max": max_records()}]})
    found = _logs(module, wanted) if kind == CitationKind.LOG else _traces(module, wanted)
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(
            _("No %(kind)s of module '%(module)s' with id %(ids)s.")
            % {"kind": kind, "module": module, "ids": ", ".join(m[:64] for m in missing[:10])}
        )
    return [found[i] for i in wanted]


def _logs(module: str, wanted: list[str]) -> dict[str, Record]:
    keys = {}
    for raw in wanted:  # malformed ids are simply not found
        try:
            keys[uuid.UUID(raw)] = raw
        except ValueError:
            continue
    rows = queries.logs(module).filter(pk__in=list(keys))
    return {keys[row.pk]: Record(keys[row.pk], row.message, row.timestamp) for row in rows}


def _traces(module: str, wanted: list[str]) -> dict[str, Record]:
    keys = {int(raw): raw for raw in wanted if raw.isascii() and raw.isdigit() and len(raw) < 19}
    rows: Any = queries.prompt_traces(module).filter(pk__in=list(keys))
    return {
        keys[row.pk]: Record(keys[row.pk], row.prompt_text, row.timestamp, row.response_text)
        for row in rows
    }


def _blockquote(text: str) -> str:
    if len(text) > QUOTE_MAX:
        text = text[:QUOTE_MAX] + " …"
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines() or [""])


def quote(module: str, kind: str, records: list[Record], intro: str = "") -> str:
    """A Markdown body quoting each record, with where and when it was recorded."""
    parts = [intro.strip()] if intro.strip() else []
    for record in records:
        parts.append(_blockquote(record.text))
        if record.answer:
            parts.append(_blockquote(record.answer))
        when = record.recorded_at.isoformat(timespec="seconds")
        parts.append(f"— {module} {kind} `{record.id}`, {when}")
    return "\n\n".join(parts)
