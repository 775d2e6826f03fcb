from apps.core.modules.definition import ModuleConfig, ModuleDefinition


class SidecarConfig(ModuleConfig):
    """Test-only module that requires probe: governance tests need a dependent module."""

    name = "tests.modules.sidecar"
    label = "sidecar"
    definition = ModuleDefinition(
        code="sidecar",
        name="Sidecar",
        version="1.0.0",
        description="Test-only module that requires probe.",
        requires=("core", "probe"),
    )
