from apps.core.db.schemas import schema_table
from apps.core.memory import (
    AbstractBaseLog,
    AbstractEventLog,
    AbstractPromptTrace,
    AbstractScratchNote,
)


class BaseLog(AbstractBaseLog):
    class Meta(AbstractBaseLog.Meta):
        db_table = schema_table("mem0_notebook", "base_log")


class EventLog(AbstractEventLog):
    class Meta(AbstractEventLog.Meta):
        db_table = schema_table("mem0_notebook", "event_log")


class PromptTrace(AbstractPromptTrace):
    class Meta(AbstractPromptTrace.Meta):
        db_table = schema_table("mem0_notebook", "prompt_trace")


class ScratchNote(AbstractScratchNote):
    class Meta(AbstractScratchNote.Meta):
        db_table = schema_table("mem0_notebook", "scratch_note")
