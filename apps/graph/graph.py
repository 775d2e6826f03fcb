"""L2's node types, as in the original system: Module, Prompt, Entity, Concept, Session and
LogEntry. Each node also carries its module's label (`:LogEntry:cc`), set by services.

Every type has a key unique per label, which writes MERGE on so that a replayed event or a
repeated create changes nothing.
"""

from __future__ import annotations

from neomodel import IntegerProperty, JSONProperty, RelationshipTo, StringProperty

from apps.core.graphdb.nodes import GraphNode


class Module(GraphNode):
    merge_key = "code"

    code = StringProperty(unique_index=True, required=True)
    version = StringProperty()
    kind = StringProperty()
    enabled = StringProperty()  # "yes" / "no": booleans do not index alike on both servers

    depends_on = RelationshipTo("Module", "DEPENDS_ON")


class Session(GraphNode):
    """A request (or a job) that caused records: its request id."""

    merge_key = "request_id"

    request_id = StringProperty(unique_index=True, required=True)


class LogEntry(GraphNode):
    """An L1 base log (its event type, level and message)."""

    merge_key = "log_id"
    search_fields = ("name", "message", "event_type")

    log_id = StringProperty(unique_index=True, required=True)  # the base log's UUID
    level = StringProperty(index=True)
    event_type = StringProperty(index=True)
    message = StringProperty()
    event_id = StringProperty()
    recorded_at = StringProperty()  # RFC 3339, as the event envelope carries it

    created_by = RelationshipTo("Module", "CREATED_BY")
    triggered_by = RelationshipTo("Session", "TRIGGERED_BY")


class Prompt(GraphNode):
    """An L1 prompt trace: the prompt that produced a log."""

    merge_key = "log_id"
    search_fields = ("name", "prompt_text")

    log_id = StringProperty(unique_index=True, required=True)  # its base log's UUID
    prompt_text = StringProperty()
    token_count = IntegerProperty()

    flows_to = RelationshipTo("LogEntry", "FLOWS_TO")


class Entity(GraphNode):
    """A thing the work is about (a character, a place, a book)."""

    merge_key = "key"

    key = StringProperty(unique_index=True, required=True)
    properties = JSONProperty()

    references = RelationshipTo("GraphNode", "REFERENCES")


class Concept(GraphNode):
    """An idea or theme that links entities and notes."""

    merge_key = "key"

    key = StringProperty(unique_index=True, required=True)
    description = StringProperty()

    relates_to = RelationshipTo("Concept", "RELATES_TO")
