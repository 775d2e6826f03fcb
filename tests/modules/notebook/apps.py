from apps.core.modules.definition import ModuleConfig, ModuleDefinition


class NotebookConfig(ModuleConfig):
    """Test-only module made of the L1 memory kit alone: core's contract tests
    (apps/core/tests/memory_contract/) run for it as for cc, proving them module-independent."""

    name = "tests.modules.notebook"
    label = "notebook"
    definition = ModuleDefinition(
        code="notebook",
        name="Notebook",
        version="1.0.0",
        description="Test-only module made of the L1 memory kit alone.",
        requires=("core",),
        emits=("mem0.recorded",),
    )
