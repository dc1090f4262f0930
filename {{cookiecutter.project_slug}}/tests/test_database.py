"""The database's errors, answered and reported.

On SQLite, or on the database ``TEST_DATABASE_URL`` names.
"""

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import ServiceUnavailable

from {{ cookiecutter.project_slug }} import database
from {{ cookiecutter.project_slug }}.config import ConfigError
from {{ cookiecutter.project_slug }}.database import MIGRATIONS, Model, alembic, db, in_transaction
from {{ cookiecutter.project_slug }}.errors import database as database_errors
from {{ cookiecutter.project_slug }}.models import Item

from conftest import INSERTED, problem_type, refused

# What a probe or a script sends: the readiness problem, rather than a page for a person.
ASK_FOR_JSON = {"Accept": "application/json"}
ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith(("postgres://", "postgresql"))


def store(name):
    """A view that stores an item as it is given, with no validation and no error handling."""

    def view():
        db.session.add(Item(name=name))
        db.session.commit()
        return "stored"

    return view


def store_a_note(notes):
    """A view that stores a note on the item ``item_id``, with no check that the item exists."""

    def view(item_id):
        in_transaction(db.session.execute, notes.insert().values(item_id=item_id))
        return "stored"

    return view


# A table that refers to items, as the next resource a team adds will: made for the tests that
# need one, and taken out of the models' metadata again after them.
NOTE = sa.Table(
    "item_note",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("item_id", sa.ForeignKey("item.id")),
    sa.Column("reply_to", sa.ForeignKey("item_note.id")),
    sa.Column("code", sa.String(8)),
    # A unique index, not a constraint: PostgreSQL names it as it names a constraint.
    sa.Index("ix_item_note_code", "code", unique=True),
)


@pytest.fixture
def notes(app):
    """``item_note``, in the models' metadata and in the database, for the length of a test."""
    table = NOTE.to_metadata(Model.metadata)
    with app.app_context():
        table.create(db.engine)
    try:
        yield table
    finally:
        Model.metadata.remove(table)
        with app.app_context():
            table.drop(db.engine)


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
    item = response.json
    assert set(item) == {"id", "name"} and item["name"] == "Teapot"
    assert response.headers["Location"] == f"/api/items/{item['id']}"
    assert client.get(response.headers["Location"]).json == {"id": item["id"], "name": "Teapot"}
    # The next item gets an id of its own.
    other = client.post("/api/items", json={"name": "Mug"}).json
    assert other["id"] != item["id"]


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
    assert problem_type(response) == "/problems/taken"
{%- if cookiecutter.error_format == "html" %}
    assert "#/name: is taken" in response.text
{%- else %}
    assert response.content_type == "application/problem+json"
    assert response.json["errors"] == [{"detail": "is taken", "pointer": "#/name"}]
{%- endif %}


def test_two_concurrent_posts_of_one_name_give_one_201_and_one_409(app):
    # Both requests reach their INSERT before either sends it: only the unique constraint decides.
    both_ready = threading.Barrier(2, timeout=10)

    def wait_for_the_other(session, flush_context, instances):
        both_ready.wait()

    def post(_):
        return app.test_client().post("/api/items", json={"name": "Teapot"}).status_code

    sa.event.listen(db.session, "before_flush", wait_for_the_other)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            assert sorted(pool.map(post, range(2))) == [201, 409]
    finally:
        sa.event.remove(db.session, "before_flush", wait_for_the_other)


def test_a_unique_violation_no_view_catches_is_a_409_pointing_at_its_column(app, caplog):
    app.add_url_rule("/store", "store", store("Teapot"), methods=["POST"])
    client = app.test_client()
    client.post("/store")
    response = client.post("/store", headers=ASK_FOR_JSON)
    assert response.status_code == 409
    assert "The request conflicts with data that exists already." in response.text
    assert refused(response) == ["#/name: is taken"]
    assert not error_records(caplog)


@pytest.mark.parametrize("name", [" Teapot", ""], ids=["untrimmed", "empty"])
def test_a_check_violation_is_a_422_pointing_at_its_column(app, caplog, name):
    app.add_url_rule("/store", "store", store(name), methods=["POST"])
    response = app.test_client().post("/store", headers=ASK_FOR_JSON)
    assert response.status_code == 422
    assert refused(response) == ["#/name: is not allowed by ck_item_name_trimmed"]
    assert not error_records(caplog)


