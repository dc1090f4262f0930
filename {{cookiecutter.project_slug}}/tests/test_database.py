"""The database's errors, answered and reported.

On SQLite, or on the database ``TEST_DATABASE_URL`` names.
"""

import contextlib
import logging
import os
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from {{ cookiecutter.project_slug }}.config import ConfigError
from {{ cookiecutter.project_slug }}.database import alembic, db
from {{ cookiecutter.project_slug }}.models import Item

INSERTED = "inserted-secret-value"  # in the failing INSERT of conftest.py's store_untrimmed


def store(name):
    """A view that stores an item as it is given, with no validation and no error handling."""

    def view():
        db.session.add(Item(name=name))
        db.session.commit()
        return "stored"

    return view


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unreachable_url():
    """A PostgreSQL URL on loopback where nothing listens: connecting is refused at once."""
    return f"postgresql://app:password@127.0.0.1:{closed_port()}/app"


def error_records(caplog):
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_creating_an_item_answers_201_with_its_location(client):
    response = client.post("/api/items", json={"name": "Teapot"})
    assert response.status_code == 201
    assert response.json == {"id": response.json["id"], "name": "Teapot"}
    assert client.get(response.headers["Location"]).json == response.json


def test_a_missing_item_is_a_404_problem(client):
    response = client.get("/api/items/999")
    assert response.status_code == 404
    assert "There is no item with id 999." in response.text


def test_an_id_beyond_the_id_column_is_a_404(client):
    assert client.get(f"/api/items/{2**31}").status_code == 404
    assert client.get(f"/api/items/{10**30}").status_code == 404


@pytest.mark.parametrize("name", ["x" * 81, " Teapot", "Teapot ", "tab\there", "nul\x00"])
def test_a_name_the_database_would_refuse_is_a_422_before_any_insert(app, name):
    statements = []
    with app.app_context():
        sa.event.listen(
            db.engine, "before_cursor_execute", lambda *args: statements.append(args[2])
        )
    response = app.test_client().post("/api/items", json={"name": name})
    assert response.status_code == 422
    assert "#/name" in response.text
    assert not [statement for statement in statements if "INSERT" in statement]


def test_a_lone_surrogate_is_a_400_that_says_so(client):
    # Not text that UTF-8, or the database, can store: I-JSON (RFC 7493) refuses it.
    response = client.post("/api/items", json={"name": "lone \ud800 surrogate"})
    assert response.status_code == 400
    assert "not valid JSON" in response.text


def test_a_duplicate_name_is_a_409_pointing_at_the_name(client):
    client.post("/api/items", json={"name": "Teapot"})
    response = client.post("/api/items", json={"name": "Teapot"})
    assert response.status_code == 409
{%- if cookiecutter.error_format == "html" %}
    assert "#/name: is taken" in response.text
{%- else %}
    assert response.content_type == "application/problem+json"
    assert response.json["errors"] == [{"detail": "is taken", "pointer": "#/name"}]
{%- endif %}


def test_two_concurrent_posts_of_one_name_give_one_201_and_one_409(app):
    # Both requests reach their commit before either commits: only the unique constraint decides.
    both_ready = threading.Barrier(2, timeout=10)

    def wait_for_the_other(session):
        both_ready.wait()

    def post(_):
        return app.test_client().post("/api/items", json={"name": "Teapot"}).status_code

    sa.event.listen(db.session, "before_commit", wait_for_the_other)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            assert sorted(pool.map(post, range(2))) == [201, 409]
    finally:
        sa.event.remove(db.session, "before_commit", wait_for_the_other)


def test_an_unhandled_unique_violation_is_a_409_logged_below_error(app, caplog):
    app.add_url_rule("/store", "store", store("Teapot"), methods=["POST"])
    client = app.test_client()
    client.post("/store")
    response = client.post("/store")
    assert response.status_code == 409
    assert "The request conflicts with data that exists already." in response.text
    assert not error_records(caplog)


def test_another_integrity_error_is_a_bug_reported_once_as_a_500(client, caplog):
    response = client.post("/store-untrimmed")
    assert response.status_code == 500
    [record] = error_records(caplog)
    assert isinstance(record.exc_info[1], sa.exc.IntegrityError)


def test_no_value_of_a_failing_insert_reaches_the_log(client, caplog, capsys):
    client.post("/store-untrimmed")
    [record] = error_records(caplog)
    formatted = logging.Formatter().format(record)
    assert "IntegrityError" in formatted
    assert INSERTED not in formatted
    assert INSERTED not in "".join(capsys.readouterr())


