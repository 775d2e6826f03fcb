"""cc's writes, one function per action.

cc has none of its own today: its L1 memory is written through the kit
(`apps.core.memory.recording.log_l1`, `apps.core.memory.notes`) and the registry, module states and
their audit trail through core's governance (`apps.core.governance.services`), which cc's
console (API, admin, dashboard) calls.
"""
