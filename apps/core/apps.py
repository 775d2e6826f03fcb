from apps.core.modules.definition import ModuleConfig, ModuleDefinition, ModuleKind


class CoreConfig(ModuleConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "COS core"
    definition = ModuleDefinition(
        code="core",
        name="Core",
        version="0.1.0",
        description="The module framework every COS module stands on: registry, governance, "
        "schemas, engines, health and the serve command.",
        kind=ModuleKind.CORE,
        # Governance's events keep the names they had under cc (apps.core.governance.services).
        emits=("cc.module.enabled", "cc.module.disabled", "cc.module.configured"),
    )

    def ready(self) -> None:
        super().ready()
        from django.db.models.signals import post_migrate

        from apps.core.admin import pages  # noqa: F401  (architecture checks, admin page)
        from apps.core.governance.registration import sync_installed_modules
        from apps.core.http import deploy_checks  # noqa: F401  (check --deploy, COS middleware)
        from apps.core.modules.access import ensure_module_permissions
        from apps.core.telemetry.tracing import configure_from_environment

        post_migrate.connect(ensure_module_permissions, sender=self)
        post_migrate.connect(sync_installed_modules, sender=self)
        # Before any request handler loads the middleware list: Django's instrumentation adds one.
        configure_from_environment()
