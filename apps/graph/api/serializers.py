"""The module's API shapes. Its L1 memory's are the kit's (apps.core.memory.serializers)."""
