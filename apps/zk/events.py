"""The module's events, published by services.py through core's outbox on commit (declared in
apps.py `emits`); zk runs no subscribers or periodic jobs.

    zk.note.created / zk.note.updated   {"id", "title", "tags"} (+ "changed": fields)
    zk.note.deleted                     {"id", "title"} (its links and citations go with it)
    zk.note.promoted                    {"id", "title", "module", "kind", "records": [ids]}
    zk.link.created / zk.link.deleted   {"id", "type", "from", "to", "from_title", "to_title"}

Ids, titles and types are enough for another module (the graph) to mirror notes as Concept
nodes and links as relationships without importing zk.
"""