def test_a_missing_value_is_a_422_pointing_at_its_column(app, caplog):
    app.add_url_rule("/store", "store", store(None), methods=["POST"])
    response = app.test_client().post("/store", headers=ASK_FOR_JSON)
    assert response.status_code == 422
    assert refused(response) == ["#/name: is required"]
    assert not error_records(caplog)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL only: SQLite stores any length")
def test_a_string_longer_than_its_column_is_a_422_pointing_at_its_column(app, caplog):
    app.add_url_rule("/store", "store", store("x" * 81), methods=["POST"])
    response = app.test_client().post("/store", headers=ASK_FOR_JSON)
    assert response.status_code == 422
    assert refused(response) == ["#/name: is longer than 80 characters"]
    assert not error_records(caplog)


def test_a_reference_to_a_missing_row_is_a_422_pointing_at_its_column(app, notes, caplog):
    # SQLite enforces foreign keys, as PostgreSQL does.
    app.add_url_rule("/note/<int:item_id>", "note", store_a_note(notes), methods=["POST"])
    response = app.test_client().post("/note/999", headers=ASK_FOR_JSON)
    assert response.status_code == 422
    assert problem_type(response) == "/problems/unknown-reference"
    assert refused(response) == ["#/item_id: refers to no existing item"]
    assert not error_records(caplog)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"name": "x" * 81}, {"detail": "is longer than 80 characters", "pointer": "#/name"}),
        ({"id": 2**31, "name": "Teapot"}, {"detail": "is out of range", "pointer": "#/id"}),
    ],
    ids=["too long", "too big"],
)
def test_a_value_its_column_cannot_hold_is_found_in_the_refused_statement(app, values, expected):
    # PostgreSQL names no column for these (22001, 22021, 22003): the statement's values do.
    error = sa.exc.DataError("INSERT INTO item", {}, Exception("refused"))
    error.write = database.Write(Item.__table__, "insert", [values])
    with app.app_context():
        answer = database_errors.Refusal(error).answer()
    assert answer.code == 422
    assert answer.extensions["errors"] == [expected]


@pytest.mark.parametrize(
    ("sqlstate", "names", "expected"),
    [
        ("23505", {"constraint_name": "uq_item_name"}, {"detail": "is taken", "pointer": "#/name"}),
        ("23502", {"column_name": "name"}, {"detail": "is required", "pointer": "#/name"}),
        (
            "23514",
            {"constraint_name": "ck_item_name_trimmed"},
            {"detail": "is not allowed by ck_item_name_trimmed", "pointer": "#/name"},
        ),
    ],
    ids=["unique", "not null", "check"],
)
def test_postgresqls_names_give_the_pointer(app, sqlstate, names, expected):
    """What psycopg's error says (its SQLSTATE, and the names in its diagnostics), made here so
    that the SQLite run checks it too; on PostgreSQL the tests above meet the real ones."""
    diagnostic = {"constraint_name": None, "table_name": "item", "column_name": None, **names}
    diagnostic["schema_name"] = "public"
    original = type("Error", (Exception,), {"sqlstate": sqlstate})("refused")
    original.diag = type("Diagnostic", (), diagnostic)()
    error = sa.exc.IntegrityError("INSERT INTO item", {}, original)
    with app.app_context():
        answer = database_errors.Refusal(error).answer()
    assert answer.extensions["errors"] == [expected]


@pytest.mark.parametrize(
    ("verb", "expected"), [("insert", 422), ("delete", 409)], ids=["a missing item", "in use"]
)
def test_postgresqls_foreign_key_name_says_which_key_refused(app, notes, verb, expected):
    diagnostic = {"constraint_name": "fk_item_note_item_id_item", "table_name": "item_note"}
    diagnostic.update(column_name=None, schema_name=None)
    original = type("Error", (Exception,), {"sqlstate": "23503"})("refused")
    original.diag = type("Diagnostic", (), diagnostic)()
    error = sa.exc.IntegrityError("INSERT INTO item_note", {}, original)
    written = notes if verb == "insert" else Item.__table__
    error.write = database.Write(written, verb, [{"item_id": 999, "id": 1}])
    with app.app_context():
        answer = database_errors.Refusal(error).answer()
    assert answer.code == expected
    if verb == "insert":
        assert answer.extensions["errors"] == [
            {"detail": "refers to no existing item", "pointer": "#/item_id"}
        ]
    else:
        assert answer.extensions["referred_to_by"] == ["item_note"]


