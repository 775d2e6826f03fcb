"""Django's ASGI handler, with each request's sync work on a reused thread.

Django runs each request's sync code (views, signals) on a thread of its own: it enters a fresh
`ThreadSensitiveContext`, whose executor starts a new thread and joins it when the request ends.
Profiled under load, starting and joining those threads was about a tenth of an API write's CPU.
Here each request still gets a thread to itself for its whole length (what Django's thread-
sensitive code relies on: one connection per thread, used by one request at a time), but the
single-thread executors are kept and handed to the next request, as a WSGI server's thread pool
would. At most as many stay as requests ran at once (bounded by COS_MAX_IN_FLIGHT).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import django
from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler


class ReusedThreadsASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self._idle: list[ThreadPoolExecutor] = []  # touched from the event loop only

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # Django's own refusal
            return
        executor = self._idle.pop() if self._idle else self._new_executor()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self._idle.append(executor)

    @staticmethod
    def _new_executor() -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="cos-request")


def get_asgi_application() -> ReusedThreadsASGIHandler:
    """django.core.asgi.get_asgi_application, with the handler above."""
    django.setup(set_prefix=False)
    return ReusedThreadsASGIHandler()
