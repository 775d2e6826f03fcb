"""The module's API views. Its L1 memory's are the kit's (apps.core.memory.viewsets); to add
an action to one, subclass it here and pass it to `memory_routes` in urls.py."""
