"""The graph in the admin's search across modules: its nodes (GraphConfig.search_provider),
each drawn on the graph map, and the `graph.log_node_url` contract through which core's L1
search links a log to its node."""

import pytest
from django.contrib.auth.models import User

from apps.core.memory.recording import log_l1
from apps.core.search.run import search_everything
from apps.core.testing import grant, grant_admin_views
from apps.graph.sync import node_uid

pytestmark = pytest.mark.django_db


def viewer(*modules):
    user = User.objects.create_user("viewer", is_staff=True)
    for module in modules:
        user = grant(user, module)
    return grant_admin_views(user, *modules)


def test_nodes_are_found_and_lead_to_the_graph_map(graph):
    graph(
        "CREATE (:LogEntry {uid: 'n-1', log_id: 'l-1', module: 'cc', "
        "name: 'chapter.drafted', message: 'The lighthouse chapter'})"
    )

    [group] = search_everything(viewer("graph"), "lighthouse")

    [hit] = group.hits
    assert (group.module, hit.kind, hit.title) == ("graph", "node", "chapter.drafted")
    assert hit.url == "/admin/cos/graph-map/?node=n-1"


def test_a_log_links_to_its_node_for_those_who_may_view_the_graph(graph):
    recorded = log_l1("cc", "chapter.drafted", "The lighthouse chapter")
    node = f"/admin/cos/graph-map/?node={node_uid('LogEntry', str(recorded.base_log.pk))}"

    def links(user):
        [group] = [g for g in search_everything(user, "lighthouse") if g.module == "cc"]
        return [link.url for hit in group.hits for link in hit.links]

    assert links(viewer("cc", "graph")) == [node]
    User.objects.all().delete()
    assert links(viewer("cc")) == []
