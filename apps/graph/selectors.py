"""The module's reads.

Its L1 memory is read through the kit: `apps.core.memory.queries` (logs, prompt traces,
notes, the overview).
"""
