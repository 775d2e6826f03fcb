"""Creating and removing modules: `startmodule.py` renders `module_template/` with Django's
TemplateCommand (validation, dry run, migrations, module map, compiled catalogs, all or
nothing); `removemodule.py` takes a module out for good (refusing while other schemas depend on
it) with its schemas, registry row, outbox rows and Redis streams. The management commands are
thin wrappers around these.
"""
