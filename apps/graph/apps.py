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
    # Core's search of L1 links each log to its node through this (apps.core.search.memory).
    contracts = {"graph.log_node_url": "apps.graph.selectors.log_node_url"}
    # The admin's search across modules finds graph nodes through this (apps.core.search).
    search_provider = "apps.graph.selectors.search_hits"
