from django.utils.translation import gettext_lazy as _

from apps.core.modules.definition import ModuleConfig, ModuleDefinition


class GraphConfig(ModuleConfig):
    name = "apps.graph"
    label = "graph"
    verbose_name = _("Graph")
    definition = ModuleDefinition(
        code="graph",
        name="Graph",
        version="0.1.0",
        requires=("core",),
        emits=("mem0.recorded",),
    )