def run(app, work):
    """A view that runs ``work`` in a transaction, with no validation and no error handling."""
    app.add_url_rule("/run", "run", lambda: in_transaction(work) or "done", methods=["POST"])
    return app.test_client().post("/run", headers=ASK_FOR_JSON)


def an_item_with_a_note(app, notes) -> int:
    with app.app_context():
        item = db.session.execute(sa.insert(Item).values(name="Teapot").returning(Item.id))
        item_id = item.scalar_one()
        db.session.execute(notes.insert().values(item_id=item_id, code="a"))
        db.session.commit()
    return item_id


def test_a_duplicate_in_a_unique_index_is_a_409_pointing_at_its_column(app, notes, caplog):
    an_item_with_a_note(app, notes)
    response = run(app, lambda: db.session.execute(notes.insert().values(code="a")))
    assert response.status_code == 409
    assert refused(response) == ["#/code: is taken"]
    assert not error_records(caplog)


def test_a_core_delete_of_an_item_in_use_is_a_409_naming_the_table(app, notes, caplog):
    item_id = an_item_with_a_note(app, notes)
    response = run(app, lambda: db.session.execute(sa.delete(Item).where(Item.id == item_id)))
    assert response.status_code == 409
    assert problem_type(response) == "/problems/referred-to"
    assert "This item is referred to by rows of item_note" in response.text
    assert not error_records(caplog)


def test_changing_the_key_of_an_item_in_use_is_a_409(app, notes, caplog):
    item_id = an_item_with_a_note(app, notes)

    def change_the_key():
        db.session.get(Item, item_id).id = item_id + 1000

    response = run(app, change_the_key)
    assert response.status_code == 409
    assert problem_type(response) == "/problems/referred-to"
    assert "This item is referred to by rows of item_note" in response.text


def test_a_row_changed_to_refer_to_a_missing_row_of_its_own_table_is_a_422(app, notes, caplog):
    an_item_with_a_note(app, notes)
    response = run(app, lambda: db.session.execute(notes.update().values(reply_to=99)))
    assert response.status_code == 422
    assert refused(response) == ["#/reply_to: refers to no existing item_note"]


def test_a_refusal_of_text_sql_names_no_side_and_is_a_409(app, notes, caplog):
    item_id = an_item_with_a_note(app, notes)
    delete = sa.text("DELETE FROM item WHERE id = :id")
    response = run(app, lambda: db.session.execute(delete, {"id": item_id}))
    assert response.status_code == 409
    assert "how the stored rows refer to each other" in response.text


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL only: SQLite's integers do not overflow")
def test_a_number_too_big_in_a_read_is_a_bug_reported_as_a_500(app, notes, caplog):
    an_item_with_a_note(app, notes)
    response = run(app, lambda: db.session.scalar(sa.select(Item.id + 2147483647)))
    assert response.status_code == 500
    [record] = error_records(caplog)
    assert isinstance(record.exc_info[1], sa.exc.DataError)


def test_deleting_an_item_answers_204_and_then_it_is_gone(client):
    location = client.post("/api/items", json={"name": "Teapot"}).headers["Location"]
    response = client.delete(location)
    assert response.status_code == 204
    assert response.data == b""
    assert client.get(location).status_code == 404
    assert client.delete(location).status_code == 404


def test_deleting_an_item_another_row_refers_to_is_a_409_naming_that_table(app, notes, caplog):
    app.add_url_rule("/note/<int:item_id>", "note", store_a_note(notes), methods=["POST"])
    client = app.test_client()
    item = client.post("/api/items", json={"name": "Teapot"}).json
    location = f"/api/items/{item['id']}"
    assert client.post(f"/note/{item['id']}").status_code == 200
    response = client.delete(location, headers=ASK_FOR_JSON)
    assert response.status_code == 409
    assert problem_type(response) == "/problems/referred-to"
    assert "This item is referred to by rows of item_note" in response.text
{%- if cookiecutter.error_format != "html" %}
    assert response.json["referred_to_by"] == ["item_note"]
{%- endif %}
    assert client.get(location).status_code == 200
    assert not error_records(caplog)


