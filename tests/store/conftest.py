"""A store on SQLite and, where a PostgreSQL server is reachable, on a fresh PostgreSQL database per test
(pytest-postgresql creates and drops it). CI (.ci/run) starts Debian's PostgreSQL and sets
LYNCHPIN_TEST_POSTGRES=1, so there a missing server fails the tests instead of skipping them."""

from __future__ import annotations

import os

import pytest
from pytest_postgresql import factories

from risk.store import Store

PG = dict(
    host=os.environ.get("LYNCHPIN_TEST_PG_HOST", "127.0.0.1"),
    port=int(os.environ.get("LYNCHPIN_TEST_PG_PORT", "5432")),
    user=os.environ.get("LYNCHPIN_TEST_PG_USER", "lynchpin"),
    password=os.environ.get("LYNCHPIN_TEST_PG_PASSWORD", "lynchpin"),
)
postgresql_server = factories.postgresql_noproc(**PG)
postgresql_database = factories.postgresql("postgresql_server")


def _server_up() -> bool:
    import psycopg

    try:
        psycopg.connect(dbname="postgres", connect_timeout=3, **PG).close()
        return True
    except psycopg.Error:
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'workspace.sqlite'}")
    else:
        if not _server_up():
            if os.environ.get("LYNCHPIN_TEST_POSTGRES"):
                pytest.fail("LYNCHPIN_TEST_POSTGRES is set but no PostgreSQL server answers")
            pytest.skip("no PostgreSQL server (CI starts one: .ci/run)")
        db = request.getfixturevalue("postgresql_database")
        info = db.info
        s = Store(f"postgresql+psycopg://{PG['user']}:{PG['password']}@{info.host}:{info.port}/{info.dbname}")
    yield s
    s.engine.dispose()  # so the test database can be dropped
