from apps.core.modules.definition import ModuleConfig, ModuleDefinition, ModuleSetting


class ProbeConfig(ModuleConfig):
    name = "tests.modules.probe"
    label = "probe"
    definition = ModuleDefinition(
        code="probe",
        name="Probe",
        version="1.0.0",
        description="Test-only module that exercises the framework.",
        requires=("core",),
        settings=(
            ModuleSetting("PAGE_SIZE", default=10, cast=int),
            ModuleSetting("WORKERS", default=1, cast=int, restart_required=True),
        ),
        emits=("probe.item.created", "probe.test.event"),
    )
