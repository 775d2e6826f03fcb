"""`manage.py demo`'s shared story: what every module's demo part (its `demo.py`) writes about,
and the L1 records they leave, so that the next part can build on them.

The story: an author, Ada Marlow, plans a hundred books; agents draft the first chapters (L1
logs with their prompt traces in cc), a translator agent writes the plan's public page in four
languages (cms), the graph is built from those records (L2), a note quotes the drafts (L3,
zk) and the canon keeps the plan, the note and the link between them (L4).

Every demo record carries a stable natural key, so that a second run finds it and adds nothing:
an L1 log has `payload["demo"]`, other records a key of their module's own (a note's source, a
page's slug, a PRD's key) named in its `demo.py`. Anything else is the operator's own data, which
`manage.py demo` refuses to write beside unless told `--force` (`real_data`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from apps.core.memory import NoMemory, memory_models, memory_modules
from apps.core.memory.recording import log_l1

DEMO_KEY = "demo"  # the L1 payload key that marks a demo log
DEMO_AGENT = "cos-demo"  # the agent named on the demo's records where a module keeps one
DEMO_SOURCE = "demo:"  # the prefix of a demo record's source where a module keeps one
AUTHOR_USERNAME = "demo-author"
AUTHOR_NAME = ("Ada", "Marlow")
PLAN_KEY = "hundred-books"
PLAN_TITLE = "The Hundred Books"
PLAN_SUMMARY = (
    "One hundred novels about the lighthouse towns of the North Sea coast, written one a "
    "season: book 1, The Keeper's Daughter, opens in Harlingen in the winter of 1911."
)
FIRST_BOOK = "The Keeper's Daughter"
CHAPTERS = (
    (1, "The lamp", "Marit climbs to the lamp room on the night her father does not come home."),
    (2, "The harbour", "The harbour master refuses to send the lifeboat out in the storm."),
    (3, "The ferry", "A ferry captain brings news of a light seen on the sandbank."),
)


@dataclass
class DemoStory:
    """What the demo's parts share while it runs."""

    author: Any  # the User the story belongs to
    # module code -> demo key -> the id of that module's demo L1 log
    l1: dict[str, dict[str, str]] = field(default_factory=dict)
    # Other records the parts share, by natural key (e.g. "zk:note:harbour-motif" -> its id).
    refs: dict[str, str] = field(default_factory=dict)
    # Outbox rows written after this id are this run's events (apps/graph/demo.py replays them).
    outbox_after: int = 0
    created: dict[str, int] = field(default_factory=dict)  # what was added, by kind
    said: list[str] = field(default_factory=list)  # what the command says at the end
    warnings: list[str] = field(default_factory=list)  # and what it warns of

    def count(self, kind: str, added: int = 1) -> None:
        self.created[kind] = self.created.get(kind, 0) + added

    def log(
        self,
        module: str,
        key: str,
        event_type: str,
        message: str,
        *,
        payload: dict[str, Any] | None = None,
        prompt: dict[str, Any] | None = None,
        level: str = "info",
    ) -> str:
        """The id of `module`'s demo log `key`, written through core's memory kit unless an
        earlier run wrote it."""
        found = demo_logs(module).filter(**{f"payload__{DEMO_KEY}": key}).first()
        if found is None:
            recorded = log_l1(
                module,
                event_type,
                message,
                payload={**(payload or {}), DEMO_KEY: key},
                prompt=prompt,
                level=level,
            )
            log_id = recorded.base_log_id
            self.count(f"L1 logs ({module})")
        else:
            log_id = str(found.pk)
        self.l1.setdefault(module, {})[key] = log_id
        return log_id


def demo_logs(module: str) -> Any:
    """The module's L1 logs (a QuerySet of its base log)."""
    return memory_models(module).base_log._default_manager.all()


def real_l1_logs(modules: Iterable[str] | None = None) -> int:
    """How many L1 logs of installed modules are not the demo's."""
    total = 0
    for module in modules if modules is not None else memory_modules():
        try:
            logs = demo_logs(module)
        except NoMemory:
            continue
        total += logs.exclude(payload__has_key=DEMO_KEY).count()
    return total
