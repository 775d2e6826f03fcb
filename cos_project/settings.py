"""COS settings: everything comes from the environment (django-environ).

DATABASE_URL and REDIS_URL are set by the caller, or by the embedded engines that the entry points
start when they are missing (apps/core/runtime/engines.py). Modules are discovered under apps/.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from django.core.exceptions import ImproperlyConfigured

from apps.core.modules.discovery import discover_modules, installed_apps_for
from apps.core.modules.settings import settings_from_environment
from apps.core.telemetry.log_config import FORMATS as LOG_FORMATS
from apps.core.telemetry.log_config import TEXT, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

VAR_DIR = Path(env("COS_VAR_DIR", default=str(BASE_DIR / "var"))).resolve()


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under var/."""
    if "SECRET_KEY" in os.environ:
        return env("SECRET_KEY")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- HTTPS, HSTS, cookies (`check --deploy` passes with the defaults) ---------------------------
# COS_HTTPS: the site is reached over HTTPS (directly or behind a TLS proxy). By default it is
# when DEBUG is off and ALLOWED_HOSTS names a host beyond this machine: then every setting below
# defaults to its production value. Plain HTTP on localhost (the quick start, the tests,
# docker compose) keeps working. Each setting can be set on its own.
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "testserver"}
COS_HTTPS = env.bool("COS_HTTPS", default=not DEBUG and not set(ALLOWED_HOSTS) <= _LOCAL_HOSTS)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=COS_HTTPS)
# Probes stay reachable on plain HTTP: load balancers and container health checks call them.
SECURE_REDIRECT_EXEMPT = env.list(
    "SECURE_REDIRECT_EXEMPT", default=[r"^alive/?$", r"^ping/?$", r"^health/?$"]
)
# Behind a TLS proxy: the header that says the request came over HTTPS, e.g.
# `HTTP_X_FORWARDED_PROTO,https` (without it, SECURE_SSL_REDIRECT redirects forever).
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) if _proxy_ssl_header else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if COS_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=COS_HTTPS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=COS_HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = env.bool("SECURE_CONTENT_TYPE_NOSNIFF", default=True)
SECURE_REFERRER_POLICY = env.str("SECURE_REFERRER_POLICY", default="same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = env.str(
    "SECURE_CROSS_ORIGIN_OPENER_POLICY", default="same-origin"
)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=COS_HTTPS)
SESSION_COOKIE_HTTPONLY = env.bool("SESSION_COOKIE_HTTPONLY", default=True)
SESSION_COOKIE_SAMESITE = env.str("SESSION_COOKIE_SAMESITE", default="Lax")
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=COS_HTTPS)
CSRF_COOKIE_SAMESITE = env.str("CSRF_COOKIE_SAMESITE", default="Lax")
X_FRAME_OPTIONS = env.str("X_FRAME_OPTIONS", default="DENY")
# COS runs subclasses of these three (apps/core/http/django_middleware.py), which Django's checks
# do not recognise by name: apps.core.http.deploy_checks runs those checks on COS's classes instead.
SILENCED_SYSTEM_CHECKS = ["security.W001", "security.W002", "security.W003"]

# --- Modules -----------------------------------------------------------------------------------
# Every package under apps/ with a module definition is installed, in dependency order.
# COS_TEST_MODULES=1 (set by the test suite) also installs the probe modules under tests/modules/.
_module_locations = [(BASE_DIR / "apps", "apps")]
if env.bool("COS_TEST_MODULES", default=False):
    _module_locations.append((BASE_DIR / "tests" / "modules", "tests.modules"))
COS_MODULES = discover_modules(*_module_locations)
COS_MODULE_SETTINGS = settings_from_environment()

INSTALLED_APPS = [
    "apps.core.admin.site.COSAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served from here, not from a CDN
    "django_filters",
    "channels",
    "axes",
    *installed_apps_for(COS_MODULES),
]

# Every middleware runs on the event loop under ASGI (no thread hand-off per request): Django's
# and WhiteNoise's own classes through the subclasses in apps/core/http/django_middleware.py.
MIDDLEWARE = [
    "apps.core.http.metrics.metrics_middleware",
    "apps.core.http.middleware.request_id_middleware",
    "apps.core.http.middleware.api_json_errors_middleware",
    "apps.core.http.overload.DatabaseUnavailableMiddleware",
    "apps.core.http.django_middleware.SecurityMiddleware",
    "apps.core.http.django_middleware.WhiteNoiseMiddleware",
    "apps.core.http.django_middleware.SessionMiddleware",
    "apps.core.http.django_middleware.LocaleMiddleware",
    "apps.core.http.django_middleware.CommonMiddleware",
    "apps.core.http.django_middleware.CsrfViewMiddleware",
    "apps.core.http.django_middleware.AuthenticationMiddleware",
    "apps.core.http.django_middleware.MessageMiddleware",
    "apps.core.http.django_middleware.XFrameOptionsMiddleware",
    "apps.core.http.middleware.disabled_module_admin_middleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into 429
]
# HTTP requests one process works on at once; past it, 503 + Retry-After at once
# (apps.core.http.overload.InFlightLimit).
COS_MAX_IN_FLIGHT = env.int("COS_MAX_IN_FLIGHT", default=128)

