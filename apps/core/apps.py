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

    def ready(self) -> None:
        super().ready()
        from django.db.models.signals import post_migrate

        from apps.core import (
            admin_views,  # noqa: F401  (architecture checks, admin page)
            deploy_checks,  # noqa: F401  (check --deploy with COS middleware)
        )
        from apps.core.access import ensure_module_permissions

        post_migrate.connect(ensure_module_permissions, sender=self)
