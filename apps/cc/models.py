"""cc's tables. L1 memory (core's abstract models, made concrete) lives in schema mem0_cc."""

from apps.core.memory import (
    AbstractBaseLog,
    AbstractEventLog,
    AbstractPromptTrace,
    AbstractScratchNote,
)
from apps.core.schemas import schema_table


class BaseLog(AbstractBaseLog):
    class Meta(AbstractBaseLog.Meta):
        db_table = schema_table("mem0_cc", "base_log")


class EventLog(AbstractEventLog):
    class Meta(AbstractEventLog.Meta):
        db_table = schema_table("mem0_cc", "event_log")


class PromptTrace(AbstractPromptTrace):
    class Meta(AbstractPromptTrace.Meta):
        db_table = schema_table("mem0_cc", "prompt_trace")


class ScratchNote(AbstractScratchNote):
    class Meta(AbstractScratchNote.Meta):
        db_table = schema_table("mem0_cc", "scratch_note")
