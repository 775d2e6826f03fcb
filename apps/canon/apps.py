from typing import Any

from django.utils.translation import gettext_lazy as _

from apps.core.modules.definition import ModuleConfig, ModuleDefinition, ModuleKind, ModuleSetting


class CanonConfig(ModuleConfig):
    name = "apps.canon"
    label = "canon"
    verbose_name = _("Canon")
    definition = ModuleDefinition(
        code="canon",
        name="Canon",
        version="0.1.0",
        description="L4: the immutable, hash-chained system of record.",
        requires=("core",),
        kind=ModuleKind.CORE,
        settings=(
            ModuleSetting(
                "VERIFY_EVERY",
                default=300,
                cast=int,
                help="Seconds between two periodic checks of the chains.",
            ),
            ModuleSetting(
                "VERIFY_RECENT",
                default=10000,
                cast=int,
                help="How many of each chain's latest rows the periodic check walks.",
            ),
        ),
        emits=(
            "canon.prd.archived",
            "canon.note.archived",
            "canon.trace.archived",
            "canon.link.archived",
        ),
    )
    # The admin's search across modules finds L4 records through this (apps.core.search).
    search_provider = "apps.canon.selectors.search_hits"

    def health_check(self) -> None:
        """Each table answers a query (the default skips unmanaged models, which these are)."""
        for model in self.get_models():
            model._default_manager.exists()

    def status_report(self) -> dict[str, Any] | None:
        from apps.canon import selectors

        return selectors.verification_report()

    def metrics(self) -> Any:
        from apps.canon import selectors

        return selectors.verification_metrics()
