"""DRF glue every module's API uses: token authentication (cached, throttled on failure), the
per-module permission and module-state gate, JSON parsing with COS's input limits, errors in one
shape, pagination, filters, and the OpenAPI schema class (module-prefixed component names and
the documented error responses). Core's own endpoints are in `apps/core/api/`, like a module's.
"""
