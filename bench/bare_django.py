"""A bare Django app, the yardstick of bench/http_load.py: no installed apps, no middleware, no
database, one async view returning JSON at /alive, served by uvicorn with the options of
`manage.py serve` (apps/core/management/commands/serve.py `_run_server`: lifespan off, log level
info, websockets-sansio, HTTP protocol "auto", i.e. httptools when installed).

    uv run python -m bench.bare_django --port 8001 [--workers 2] [--loop serve|asyncio|uvloop]

`--loop serve` (the default) runs the loop as serve does: uvloop when installed (serve's
`run_loop` with one worker; uvicorn's supervisor, loop "auto", with more). `asyncio` or `uvloop`
force one loop. Keep this in step with serve when it changes.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import django
from django.conf import settings

APP = "bench.bare_django:application"

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-bare-django-not-a-secret",  # noqa: S106
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF="bench.bare_django",
        INSTALLED_APPS=[],
        MIDDLEWARE=[],
        DATABASES={},
        USE_TZ=True,
    )
    django.setup()

from django.core.asgi import get_asgi_application  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402


async def alive(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [path("alive", alive)]
application = get_asgi_application()


def uvicorn_options(port: int, workers: int, loop: str) -> dict[str, Any]:
    if loop == "serve":
        loop = "auto"
    return {
        "host": "127.0.0.1",
        "port": port,
        "lifespan": "off",
        "log_level": "info",
        "ws": "websockets-sansio",
        "workers": workers,
        "loop": loop,
    }


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--loop", choices=["serve", "asyncio", "uvloop"], default="serve")
    args = parser.parse_args()
    options = uvicorn_options(args.port, args.workers, args.loop)
    if args.workers > 1:
        uvicorn.run(APP, **options)  # uvicorn's supervisor and worker processes
        return
    server = uvicorn.Server(uvicorn.Config(APP, **options))
    if args.loop == "asyncio":
        asyncio.run(server.serve())
    else:
        server.run()


if __name__ == "__main__":
    main()
