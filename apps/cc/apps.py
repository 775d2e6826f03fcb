from django.utils.translation import gettext_lazy as _

from apps.core.modules.definition import ModuleConfig, ModuleDefinition, ModuleKind


class CcConfig(ModuleConfig):
    name = "apps.cc"
    label = "cc"
    verbose_name = _("Control Center")
    definition = ModuleDefinition(
        code="cc",
        name="Control Center",
        version="0.1.0",
        description="The gold-standard module: L1 memory, module governance, health and metrics.",
        kind=ModuleKind.CORE,
        requires=("core",),
        emits=("mem0.recorded",),
    )
