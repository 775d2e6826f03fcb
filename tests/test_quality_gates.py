"""The quality gates: pre-commit runs exactly CI's checks, CI enforces a coverage floor, and the
dependency audit fails on a known vulnerability but only warns when its service is out of reach."""

import json
import os
import re
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CI = (ROOT / ".ci" / "run").read_text()
CHECKS = ("ruff", "mypy", "manage.py check", "makemigrations")


def without_env(command: str) -> str:
    """`env A=1 cmd` (pre-commit's form) and `A=1 cmd` (the shell's) are the same command."""
    return command.removeprefix("env ")


def test_pre_commit_runs_exactly_cis_checks():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {without_env(hook["entry"]) for repo in config["repos"] for hook in repo["hooks"]}
    ci_checks = {
        line.strip()
        for line in CI.splitlines()
        if line.strip().startswith(("uv run", "COS_TEST_MODULES=1 uv run"))
        and any(check in line for check in CHECKS)
    }
    assert hooks == ci_checks


def test_ci_measures_coverage_and_fails_under_a_floor():
    coverage = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["coverage"]
    assert coverage["report"]["fail_under"] > 0
    assert re.search(r"^COS_REQUIRE_SERVICES=1 \$test_command --cov\b", CI, re.MULTILINE)
    assert re.search(r"^\.ci/audit$", CI, re.MULTILINE)


# --- the dependency audit, against a stand-in OSV service -----------------------------------
class OSV(BaseHTTPRequestHandler):
    """OSV's batch query and vulnerability record; `vulnerable` names the affected package,
    `failing` answers every request 503 as a service in trouble would."""

    vulnerable = ""
    failing = False

    def do_POST(self) -> None:
        if self.failing:
            return self.answer(503, {"error": "unavailable"})
        queries = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["queries"]
        hit = {"vulns": [{"id": "GHSA-cos0-test-0001", "modified": "2026-01-01T00:00:00Z"}]}
        results = [hit if q["package"]["name"] == self.vulnerable else {} for q in queries]
        self.answer(200, {"results": results})

    def do_GET(self) -> None:
        fixed = {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "999.0"}]}
        self.answer(200, {
            "id": "GHSA-cos0-test-0001",
            "summary": "a vulnerability made up for the test",
            "modified": "2026-01-01T00:00:00Z",
            "affected": [{"package": {"name": self.vulnerable, "ecosystem": "PyPI"},
                          "ranges": [fixed]}],
        })  # fmt: skip

    def answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def osv() -> Iterator[type[OSV]]:
    handler = type("Service", (OSV,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    handler.url = f"http://127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    yield handler
    server.shutdown()
    server.server_close()


def audit(service_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COS_AUDIT_SERVICE_URL": service_url, "UV_HTTP_RETRIES": "0"}
    return subprocess.run(
        [str(ROOT / ".ci" / "audit")], env=env, capture_output=True, text=True, timeout=120
    )


pytestmark_audit = pytest.mark.skipif(sys.platform == "win32", reason="a bash script")


@pytestmark_audit
@pytest.mark.slow
def test_a_known_vulnerability_fails_the_audit(osv):
    osv.vulnerable = "django"
    done = audit(osv.url)
    assert done.returncode == 1, done.stderr
    assert "GHSA-cos0-test-0001" in done.stdout and "django" in done.stdout


@pytestmark_audit
@pytest.mark.slow
def test_no_known_vulnerability_passes(osv):
    done = audit(osv.url)
    assert done.returncode == 0, done.stderr
    assert "NOT audited" not in done.stderr


@pytestmark_audit
@pytest.mark.slow
@pytest.mark.parametrize("outage", ["refused", "503"])
def test_an_unreachable_service_only_warns(osv, outage):
    if outage == "503":
        osv.failing = True
        url = osv.url
    else:
        url = "http://127.0.0.1:9"  # discard: nothing listens
    done = audit(url)
    assert done.returncode == 0, done.stderr
    assert "warning: the vulnerability service is out of reach" in done.stderr
