"""`manage.py check --deploy` with production settings reports nothing, and each security
setting comes from the environment (apps.core.http.deploy_checks, cos_project/settings.py)."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings

from apps.core.http.deploy_checks import check_security_with_cos_middleware

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "cos.example.org",
}
SECURITY_SETTINGS = [
    "COS_HTTPS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
]


def environment(**variables):
    """This process's environment without any of the variables under test, plus `variables`."""
    names = {*PRODUCTION, *SECURITY_SETTINGS}
    return {**{k: v for k, v in os.environ.items() if k not in names}, **variables}


def run(*args, **variables):
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=environment(**variables),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def check_deploy(**variables):
    return run("manage.py", "check", "--deploy", "--fail-level", "WARNING", **variables)


def security_settings(**variables):
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {SECURITY_SETTINGS!r}}}))"
    )
    done = run("-c", script, **variables)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_check_deploy_reports_nothing_with_production_settings():
    done = check_deploy(**PRODUCTION)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout + done.stderr


@pytest.mark.slow
def test_check_deploy_sees_an_insecure_setting_from_the_environment():
    """Positive control: the checks above judge the real settings, through COS's middleware."""
    done = check_deploy(**PRODUCTION, SECURE_SSL_REDIRECT="false", CSRF_COOKIE_SECURE="false")
    assert done.returncode == 1
    assert "security.W008" in done.stderr and "security.W016" in done.stderr


@pytest.mark.slow
def test_production_defaults_apply_off_this_machine_and_plain_http_stays_local():
    production = security_settings(**PRODUCTION)
    assert production["COS_HTTPS"] and production["SECURE_SSL_REDIRECT"]
    assert production["SECURE_HSTS_SECONDS"] == 31_536_000
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    local = security_settings(DEBUG="false")  # the quick start: localhost over plain HTTP
    assert not local["COS_HTTPS"] and not local["SECURE_SSL_REDIRECT"]
    assert local["SECURE_HSTS_SECONDS"] == 0 and not local["SESSION_COOKIE_SECURE"]
    behind_a_proxy = security_settings(
        **PRODUCTION, SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https", COS_HTTPS="true"
    )
    assert behind_a_proxy["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_a_missing_security_middleware_is_still_reported():
    """Django's own security.W001-W003 are silenced (COS runs subclasses); COS's check reports
    a middleware that is really gone."""
    assert not [i for i in check_security_with_cos_middleware(None) if str(i.id).startswith("cos.")]
    without = [m for m in settings.MIDDLEWARE if not m.endswith(".SecurityMiddleware")]
    with override_settings(MIDDLEWARE=without):
        ids = [issue.id for issue in check_security_with_cos_middleware(None)]
    assert "cos.W001" in ids
