"""The module in the admin: its L1 memory and its overview page (the kit's), and the picture of
the graph (/admin/cos/graph-map/): find a node, see its neighbourhood, click to expand.

The page draws with cytoscape.js (core's static/core/vendor, shared with the Architecture page)
from the Graph API's JSON, as the user signed in to the admin; every module's overview links to
it with ?module=<code>."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core.admin.site import register_page
from apps.core.graphdb.discovery import node_types
from apps.core.graphdb.nodes import RELATIONSHIP_TYPES
from apps.core.memory.admin import register_memory_admin

register_memory_admin("graph")


# What the page's script says (translated here: the script has no gettext).
MAP_TEXTS = {
    "searching": _("Searching…"),
    "loading": _("Loading the neighbourhood…"),
    "noResults": _("No node matches."),
    "found": _("%(count)s nodes found."),
    "shown": _("%(nodes)s nodes and %(relationships)s relationships shown."),
    "truncated": _("Only part of the neighbourhood is shown: it is large."),
    "unavailable": _("The graph is unavailable for now; try again shortly."),
    "notFound": _("That node no longer exists."),
    "failed": _("The graph could not be read (error %(status)s)."),
    "noModule": _("The module %(module)s has no node in the graph yet."),
    "nothing": _("Search for a node to draw its neighbourhood."),
}


@staff_member_required
def graph_map_view(request: HttpRequest) -> HttpResponse:
    """The page; the browser fetches the nodes. ?module=<code> or ?node=<uid> says where to
    start."""
    context = {
        **admin.site.each_context(request),
        "title": _("Graph map"),
        "labels": sorted(node_types()),
        "map_config": {
            "api": reverse("graph:api-root"),
            "labels": sorted(node_types()),
            "relationshipTypes": list(RELATIONSHIP_TYPES),
            "module": request.GET.get("module", ""),
            "node": request.GET.get("node", ""),
        },
        "map_texts": {key: str(text) for key, text in MAP_TEXTS.items()},
    }
    return TemplateResponse(request, "graph/admin/graph_map.html", context)


register_page("graph-map", graph_map_view, _("Graph map"), module="graph", each_module=True)
