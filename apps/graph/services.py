"""The module's writes, one function per action.

Its L1 memory is written through the kit: `apps.core.memory.recording.log_l1(<code>, ...)`
and `apps.core.memory.notes`.
"""
