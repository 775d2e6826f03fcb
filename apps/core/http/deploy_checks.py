"""Django's deployment checks, made to see COS's middleware.

COS runs subclasses of Django's security, CSRF, session and clickjacking middleware
(apps/core/http/django_middleware.py). Django's checks look for the exact class paths in MIDDLEWARE,
so they report them missing (security.W001-W003, silenced in settings) and skip every check
that needs them: HSTS, the HTTPS redirect, secure cookies, X-Frame-Options. This runs those
same Django checks with each COS subclass named as the Django class it is, so they judge the
real settings. A middleware that is really missing is reported as cos.W001-W003 (Django's
security.W001-W003, which the settings silence for the false alarm).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register
from django.core.checks.security import base, csrf, sessions
from django.test.utils import override_settings
from django.utils.module_loading import import_string

DJANGO_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)
CHECKS = (
    base.check_security_middleware,
    base.check_xframe_options_middleware,
    base.check_sts,
    base.check_sts_include_subdomains,
    base.check_sts_preload,
    base.check_content_type_nosniff,
    base.check_ssl_redirect,
    base.check_xframe_deny,
    base.check_referrer_policy,
    base.check_cross_origin_opener_policy,
    csrf.check_csrf_middleware,
    csrf.check_csrf_cookie_secure,
    sessions.check_session_cookie_secure,
    sessions.check_session_cookie_httponly,
)


def as_django_names(middleware: list[str]) -> list[str]:
    """MIDDLEWARE with each subclass of a Django middleware above named as that class."""
    named = []
    for path in middleware:
        item = import_string(path)
        base_class = next(
            (
                django
                for django in DJANGO_MIDDLEWARE
                if isinstance(item, type) and issubclass(item, import_string(django))
            ),
            path,
        )
        named.append(base_class)
    return named


def _unsilenced(issue: CheckMessage) -> CheckMessage:
    if issue.id in ("security.W001", "security.W002", "security.W003"):
        return Warning(issue.msg, hint=issue.hint, id=issue.id.replace("security.", "cos."))
    return issue


@register(Tags.security, deploy=True)
def check_security_with_cos_middleware(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    issues: list[CheckMessage] = []
    with override_settings(MIDDLEWARE=as_django_names(list(settings.MIDDLEWARE))):
        for check in CHECKS:
            issues.extend(_unsilenced(issue) for issue in check(app_configs))
    return issues
