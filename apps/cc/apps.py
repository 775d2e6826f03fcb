from django.utils.translation import gettext_lazy as _

from apps.core.modules import ModuleConfig, ModuleDefinition, ModuleKind


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
        emits=(
            "mem0.recorded",
            "cc.module.enabled",
            "cc.module.disabled",
        ),
    )
    # cc keeps the module registry; core reads the states and removemodule forgets a removed
    # module's row through these contracts.
    contracts = {
        "module_states": "apps.cc.selectors.module_states",
        "forget_module": "apps.cc.services.forget_module",
    }

    def ready(self) -> None:
        super().ready()
        from django.db.models.signals import post_migrate

        from apps.cc.services import sync_installed_modules

        post_migrate.connect(sync_installed_modules, sender=self)
