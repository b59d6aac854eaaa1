"""Stage health: the server answers, and it made its schema in the PostgreSQL database."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status

USER_TABLES = """
    SELECT table_schema, table_name FROM information_schema.tables
    WHERE table_type = 'BASE TABLE'
      AND table_schema NOT IN ('pg_catalog', 'information_schema')
"""


@pytest.mark.stage("health")
def test_health_answers_ok(api):
    resp = api.get("/api/health")
    expect_status(resp, 200)
    expect_equal(expect_field(expect_json(resp), "status"), "ok", "status of GET /api/health")


@pytest.mark.stage("health")
def test_schema_exists_in_the_given_database(api, services):
    """The tables live in $DATABASE_URL, made by the server itself at start-up."""
    import psycopg

    expect_status(api.get("/api/health"), 200)
    with psycopg.connect(services.postgres.dsn, connect_timeout=10) as conn:
        tables = conn.execute(USER_TABLES).fetchall()
    expect(
        len(tables) > 0,
        "expected the server to create its tables in the database at $DATABASE_URL at "
        "start-up, got no tables there (is it using another database, or SQLite?)",
    )
