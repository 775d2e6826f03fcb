"""Architecture of COS modules, read from their code: the rules every module keeps (system checks
cos.E001-E006, `manage.py modulecheck`, the admin's Architecture page) and the module map
(`manage.py modulemap`, `apps/<code>/module_map.yaml`).

- `sources`: a module as the rules see it (folder, package, definition, installed config).
- `code`: what `ast` tells about a module's Python files (imports, calls, string constants).
- `rules`: the rules, pure functions over a module source.
- `modulemap`: the module map, built from the code and rendered as YAML.
- `checks`: the Django system check that runs the rules for the installed modules.
"""