def count_items():
    return db.session.scalar(sa.select(sa.func.count(Item.id)))


def test_the_session_is_rolled_back_before_the_response_is_finished(app):
    @app.after_request
    def add_item_count(response):
        response.headers["X-Item-Count"] = str(count_items())
        return response

    client = app.test_client()
    location = client.post("/api/items", json={"name": "Teapot"}).headers["Location"]
    response = client.post("/store-untrimmed")
    assert response.status_code == 500
    assert response.headers["X-Item-Count"] == "1"
    # The next request is as clean as the first.
    assert client.get(location).status_code == 200
{%- if cookiecutter.error_format != "json" %}


def test_an_error_page_that_reads_the_database_still_renders(app):
    app.context_processor(lambda: {"item_count": count_items()})
    app.add_url_rule("/store", "store", store("Teapot"), methods=["POST"])
    client = app.test_client()
    client.post("/store")
    response = client.post("/store", headers={"Accept": "text/html"})
    assert response.status_code == 409
    assert response.content_type == "text/html; charset=utf-8"
    assert b"<!doctype html>" in response.data.lower()
{%- endif %}


def test_an_unreachable_database_is_a_503_with_retry_after(make_app, caplog):
    client = make_app(DATABASE_URL=unreachable_url()).test_client()
    response = client.post("/api/items", json={"name": "Teapot"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    [record] = error_records(caplog)
    assert isinstance(record.exc_info[1].__cause__, sa.exc.OperationalError)


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith(("postgres://", "postgresql")),
    reason="PostgreSQL only: it can end a connection from another one",
)
def test_a_connection_dropped_mid_request_is_a_503_and_the_next_request_reconnects(app, caplog):
    def dropped():
        # The server ends this request's connection between two statements.
        backend = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        with db.engine.connect() as admin:
            admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        db.session.scalar(sa.text("SELECT 1"))
        return "unreachable"

    app.add_url_rule("/dropped", "dropped", dropped)
    client = app.test_client()
    response = client.get("/dropped")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    [record] = error_records(caplog)
    assert isinstance(record.exc_info[1].__cause__, sa.exc.OperationalError)
    assert client.post("/api/items", json={"name": "Teapot"}).status_code == 201


def test_an_exhausted_pool_is_a_503(make_app, caplog):
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_timeout": 0.1})
    with app.app_context(), contextlib.ExitStack() as held:
        # Every connection the pool may open is taken, as by requests stuck on a slow query:
        # SQLAlchemy's default pool keeps 5 and opens 10 more at most.
        for _ in range(5 + 10):
            held.enter_context(db.engine.connect())
        response = app.test_client().post("/api/items", json={"name": "Teapot"})
    assert response.status_code == 503
    [record] = error_records(caplog)
    assert isinstance(record.exc_info[1].__cause__, sa.exc.TimeoutError)


def test_ready_when_the_schema_is_at_the_head(client, caplog):
    caplog.clear()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready"}
    assert not caplog.records


def test_not_ready_while_migrations_are_pending(app, caplog):
    with app.app_context():
        alembic.downgrade("base")
        try:
            caplog.clear()
            response = app.test_client().get("/readyz")
            records = list(caplog.records)
        finally:
            alembic.upgrade()
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert "migration" in response.json["detail"]
    assert not records


def test_not_ready_while_the_database_is_unreachable(make_app, caplog):
    client = make_app(DATABASE_URL=unreachable_url()).test_client()
    caplog.clear()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json["detail"] == "The database is unreachable."
    assert not caplog.records


def test_migrations_go_down_to_an_empty_database_and_up_to_the_models(app):
    with app.app_context():
        alembic.downgrade("base")
        assert sa.inspect(db.engine).get_table_names() in ([], ["alembic_version"])
        alembic.upgrade()
        assert alembic.compare_metadata() == []


def test_an_in_memory_database_is_a_valid_url(make_app):
    # One shared connection, so no pool timeout; it answers, and has no schema yet.
    response = make_app(DATABASE_URL="sqlite://").test_client().get("/readyz")
    assert response.status_code == 503
    assert "migration" in response.json["detail"]


@pytest.mark.parametrize(
    ("url", "message"),
    [("not a url", "must be a database URL"), ("mysql://db/app", "SQLite or PostgreSQL")],
)
def test_a_bad_database_url_is_a_clear_config_error(make_app, url, message):
    with pytest.raises(ConfigError, match=message):
        make_app(DATABASE_URL=url)
