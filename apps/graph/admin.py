"""The module in the admin: its L1 memory and its overview page (the kit's)."""

from apps.core.memory.admin import register_memory_admin

register_memory_admin("graph")
