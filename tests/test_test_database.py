"""A project's own tests never touch data they did not make, whatever TEST_DATABASE_URL names."""

import psycopg
import pytest

from conftest import assert_project_tests_pass, combination

ROWS = [(1, "Teapot"), (2, "Kettle")]


def contents(url: str) -> dict[str, list[tuple]]:
    """Every table of the database at ``url`` with its rows, in order."""
    with psycopg.connect(url) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
        ).fetchall()
        return {
            table: connection.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall() for (table,) in tables
        }


def databases(url: str) -> set[str]:
    with psycopg.connect(url) as connection:
        return {name for (name,) in connection.execute("SELECT datname FROM pg_database")}


@pytest.mark.parametrize("answers", [combination()])
def test_the_project_tests_leave_the_named_database_as_they_found_it(bakery, answers, postgresql):
    project = bakery(answers)
    # A database in use: the project's own schema and rows, and a table of another application.
    url = postgresql.create_database("in_use")
    with psycopg.connect(url) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES ('1795570437')")
        connection.execute("CREATE TABLE item (id integer PRIMARY KEY, name varchar(80) UNIQUE NOT NULL)")
        connection.cursor().executemany("INSERT INTO item VALUES (%s, %s)", ROWS)
        connection.execute("CREATE TABLE invoice (id integer PRIMARY KEY)")
        connection.execute("INSERT INTO invoice VALUES (42)")
    before = contents(url)
    assert before["item"] == ROWS

    assert_project_tests_pass(project, PYTHONPATH=str(project / "src"), TEST_DATABASE_URL=url)

    assert contents(url) == before
    # The tests worked in a database of their own, and dropped it.
    assert "test_in_use" not in databases(url)
