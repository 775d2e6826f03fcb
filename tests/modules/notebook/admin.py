from apps.core.memory.admin import register_memory_admin

register_memory_admin("notebook")
