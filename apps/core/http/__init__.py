"""HTTP and websocket edges every request passes: the middleware stack (request ids, JSON
errors, overload and database-down 503s, async-capable Django middleware), request context and
thread hand-off, the probes (/alive, /ping, /health, /status), metrics (/metrics), operations
access, login lockout and bad-token throttling, websocket authentication, and the deploy checks
for production settings.
"""
