"""Install the uniqueness constraints and indexes every module's node classes declare.

neomodel's `install_all_labels` is not idempotent on ArcadeDB: a second run fails. So rules that
exist (SHOW CONSTRAINTS / SHOW INDEXES, by name) are skipped, each statement says IF NOT EXISTS,
and a failure counts as "already exists" when Neo4j says so by its error code, or, since ArcadeDB
answers a bare SemanticError without saying why, when the rule is there once the statement failed
(another process created it meanwhile).
"""

from __future__ import annotations

from dataclasses import dataclass

from neo4j.exceptions import ClientError

from apps.core.graphdb.connection import cypher
from apps.core.graphdb.discovery import node_types

# Neo4j's codes for a rule that is already there; ArcadeDB says so only in the message.
ALREADY_EXISTS_CODES = {
    "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
    "Neo.ClientError.Schema.ConstraintAlreadyExists",
    "Neo.ClientError.Schema.IndexAlreadyExists",
}


@dataclass(frozen=True)
class SchemaRule:
    kind: str  # "constraint" (unique) or "index"
    label: str
    prop: str

    @property
    def name(self) -> str:
        prefix = "unique" if self.kind == "constraint" else "index"
        return f"{prefix}_{self.label}_{self.prop}"

    @property
    def statement(self) -> str:
        # Labels and property names come from class definitions, never from a request.
        target = f"(n:`{self.label}`)"
        if self.kind == "constraint":
            return (
                f"CREATE CONSTRAINT `{self.name}` IF NOT EXISTS FOR {target} "
                f"REQUIRE n.`{self.prop}` IS UNIQUE"
            )
        return f"CREATE INDEX `{self.name}` IF NOT EXISTS FOR {target} ON (n.`{self.prop}`)"


def declared_rules() -> list[SchemaRule]:
    rules = []
    for label, node_type in node_types().items():
        properties = node_type.node_class.defined_properties(aliases=False, rels=False)
        for name, prop in sorted(properties.items()):
            if getattr(prop, "unique_index", False):
                rules.append(SchemaRule("constraint", label, name))
            elif getattr(prop, "index", False):
                rules.append(SchemaRule("index", label, name))
    return rules


def already_exists(error: ClientError) -> bool:
    return error.code in ALREADY_EXISTS_CODES or "already exists" in str(error.message).lower()


def install_schema() -> list[tuple[SchemaRule, bool]]:
    """Create what is missing; return each rule with whether this call created it."""
    existing = existing_rule_names()
    done = []
    for rule in declared_rules():
        if rule.name in existing:
            done.append((rule, False))
            continue
        try:
            cypher(rule.statement)
        except ClientError as error:
            if not (already_exists(error) or rule.name in existing_rule_names()):
                raise
            done.append((rule, False))
        else:
            done.append((rule, True))
    return done


def existing_rule_names() -> set[str]:
    names = {row["name"] for row in cypher("SHOW CONSTRAINTS")}
    return names | {row["name"] for row in cypher("SHOW INDEXES")}
