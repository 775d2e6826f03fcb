"""The L2 graph kit: neomodel configured from settings, the base of every module's node classes,
discovery of each module's `graph.py`, the schema installer and the graph's errors.

Modules declare nodes in their own `graph.py` (subclasses of `nodes.GraphNode`); the graph module
(apps/graph) owns the API, the L1 → L2 sync and the admin picture. The server is Neo4j 5 when
NEO4J_URL is set, else the embedded ArcadeDB (apps/core/runtime/graph_server.py).
"""
