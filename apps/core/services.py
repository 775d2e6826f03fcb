"""Core's writes, by concern (each a package of core, one function per action):

- the registry and module states: `apps.core.governance.services` (register, enable, disable);
- L1 memory of any module: `apps.core.memory.recording.log_l1` and `apps.core.memory.notes`;
- events: `apps.core.highway.publisher.publish` (the outbox, in the caller's transaction).
"""
