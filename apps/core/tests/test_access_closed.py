"""Access is closed by default and nothing is disclosed: a visitor gets /alive, /ping, /health's
up or down and the sign-in page; the running system's detail is for operators
(`core.view_operations`, apps.core.http.operations)."""

import platform
import re
from urllib.parse import urlsplit

import django
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import get_converters
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.core.modules.registry import module_configs
from apps.core.testing import operator, user_with_access

pytestmark = pytest.mark.django_db

# What a visitor may reach (by URL name), and why.
PUBLIC = {
    "alive": "liveness probe",
    "ping": "liveness probe",
    "health": "up or down only (test_health_tells_a_visitor_only_up_or_down)",
    "admin:login": "the sign-in page",
    "set_language": "the sign-in page's language switcher",
    "probe:item-public": "test module only: public on purpose (governance tests)",
    "probe:item-wait": "test module only: load and pool tests",
}
# And what modules declare public, each with its reason (ModuleConfig.public_routes).
for _config in module_configs():
    PUBLIC.update(_config.public_routes)
# Path parameters get the first of these their pattern accepts.
SAMPLE_VALUES = ("json", "1", ".json", "auth", "x")
LOGIN = "/admin/login/"


def every_route(patterns=None, prefix="", namespace=None):
    """(route as Django joins it, namespaced name or None) for every URL pattern."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            joined = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from every_route(pattern.url_patterns, route, joined)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield route, name


def sample_value(regex, where):
    for value in SAMPLE_VALUES:
        if re.fullmatch(regex, value):
            return value
    raise AssertionError(f"no sample value for {regex} in {where}")


def sample_path(route):
    """A path that reaches `route`: its parameters filled with sample values."""
    converters = get_converters()
    path = re.sub(  # re_path() groups
        r"\(\?P<\w+>((?:[^()]|\([^()]*\))+)\)",
        lambda group: sample_value(group.group(1), route),
        route,
    )
    path = re.sub(  # path() converters (<name> is <str:name>)
        r"<(?:(\w+):)?\w+>",
        lambda found: sample_value(converters[found.group(1) or "str"].regex, route),
        path,
    )
    path = path.replace("^", "").replace("$", "").replace("/?", "/").replace(r"\.", ".")
    return "/" + path


def routes():
    return sorted(every_route(), key=lambda route: route[0])


def test_the_sweep_reaches_every_route():
    """The sweep below is only as good as its paths: each resolves to the route it stands for."""
    for route, name in routes():
        found = resolve(sample_path(route))
        # Django drops an included regex's leading ^ when it joins routes.
        assert found.view_name == name if name else found.route == route.replace("/^", "/")


def closed(response):
    """Refused (401, 403; 405 for a method the view never takes), or sent to sign in (a
    redirect chain ending on the sign-in page)."""
    if response.status_code in (401, 403, 405):
        return True
    chain = [urlsplit(url).path for url, _status in response.redirect_chain]
    return bool(chain) and chain[-1] == LOGIN and response.status_code == 200


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_visitor_reaches_nothing_but_the_public_routes(method, highway):
    visitor = Client()
    opened = []
    for route, name in routes():
        if name in PUBLIC:
            continue
        path = sample_path(route)
        response = getattr(visitor, method)(path, follow=True)
        if not closed(response):
            opened.append(f"{method.upper()} {path} ({name}): {response.status_code}")
    assert opened == []


def test_the_sweep_would_see_an_open_route(highway):
    """Positive control: the public routes are open, so they would be reported."""
    visitor = Client()
    assert not closed(visitor.get("/alive", follow=True))
    assert not closed(visitor.get(LOGIN, follow=True))


@pytest.mark.parametrize("path", ["/", "/api/docs/", "/api/redoc/", "/admin/", "/admin/cos/cc/"])
def test_pages_for_people_send_a_visitor_to_sign_in(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == LOGIN


def test_the_api_schema_answers_a_visitor_401():
    response = Client().get("/api/schema/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def disclosures():
    """What no anonymous answer may contain: versions, hosts, ports."""
    redis = urlsplit(settings.REDIS_URL)
    database = settings.DATABASES["default"]
    # The embedded Redis is a unix socket: its path is what must not show.
    found = [platform.python_version(), django.get_version(), redis.netloc or redis.path]
    if database["PORT"]:
        found.append(f":{database['PORT']}")
    return found


@pytest.mark.parametrize("path", ["/alive", "/ping", "/health", LOGIN])
def test_anonymous_answers_name_no_version_host_or_port(path, highway):
    body = Client().get(path).content.decode()
    for secret in disclosures():
        assert secret not in body, (path, secret)


def test_health_tells_a_visitor_only_up_or_down(highway, operator_client):
    response = Client().get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "parts" in operator_client.get("/health").json()  # the detail exists


def test_health_tells_a_visitor_down_with_503_and_nothing_else(settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # discard port: nothing listens
    settings.COS_HEALTH_TIMEOUT = 0.5
    response = Client().get("/health")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json() == {"status": "unavailable"}


OPERATIONS = [
    ("get", "/status"),
    ("get", "/metrics"),
    ("get", "/api/cc/redis-health/"),
    ("get", "/api/cc/system-health/"),
    ("post", "/api/cc/ping/"),
]


def answer(user, method, path):
    api = APIClient()
    if user is not None:
        api.force_login(user)
    return getattr(api, method)(path, {"module": "cc"} if method == "post" else None, format="json")


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_operations_need_staff_with_the_permission(method, path, highway):
    staff = User.objects.create_user("staff", is_staff=True)
    with_permission_not_staff = operator("outsider")
    with_permission_not_staff.is_staff = False
    with_permission_not_staff.save()
    viewer = user_with_access("viewer", "cc")

    assert answer(None, method, path).status_code == 401
    for refused in (staff, with_permission_not_staff, viewer):
        assert answer(refused, method, path).status_code == 403, refused
    assert answer(operator(), method, path).status_code == 200
    assert answer(User.objects.create_superuser("root"), method, path).status_code == 200


def test_an_operators_token_opens_the_probes(highway):
    token = Token.objects.create(user=operator()).key
    headers = {"Authorization": f"Token {token}"}
    assert Client().get("/status", headers=headers).status_code == 200
    assert "parts" in Client().get("/health", headers=headers).json()
    assert Client().get("/status", headers={"Authorization": "Token wrong"}).status_code == 401


def test_metrics_take_the_scrape_token_from_the_environment(settings, highway):
    settings.COS_METRICS_TOKEN = "scrape-me-0123456789"
    scraped = Client().get("/metrics", headers={"Authorization": "Bearer scrape-me-0123456789"})
    assert scraped.status_code == 200 and b"cos_uptime_seconds" in scraped.content
    wrong = Client().get("/metrics", headers={"Authorization": "Bearer scrape-me-wrong"})
    assert wrong.status_code == 401 and "Bearer" in wrong["WWW-Authenticate"]
    # The scrape token is for /metrics and /health's detail, not for /status.
    status = Client().get("/status", headers={"Authorization": "Bearer scrape-me-0123456789"})
    assert status.status_code == 401


def test_no_scrape_token_configured_opens_nothing(settings, highway):
    settings.COS_METRICS_TOKEN = ""
    assert Client().get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401
