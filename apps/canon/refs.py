"""The node references a memory link joins: a graph node's uid (32 hex digits) or
"<module>:<kind>:<id>" (e.g. "cc:log:1b2c...", "zk:note:5f1e...", "canon:prd:onboarding").

The canon's own references name what it holds: "canon:prd:<prd key>", "canon:trace:<id>",
"canon:note:<L3 note id>" (an archived note). Other modules' references are kept as given.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

GRAPH_UID = re.compile(r"^[0-9a-f]{32}$")
MODULE_REF = re.compile(
    r"^(?P<module>[a-z][a-z0-9_]*):(?P<kind>[a-z][a-z0-9_]*):(?P<id>[^\s:]{1,200})$"
)
CANON = "canon"
CANON_KINDS = ("prd", "trace", "note")


class Ref(NamedTuple):
    module: str
    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.module}:{self.kind}:{self.id}"


def parse(value: str) -> Ref | None:
    """The module reference `value` names, None for a graph uid or anything else."""
    found = MODULE_REF.match(value)
    return None if found is None else Ref(found["module"], found["kind"], found["id"])


def is_valid(value: str) -> bool:
    return bool(GRAPH_UID.match(value)) or parse(value) is not None


def exists_in_canon(value: str) -> bool:
    """False for a canon reference to nothing; True for every other reference (the canon cannot
    see into other modules or the graph)."""
    from apps.canon.models import ArchivedNote, EventTrace, PrdLog

    ref = parse(value)
    if ref is None or ref.module != CANON:
        return True
    if ref.kind == "prd":
        return PrdLog.objects.filter(prd_key=ref.id).exists()
    if ref.kind == "trace":
        return (
            ref.id.isascii()  # not "²" or "٣": str.isdigit() takes them, int() chokes or differs
            and ref.id.isdigit()
            and not ref.id.startswith("0")  # "007" would name trace 7 under another reference
            and len(ref.id) <= 18
            and EventTrace.objects.filter(pk=int(ref.id)).exists()
        )
    if ref.kind == "note":
        return ArchivedNote.objects.filter(note_id=ref.id).exists()
    return False


def prd(key: str) -> str:
    return str(Ref(CANON, "prd", key))


def trace(trace_id: int) -> str:
    return str(Ref(CANON, "trace", str(trace_id)))


def note_id_of(value: str) -> str | None:
    """The L3 note id a reference names ("<module>:note:<id>", "canon:note:<id>"), else None."""
    ref = parse(value)
    return None if ref is None or ref.kind != "note" else ref.id


def citation_refs(snapshot: dict[str, Any]) -> list[str]:
    """An L3 note snapshot's citations of L1 records, as "<module>:<kind>:<id>"."""
    return [
        f"{c.get('module')}:{c.get('kind')}:{c.get('id')}"
        for c in snapshot.get("citations") or []
        if isinstance(c, dict)
    ]
