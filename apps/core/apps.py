from apps.core.modules import ModuleConfig, ModuleDefinition, ModuleKind


class CoreConfig(ModuleConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "COS core"
    definition = ModuleDefinition(
        code="core",
        name="Core",
        version="0.1.0",
        description="The module framework every COS module stands on: registry, schemas, "
        "engines, health and the serve command.",
        kind=ModuleKind.CORE,
    )