def test_a_value_the_database_cannot_store_is_a_bug_reported_once_as_a_500(client, caplog):
    response = client.post("/store-text-id")
    assert response.status_code == 500
    [record] = error_records(caplog)
    assert isinstance(record.exc_info[1], sa.exc.DBAPIError)


def test_no_value_of_a_failing_insert_reaches_the_log(client, caplog, capsys):
    client.post("/store-text-id")
    [record] = error_records(caplog)
    # The error held the value, in the statement's parameters; its message does not.
    assert INSERTED in str(record.exc_info[1].params)
    formatted = logging.Formatter().format(record)
    assert "INSERT INTO item" in formatted
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
    response = client.post("/store-text-id")
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
    assert problem_type(response) == "/problems/database-unavailable"
    [record] = error_records(caplog)
    assert isinstance(record.exc_info[1].__cause__, sa.exc.OperationalError)


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL only: it can end another connection")
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


def run_sql(statement):
    """A view with a bug: SQL the database refuses whatever the data."""

    def view():
        db.session.execute(sa.text(statement))
        return "ran"

    return view


@pytest.mark.parametrize(
    "statement",
    ["SELEC 1", "SELECT no_such_column FROM item", "SELECT id FROM no_such_table"],
    ids=["syntax", "unknown column", "unknown table"],
)
def test_sql_the_database_refuses_is_a_bug_reported_as_a_500(app, caplog, statement):
    app.add_url_rule("/buggy", "buggy", run_sql(statement))
    response = app.test_client().get("/buggy")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    [record] = error_records(caplog)
    assert isinstance(record.exc_info[1], sa.exc.DBAPIError)


def test_a_database_that_was_not_migrated_is_a_500_and_not_ready(app, caplog):
    client = app.test_client()
    with app.app_context():
        alembic.downgrade("base")
        try:
            response = client.post("/api/items", json={"name": "Teapot"})
            readiness = client.get("/readyz", headers=ASK_FOR_JSON)
        finally:
            alembic.upgrade()
    assert response.status_code == 500
    [record] = error_records(caplog)
    assert isinstance(record.exc_info[1], sa.exc.DBAPIError)
    assert_not_ready(readiness, "not migrated")


