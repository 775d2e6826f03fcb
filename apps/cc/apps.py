from apps.core.modules import ModuleConfig, ModuleDefinition, ModuleKind


class CcConfig(ModuleConfig):
    name = "apps.cc"
    label = "cc"
    verbose_name = "Control Center"
    definition = ModuleDefinition(
        code="cc",
        name="Control Center",
        version="0.1.0",
        description="The gold-standard module: L1 memory, module governance, health and metrics.",
        requires=("core",),
        kind=ModuleKind.CORE,
        emits=("mem0.recorded",),
    )
