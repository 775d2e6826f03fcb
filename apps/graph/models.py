"""The module's tables.

L1 memory (core's abstract models, made concrete) goes to the module's memory schema,
mem0_graph; the module's own tables go to its main schema,
graph.
"""

from apps.core.db.schemas import schema_table
from apps.core.memory import (
    AbstractBaseLog,
    AbstractEventLog,
    AbstractPromptTrace,
    AbstractScratchNote,
)


class BaseLog(AbstractBaseLog):
    class Meta(AbstractBaseLog.Meta):
        db_table = schema_table("mem0_graph", "base_log")


class EventLog(AbstractEventLog):
    class Meta(AbstractEventLog.Meta):
        db_table = schema_table("mem0_graph", "event_log")


class PromptTrace(AbstractPromptTrace):
    class Meta(AbstractPromptTrace.Meta):
        db_table = schema_table("mem0_graph", "prompt_trace")


class ScratchNote(AbstractScratchNote):
    class Meta(AbstractScratchNote.Meta):
        db_table = schema_table("mem0_graph", "scratch_note")
