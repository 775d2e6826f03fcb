"""docker-compose.yml: no Docker engine runs here, so its shape is checked as data."""

from pathlib import Path

import pytest
import yaml

COMPOSE = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "docker-compose.yml").read_text()
)
SERVICES = COMPOSE["services"]


def test_it_runs_the_whole_stack():
    assert set(SERVICES) == {"postgres", "redis", "neo4j", "web", "worker"}
    assert SERVICES["postgres"]["image"] == "postgres:17"
    assert SERVICES["redis"]["image"] == "redis:7"
    assert SERVICES["neo4j"]["image"] == "neo4j:5"


@pytest.mark.parametrize(
    ("service", "probe"),
    [
        ("postgres", "pg_isready"),
        ("redis", "redis-cli ping"),
        ("neo4j", "http://localhost:7474"),
        ("web", "http://web:8000/alive"),
    ],
)
def test_every_long_running_service_has_a_healthcheck(service, probe):
    test = SERVICES[service]["healthcheck"]["test"]
    assert probe in " ".join(test)


@pytest.mark.parametrize("service", ["web", "worker"])
def test_app_services_wait_for_healthy_engines(service):
    depends = SERVICES[service]["depends_on"]
    for engine in ("postgres", "redis", "neo4j"):
        assert depends[engine]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", ["web", "worker"])
def test_app_services_are_pointed_at_the_compose_engines(service):
    environment = SERVICES[service]["environment"]
    assert (
        environment["DATABASE_URL"].startswith("postgres://")
        and "@postgres:5432/" in environment["DATABASE_URL"]
    )
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert "@neo4j:7687" in environment["NEO4J_URL"]


def test_web_serves_on_port_8000_through_the_serve_command():
    web = SERVICES["web"]
    assert web["ports"] == ["8000:8000"]
    assert web["command"][:3] == ["python", "manage.py", "serve"]
    assert "0.0.0.0" in web["command"]


def test_the_worker_runs_the_relay_and_subscribers_and_web_leaves_them_to_it():
    assert SERVICES["worker"]["command"] == ["python", "manage.py", "runsubscribers"]
    assert SERVICES["web"]["environment"]["COS_EVENTS_RUN_IN_SERVE"] == "false"


def test_web_serves_with_several_processes_and_leaves_the_events_to_the_worker():
    web = SERVICES["web"]["environment"]
    assert web["COS_WORKERS"] == "${COS_WORKERS:-2}"
    assert web["COS_EVENTS_RUN_IN_SERVE"] == "false"
    assert SERVICES["worker"]["command"][-1] == "runsubscribers"
