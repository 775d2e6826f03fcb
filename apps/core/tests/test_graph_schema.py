"""The graph's schema (apps/core/graphdb/schema.py): installed from the node classes modules
declare in graph.py, idempotently, on the graph server in use."""

import pytest
from django.core.management import call_command
from neo4j.exceptions import ClientError
from neomodel.exceptions import ConstraintValidationFailed

from apps.core.graphdb.discovery import node_types
from apps.core.graphdb.schema import declared_rules, existing_rule_names, install_schema


def test_node_types_are_discovered_from_each_modules_graph_py():
    types = node_types()
    assert {"Module", "Session", "LogEntry", "Prompt", "Entity", "Concept"} <= set(types)
    assert types["LogEntry"].module == "graph"


def test_every_type_has_a_unique_uid_and_its_merge_key_unique():
    rules = {(rule.kind, rule.label, rule.prop) for rule in declared_rules()}
    for label, node_type in node_types().items():
        assert ("constraint", label, "uid") in rules
        if node_type.node_class.merge_key:
            assert ("constraint", label, node_type.node_class.merge_key) in rules


def test_installing_twice_creates_nothing_the_second_time(graph):
    install_schema()
    second = install_schema()
    assert second and not any(created for _, created in second)
    assert {rule.name for rule in declared_rules()} <= existing_rule_names()


def test_graphschema_command_reports_what_exists(graph, capsys):
    call_command("graphschema")
    assert "0 created" in capsys.readouterr().out.splitlines()[-1]


def test_a_unique_key_is_enforced_across_module_labels(graph):
    install_schema()
    graph("CREATE (n:LogEntry:cc {uid: 'a', log_id: 'same', module: 'cc'})")
    with pytest.raises(ConstraintValidationFailed):  # neomodel names it on both servers
        graph("CREATE (n:LogEntry:graph {uid: 'b', log_id: 'same', module: 'graph'})")
    assert graph("MATCH (n:LogEntry {log_id: 'same'}) RETURN count(n) AS n")[0]["n"] == 1


@pytest.mark.neo4j
def test_neo4j_names_an_existing_rule_by_its_error_code(graph):
    """Neo4j says "already exists" by code (ArcadeDB answers a bare SemanticError)."""
    install_schema()
    rule = declared_rules()[0]
    with pytest.raises(ClientError) as raised:
        graph(rule.statement.replace(" IF NOT EXISTS", ""))
    assert raised.value.code.startswith("Neo.ClientError.Schema.")
