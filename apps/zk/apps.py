from django.utils.translation import gettext_lazy as _

from apps.core.modules.definition import ModuleConfig, ModuleDefinition, ModuleSetting


class ZkConfig(ModuleConfig):
    name = "apps.zk"
    label = "zk"
    verbose_name = _("Zettelkasten")
    definition = ModuleDefinition(
        code="zk",
        name="Zettelkasten",
        version="0.1.0",
        description="L3 memory: curated knowledge notes, linked and citing L1.",
        requires=("core",),
        settings=(
            ModuleSetting(
                "PROMOTE_MAX_RECORDS",
                default=50,
                cast=int,
                help="The most L1 records one promotion may quote.",
            ),
        ),
        emits=(
            "zk.note.created",
            "zk.note.updated",
            "zk.note.deleted",
            "zk.note.promoted",
            "zk.link.created",
            "zk.link.deleted",
        ),
    )
    # The L4 module archives notes through this (apps.core.modules.registry.contract); cc's
    # dashboard shows zk's numbers on its tile through the other.
    contracts = {
        "l3.note": "apps.zk.selectors.note_snapshot",
        "dashboard.counts": "apps.zk.selectors.dashboard_counts",
    }
