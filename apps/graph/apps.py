from django.utils.translation import gettext_lazy as _

from apps.core.modules.definition import ModuleConfig, ModuleDefinition, ModuleSetting


class GraphConfig(ModuleConfig):
    name = "apps.graph"
    label = "graph"
    verbose_name = _("Graph")
    definition = ModuleDefinition(
        code="graph",
        name="Graph",
        version="0.1.0",
        requires=("core",),
        settings=(
            ModuleSetting(
                "NEIGHBOURHOOD_MAX_DEPTH",
                default=3,
                cast=int,
                help="The deepest neighbourhood the graph API answers (hops from the node).",
            ),
        ),
        emits=(
            "mem0.recorded",
            "graph.node.created",
            "graph.node.updated",
            "graph.node.deleted",
            "graph.relationship.created",
            "graph.relationship.deleted",
        ),
    )