ROOT_URLCONF = "cos_project.urls"
ASGI_APPLICATION = "cos_project.asgi.application"
WSGI_APPLICATION = "cos_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Engines ----------------------------------------------------------------------------------
_database = env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/cos")
# django-environ keeps a socket folder percent-encoded (postgres://%2Fpath/db): decode it.
_database["HOST"] = unquote(_database.get("HOST", ""))
_database["ENGINE"] = "apps.core.db.postgres"
# A bounded pool (psycopg_pool through Django): a burst of requests waits for one of
# DATABASE_POOL_MAX_SIZE connections instead of opening one each until PostgreSQL refuses
# ("too many clients"). Pooled connections idle for over a second are checked before use
# (CONN_HEALTH_CHECKS; apps/core/db/postgres/base.py): after a PostgreSQL restart, at most one
# request per connection used in the second before it is answered 503 (the connection is then
# replaced). Pooling requires CONN_MAX_AGE = 0.
_database["CONN_MAX_AGE"] = 0
_database["CONN_HEALTH_CHECKS"] = True
_database_options = _database.setdefault("OPTIONS", {})
_database_options.setdefault("connect_timeout", 5)
# A PostgreSQL host that vanishes from the network (no reset, no refusal) is noticed within
# seconds, not the kernel's ~15 minutes: requests answer 503 instead of hanging.
for _option, _value in {
    "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3,
    "tcp_user_timeout": 10_000,  # ms
}.items():  # fmt: skip
    _database_options.setdefault(_option, _value)
if env.bool("DATABASE_POOL", default=True):
    _database_options["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=16),
        # Seconds a request waits for a free connection before it is answered 503.
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=3.0),
        # A failed connection attempt gives up after this long, so the next request tries
        # afresh: after an outage the pool reconnects at once, not at its back-off's pace.
        "reconnect_timeout": 2.0,
    }
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Shared by every worker process (the bad-token counts of apps.core.http.token_failures).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cos",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}
# The graph server (L2): Neo4j 5, or the embedded ArcadeDB that provide() starts when unset.
NEO4J_URL = env("NEO4J_URL", default="")
# Seconds to connect to the graph server or retry a transaction before answering 503.
COS_GRAPH_TIMEOUT = env.float("COS_GRAPH_TIMEOUT", default=5.0)
COS_HEALTH_TIMEOUT = env.float("COS_HEALTH_TIMEOUT", default=2.0)

# --- Event highway (apps/core/highway) ---------------------------------------------------------
# Module governance: how long a process trusts its cached enabled/disabled states.
COS_MODULE_STATE_CACHE_S = env.float("COS_MODULE_STATE_CACHE_S", default=2.0)

COS_EVENTS = {
    # Approximate number of entries each channel's stream keeps (XADD MAXLEN ~).
    "STREAM_MAXLEN": env.int("COS_EVENTS_STREAM_MAXLEN", default=100_000),
    "REDIS_TIMEOUT": env.float("COS_REDIS_TIMEOUT", default=5.0),  # seconds per operation
    "BREAKER_FAILURES": env.int("COS_BREAKER_FAILURES", default=3),
    "BREAKER_RECOVERY": env.float("COS_BREAKER_RECOVERY", default=30.0),  # seconds open
    "BREAKER_SUCCESSES": env.int("COS_BREAKER_SUCCESSES", default=2),  # to close from half-open
    "RELAY_INTERVAL": env.float("COS_RELAY_INTERVAL", default=1.0),  # seconds between sweeps
    "RELAY_BATCH": env.int("COS_RELAY_BATCH", default=500),
    "OUTBOX_RETENTION": env.float("COS_OUTBOX_RETENTION", default=86400.0),  # seconds
    "SUBSCRIBER_MAX_ATTEMPTS": env.int("COS_SUBSCRIBER_MAX_ATTEMPTS", default=5),
    "LIVEFEED_HEARTBEAT": env.float("COS_LIVEFEED_HEARTBEAT", default=25.0),  # seconds
    # "hub": each server process reads the streams once and hands every socket the same frame
    # (apps/core/highway/livefeed_hub.py); "channel_layer": one channel-layer message per
    # socket, the earlier design, kept for bench/fanout.py's comparison (docs/benchmarks.md).
    "LIVEFEED_DELIVERY": env.str("COS_LIVEFEED_DELIVERY", default="hub"),
    # Frames a live-feed socket may leave unread before it is cut off (close code 4408).
    "LIVEFEED_QUEUE": env.int("COS_LIVEFEED_QUEUE", default=1000),
    # serve and runsubscribers run the relay and subscribers; tests drive them directly.
    "RUN_IN_SERVE": env.bool("COS_EVENTS_RUN_IN_SERVE", default=True),
}
if COS_EVENTS["LIVEFEED_DELIVERY"] not in ("hub", "channel_layer"):
    _delivery = COS_EVENTS["LIVEFEED_DELIVERY"]
    raise ImproperlyConfigured(f"COS_LIVEFEED_DELIVERY must be hub or channel_layer: {_delivery!r}")