@contextlib.contextmanager
def item_table_locked(app):
    """Another connection holds a lock on the item table (on SQLite, on the whole file)."""
    with app.app_context(), db.engine.connect() as holder:
        if holder.dialect.name == "sqlite":
            holder.exec_driver_sql("BEGIN EXCLUSIVE")
        else:
            holder.exec_driver_sql("LOCK TABLE item IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            holder.rollback()


def test_a_lock_held_beyond_the_database_timeout_is_a_503(make_app, caplog):
    app = make_app(DATABASE_TIMEOUT=1)
    with item_table_locked(app):
        response = app.test_client().post("/api/items", json={"name": "Teapot"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    [record] = error_records(caplog)
    assert isinstance(record.exc_info[1].__cause__, sa.exc.OperationalError)


def test_an_sqlite_file_that_cannot_be_opened_is_a_503(make_app, tmp_path):
    missing = tmp_path / "no such directory" / "app.db"
    client = make_app(DATABASE_URL=f"sqlite:///{missing}").test_client()
    response = client.post("/api/items", json={"name": "Teapot"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert problem_type(response) == "/problems/database-unavailable"


def rename_items(attempts, conflicting):
    """A view renaming every item in a REPEATABLE READ transaction, while another connection
    renames them too on each of the first ``conflicting`` attempts."""

    def rename():
        attempts.append(len(attempts) + 1)
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        items = db.session.scalars(sa.select(Item)).all()
        if len(attempts) <= conflicting:
            with db.engine.begin() as other:
                other.execute(sa.update(Item).values(name=Item.name + " (elsewhere)"))
        for item in items:
            item.name = f"{item.name} (here)"
        db.session.flush()

    def view():
        in_transaction(rename)
        return "renamed"

    return view


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL only: SQLite runs one writer at a time")
def test_a_serialization_failure_is_run_again_once(app):
    attempts = []
    app.add_url_rule("/rename", "rename", rename_items(attempts, conflicting=1), methods=["POST"])
    client = app.test_client()
    location = client.post("/api/items", json={"name": "Teapot"}).headers["Location"]
    assert client.post("/rename").status_code == 200
    assert attempts == [1, 2]
    assert client.get(location).json["name"] == "Teapot (elsewhere) (here)"


@pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL only: SQLite runs one writer at a time")
def test_a_second_serialization_failure_is_a_503(app, caplog):
    attempts = []
    app.add_url_rule("/rename", "rename", rename_items(attempts, conflicting=2), methods=["POST"])
    client = app.test_client()
    client.post("/api/items", json={"name": "Teapot"})
    response = client.post("/rename")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert attempts == [1, 2]
    [record] = error_records(caplog)
    assert record.exc_info[1].__cause__.orig.sqlstate == "40001"


def ping():
    """A view that uses the database, and nothing else."""
    db.session.execute(sa.select(1))
    return "pong"


def app_on_a_missing_directory(make_app, tmp_path, **config):
    """An app whose SQLite file cannot be opened (a 503) until its directory is made."""
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'app.db'}", **config)
    app.add_url_rule("/ping", "ping", ping)
    return app


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_an_outage_logs_its_traceback_once_then_one_line_per_request(
    make_app, tmp_path, caplog, capsys, log_format
):
    client = app_on_a_missing_directory(make_app, tmp_path, LOG_FORMAT=log_format).test_client()
    capsys.readouterr()
    assert client.get("/ping").status_code == 503
    assert "Traceback" in "".join(capsys.readouterr())
    response = client.get("/ping")
    assert response.status_code == 503
    [line] = "".join(capsys.readouterr()).splitlines()
    assert "503 Service Unavailable on /ping [GET]" in line
    assert "SQLITE_CANTOPEN" in line
    assert response.headers["X-Request-ID"] in line
    # Each failure is still an error with its exception, for Sentry and the email reports.
    records = error_records(caplog)
    assert len(records) == 2
    assert all(isinstance(record.exc_info[1], ServiceUnavailable) for record in records)


def test_the_end_of_an_outage_is_logged_with_its_count(make_app, tmp_path, caplog):
    client = app_on_a_missing_directory(make_app, tmp_path).test_client()
    for _ in range(3):
        assert client.get("/ping").status_code == 503
    (tmp_path / "data").mkdir()
    assert client.get("/ping").status_code == 200
    [ended] = [record for record in caplog.records if "available again" in record.getMessage()]
    assert ended.levelno == logging.WARNING
    assert "3 requests were answered 503" in ended.getMessage()
    assert client.get("/ping").status_code == 200
    assert sum("available again" in record.getMessage() for record in caplog.records) == 1


def test_an_outage_that_goes_on_is_summarised(make_app, tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(database_errors, "SUMMARY_INTERVAL", 0)  # a summary with every failure
    client = app_on_a_missing_directory(make_app, tmp_path).test_client()
    client.get("/ping")
    client.get("/ping")
    [summary] = [record for record in caplog.records if "unavailable for" in record.getMessage()]
    assert summary.levelno == logging.WARNING
    assert summary.getMessage().endswith(": 2 requests answered 503")


def test_ready_when_the_schema_is_at_the_head(client, caplog):
    caplog.clear()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready"}
    assert not caplog.records


def assert_not_ready(response, reason):
    """A 503 answered like every other error, whose body says why (where it is JSON)."""
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
{%- if cookiecutter.error_format == "html" %}
    assert response.content_type == "text/html; charset=utf-8"
    assert f"Reason: {reason}" in response.text
{%- else %}
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 503
    assert response.json["reason"] == reason
{%- endif %}


def test_not_ready_while_migrations_are_pending(app, caplog):
    with app.app_context():
        alembic.downgrade("base")
        try:
            caplog.clear()
            response = app.test_client().get("/readyz", headers=ASK_FOR_JSON)
            records = list(caplog.records)
        finally:
            alembic.upgrade()
    assert_not_ready(response, "not migrated")
    assert not records


def test_not_ready_while_the_database_is_unreachable(make_app, caplog):
    client = make_app(DATABASE_URL=unreachable_url()).test_client()
    caplog.clear()
    response = client.get("/readyz", headers=ASK_FOR_JSON)
    assert_not_ready(response, "database unreachable")
    assert not caplog.records


def test_migrations_go_down_to_an_empty_database_and_up_to_the_models(app):
    with app.app_context():
        alembic.downgrade("base")
        try:
            tables = set(sa.inspect(db.engine).get_table_names())
        finally:
            alembic.upgrade()  # the later tests share this database
        assert tables <= {"alembic_version"}
        assert "item" in sa.inspect(db.engine).get_table_names()
        assert alembic.compare_metadata() == []


@pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite only: its foreign keys are a connection's")
def test_migrations_run_with_sqlites_foreign_keys_off_and_leave_them_on(app):
    # A batch migration drops and copies tables: with foreign keys on, dropping a table that
    # others refer to would delete their rows (ON DELETE CASCADE) or fail.
    def foreign_keys(connection):
        return connection.exec_driver_sql("PRAGMA foreign_keys").scalar()

    during = []
    with app.app_context():
        alembic.run_migrations(
            lambda revision, context: during.append(foreign_keys(context.connection)) or []
        )
        after = foreign_keys(alembic.migration_context.connection)
    assert during == [0]
    assert after == 1


def test_the_migrations_make_every_check_the_models_declare(app):
    """Alembic's comparison (and so ``db check``) leaves check constraints out: a revision must
    add each by hand, and this test says which one it lacks."""
    with app.app_context():
        inspector = sa.inspect(db.engine)
        for table in Model.metadata.sorted_tables:
            declared = {
                constraint.name
                for constraint in [
                    *table.constraints,
                    *(constraint for column in table.columns for constraint in column.constraints),
                ]
                if isinstance(constraint, sa.CheckConstraint)
            }
            made = {check["name"] for check in inspector.get_check_constraints(table.name)}
            missing = sorted(declared - made)
            assert not missing, f"add these checks of {table.name} to its migration: {missing}"


def test_a_new_revision_passes_ruff_as_written(make_app, tmp_path):
    # A copy of the migrations, beside the project's ruff settings, takes the new revision.
    shutil.copy(Path(__file__).parents[1] / "pyproject.toml", tmp_path)
    migrations = shutil.copytree(MIGRATIONS, tmp_path / "migrations")
    app = make_app(ALEMBIC={"script_location": str(migrations)})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["db", "revision", "add a price"])
    assert result.exit_code == 0, result.output
    [written] = {path.name for path in migrations.glob("*.py")} - {
        path.name for path in MIGRATIONS.glob("*.py")
    }
    for check in (["check"], ["format", "--check"]):
        ruff = [sys.executable, "-m", "ruff", *check, "--no-cache", written]
        checked = subprocess.run(ruff, cwd=migrations, capture_output=True, text=True, check=False)
        assert checked.returncode == 0, checked.stdout


def test_a_revision_before_the_upgrade_says_to_upgrade_in_one_line(app):
    with app.app_context():
        alembic.downgrade("base")
        try:
            result = app.test_cli_runner().invoke(args=["db", "revision", "add a price"])
        finally:
            alembic.upgrade()
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    [line] = result.output.splitlines()
    upgrade = f"Run flask --app {app.import_name} db upgrade first."
    assert line == f"Error: Target database is not up to date. {upgrade}"


def test_flask_migrates_form_of_a_revision_gets_a_hint(app):
    result = app.test_cli_runner().invoke(
        args=["db", "revision", "--autogenerate", "-m", "add a price"]
    )
    assert result.exit_code == 2
    assert 'Flask-Alembic: db revision "what changed"' in result.output


def test_an_in_memory_database_is_a_valid_url(make_app):
    # One shared connection, so no pool timeout; it answers, and has no schema yet.
    response = make_app(DATABASE_URL="sqlite://").test_client().get("/readyz", headers=ASK_FOR_JSON)
    assert_not_ready(response, "not migrated")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "must be a database URL"),
        ("mysql://db/app", "SQLite or PostgreSQL"),
        ("postgresql+psycopg2://db/app", "driver psycopg2, which this app does not use"),
        ("postgresql+asyncpg://db/app", "driver asyncpg, which this app does not use"),
    ],
)
def test_a_bad_database_url_is_a_clear_config_error(make_app, url, message):
    with pytest.raises(ConfigError, match=message):
        make_app(DATABASE_URL=url)


def test_a_postgresql_url_without_its_driver_names_the_extra_to_install(make_app, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if psycopg were not installed
    with pytest.raises(ConfigError, match=r"install the postgresql extra"):
        make_app(DATABASE_URL="postgresql://app@db/app")
