import urllib.parse
import uuid

import psycopg
import pytest
from django.conf import settings


@pytest.fixture
def scratch_database(database_service):
    """A database of its own on the configured server, dropped afterwards."""
    db = settings.DATABASES["default"]
    name = f"cos_serve_{uuid.uuid4().hex[:8]}"
    connect = {
        "host": db["HOST"],
        "port": db["PORT"] or None,
        "user": db["USER"],
        "dbname": "postgres",
    }
    with psycopg.connect(**connect, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    host = urllib.parse.quote(db["HOST"], safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    yield f"postgres://{db['USER']}@{host}{port}/{name}"
    with psycopg.connect(**connect, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
