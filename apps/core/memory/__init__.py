"""L1 memory, the kit every module with memory uses instead of copying it.

A module makes core's abstract tables concrete in its `mem0_<code>` schema (models.py) and then
registers the rest in one line each: `memory_routes(router, code)` in api/urls.py (logs, prompt
traces, notes, health), `register_memory_admin(code)` in admin.py (read-only records, notes and
the overview page at /admin/cos/<code>/), `note_cleanup_job(code)` in events.py (the hourly
cleanup of expired notes). Everything the kit does is found through the module's code
(`memory_models`), so a fix here reaches every module at once. Its reads are queries.py, its
writes log_l1 (recording.py) and notes.py; the behaviour every module gets is specified
once by the contract tests in apps/core/tests/memory_contract/.
"""

# default_note_expiry: migrations name it as apps.core.memory.default_note_expiry.
from apps.core.memory.models import (
    SCRATCH_NOTE_TTL,
    AbstractBaseLog,
    AbstractEventLog,
    AbstractPromptTrace,
    AbstractScratchNote,
    Level,
    MemoryModels,
    NoMemory,
    default_note_expiry,
    memory_models,
    memory_modules,
)

__all__ = [
    "SCRATCH_NOTE_TTL",
    "AbstractBaseLog",
    "AbstractEventLog",
    "AbstractPromptTrace",
    "AbstractScratchNote",
    "Level",
    "MemoryModels",
    "NoMemory",
    "default_note_expiry",
    "memory_models",
    "memory_modules",
]
