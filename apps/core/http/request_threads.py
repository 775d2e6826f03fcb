"""Django's ASGI handler, with each request's sync work on a reused thread.

Django runs each request's sync code (views, signals) on a thread of its own: it enters a fresh
`ThreadSensitiveContext`, whose executor starts a new thread and joins it when the request ends.
Profiled under load, starting and joining those threads was about a tenth of an API write's CPU.
Here each request still gets a thread to itself for its whole length (what Django's thread-
sensitive code relies on: one connection per thread, used by one request at a time), but the
single-thread executors are kept and handed to the next request, as a WSGI server's thread pool
would. At most as many stay as requests ran at once (bounded by COS_MAX_IN_FLIGHT).

A sync view's response is also rendered on the view's own trip to its thread: Django renders a
deferred response (DRF's, a TemplateResponse) in a second trip, which profiled as a large share
of an API write's time on the event loop. Django's own trips for the request_started and
request_finished signals stay (its handler makes them, before and after the view).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import wraps
from typing import Any

import django
from asgiref.sync import ThreadSensitiveContext, iscoroutinefunction
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

    def make_view_atomic(self, view: Callable[..., Any]) -> Callable[..., Any]:
        view = super().make_view_atomic(view)
        # Template response middleware must see the response before it is rendered.
        if iscoroutinefunction(view) or getattr(self, "_template_response_middleware", None):
            return view

        @wraps(view)
        def view_then_render(request: Any, *args: Any, **kwargs: Any) -> Any:
            response = view(request, *args, **kwargs)
            render = getattr(response, "render", None)
            if callable(render) and not iscoroutinefunction(render):
                rendered = render()

                async def already_rendered() -> Any:  # Django awaits it: no second trip
                    return rendered

                response.render = already_rendered  # type: ignore[attr-defined]
            return response

        return view_then_render

    @staticmethod
    def _new_executor() -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="cos-request")


def get_asgi_application() -> ReusedThreadsASGIHandler:
    """django.core.asgi.get_asgi_application, with the handler above."""
    django.setup(set_prefix=False)
    return ReusedThreadsASGIHandler()