# COS_CHANNEL_LAYER picks channels-redis' layer. "pubsub" (the default) won on the numbers in
# docs/benchmarks.md: no drops when fanning out to 1,000 websockets, and no group membership
# kept in Redis (the "core" layer's stale members after a crash slow every group send until
# they expire). "core" bounds each websocket's backlog (capacity) and drops beyond it.
_CHANNEL_LAYER_BACKENDS = {
    "core": ("channels_redis.core.RedisChannelLayer", {"capacity": 1000, "expiry": 60}),
    "pubsub": ("channels_redis.pubsub.RedisPubSubChannelLayer", {}),
}
_layer_name = env.str("COS_CHANNEL_LAYER", default="pubsub")
if _layer_name not in _CHANNEL_LAYER_BACKENDS:
    raise ImproperlyConfigured(f"COS_CHANNEL_LAYER must be core or pubsub, not {_layer_name!r}.")
_layer_backend, _layer_options = _CHANNEL_LAYER_BACKENDS[_layer_name]
# redis-py's asyncio pool allows 100 connections and then raises; the layer needs about one per
# websocket joining or leaving a group at the same moment.
_layer_host = {
    "address": REDIS_URL,
    "max_connections": env.int("COS_CHANNEL_LAYER_MAX_CONNECTIONS", default=2000),
}
CHANNEL_LAYERS = {
    "default": {"BACKEND": _layer_backend, "CONFIG": {"hosts": [_layer_host], **_layer_options}}
}

# --- Auth, i18n, static -----------------------------------------------------------------------
# Pages for people (`/`, the API docs) send visitors to the admin's sign-in.
LOGIN_URL = "admin:login"
# A Prometheus scraper's `Authorization: Bearer <token>` for /metrics (apps.core.http.operations).
COS_METRICS_TOKEN = env.str("COS_METRICS_TOKEN", default="")
# Failed admin sign-ins (django-axes, counted in the database, per client address): past the
# limit, 429 until the cool-off has passed; a successful sign-in clears the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("COS_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(seconds=env.float("COS_LOGIN_COOLOFF", default=900.0))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "apps.core.http.login_lockout.lockout_response"
# Bad API and websocket tokens, per client address (apps.core.http.token_failures).
COS_TOKEN_FAILURES = {
    "LIMIT": env.int("COS_TOKEN_FAILURE_LIMIT", default=20),
    "COOLOFF": env.int("COS_TOKEN_COOLOFF", default=300),  # seconds
}
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("de", "Deutsch"), ("lb", "Lëtzebuergesch")]
# The project's messages, then what other projects' catalogs lack or get wrong (Django's admin
# in Luxembourgish, "Auth Token" in German): both win over the installed apps' catalogs.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "upstream"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve app and project static files straight from their folders: `serve` needs no collectstatic.
WHITENOISE_USE_FINDERS = True

# --- API --------------------------------------------------------------------------------------
# Seconds a process trusts a token it has looked up (apps/core/rest/authentication.py): a token
# deleted, or its user deactivated, in another process stops working within this time. 0: no cache.
COS_TOKEN_CACHE_S = env.float("COS_TOKEN_CACHE_S", default=5.0)
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header turns "not logged in" into 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.core.rest.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Signed in, the module enabled, and the module's view (reads) or write permission.
    "DEFAULT_PERMISSION_CLASSES": ["apps.core.rest.permissions.ModuleAccess"],
    # JSON, forms and uploads, each refusing what COS cannot store (apps/core/rest/limits.py).
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.rest.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Component names per module and the errors of every operation (apps/core/rest/schema.py).
    "DEFAULT_SCHEMA_CLASS": "apps.core.rest.schema.ModuleAutoSchema",
    "EXCEPTION_HANDLER": "apps.core.rest.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "COS API",
    "DESCRIPTION": "The Creative Operating System: one API per module under /api/<module>/.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The document is for signed-in users and agents: anonymously 401 (token auth comes first).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # The parts' up/down appears in several modules' health answers: one enum for all.
    "ENUM_NAME_OVERRIDES": {"PartHealthStatusEnum": "apps.core.http.health.PART_STATUSES"},
}

# --- Logging ----------------------------------------------------------------------------------
# LOG_FORMAT=json: one JSON object per line (apps.core.telemetry.logs); text by default.
LOG_FORMAT = (env("LOG_FORMAT", default="") or TEXT).lower()  # empty: the default
if LOG_FORMAT not in LOG_FORMATS:
    raise ImproperlyConfigured(f"LOG_FORMAT must be one of {LOG_FORMATS}, not {LOG_FORMAT!r}")
LOGGING = logging_config(LOG_FORMAT, env("LOG_LEVEL", default="INFO"))
