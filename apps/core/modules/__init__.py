"""Modules: what a COS module is and how the project finds and mounts it.

`definition.py` is the module definition (`ModuleDefinition`, `ModuleConfig`, the code rules);
`discovery.py` finds the packages under apps/ that define one; `registry.py` answers which
modules are installed, in dependency order, and their contracts; `settings.py` reads a module's
run-time settings from `COS_<CODE>__<SETTING>`; `mounting.py` puts each module's API under
/api/<code>/ and its websocket routes under /ws/; `access.py` names the per-module view and
write permissions every surface checks.
"""
