"""One logging setup: every error is one ERROR record that carries the request's id."""

import json
import logging

import pytest


def error_records(caplog):
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_unhandled_exception_is_one_error_record_with_the_request_id(client, caplog):
    client.get("/fail", headers={"X-Request-ID": "trace-1"})
    [record] = error_records(caplog)
    assert record.exc_info[0] is RuntimeError
    assert record.getMessage() == "Exception on /fail [GET]"
    assert record.request_id == "trace-1"


@pytest.mark.parametrize("status", [500, 503])
def test_server_error_raised_on_purpose_is_an_error_record(client, caplog, status):
    response = client.get(f"/abort/{status}")
    [record] = error_records(caplog)
    assert record.getMessage().startswith(f"{status} ")
    assert "/abort/" in record.getMessage()
    assert record.request_id == response.headers["X-Request-ID"]


@pytest.mark.parametrize(
    ("path", "status"),
    [("/no-such-page", 404), ("/api/items/999", 404), ("/abort/400", 400), ("/abort/429", 429)],
)
def test_client_errors_are_not_error_records(client, caplog, path, status):
    assert client.get(path).status_code == status
    assert error_records(caplog) == []


def test_text_log_lines_carry_the_request_id(capsys, client):
    client.get("/fail", headers={"X-Request-ID": "trace-2"})
    [line] = [line for line in capsys.readouterr().err.splitlines() if " ERROR " in line]
    assert "[trace-2]: Exception on /fail [GET]" in line


def test_json_log_format_writes_one_object_per_line_on_stdout(make_app, capsys):
    app = make_app(LOG_FORMAT="json")
    app.test_client().get("/fail", headers={"X-Request-ID": "trace-3"})
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    [entry] = [entry for entry in entries if entry["level"] == "ERROR"]
    assert set(entry) == {"time", "level", "logger", "message", "request_id", "exception"}
    assert entry["logger"] == app.name
    assert entry["request_id"] == "trace-3"
    assert entry["message"] == "Exception on /fail [GET]"
    assert "RuntimeError: database refused" in entry["exception"]


def test_json_log_lines_without_an_error_have_no_exception(make_app, capsys):
    make_app(LOG_FORMAT="json").logger.warning("disk %d%% full", 91)
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    [entry] = [entry for entry in entries if entry["level"] == "WARNING"]
    assert entry["message"] == "disk 91% full"
    assert "exception" not in entry


def test_building_the_app_twice_logs_each_line_once(make_app, capsys):
    make_app()
    make_app().logger.warning("only once")
    assert capsys.readouterr().err.count("only once") == 1


def test_records_outside_a_request_have_no_request_id(capsys, app):
    app.logger.warning("starting")
    assert "[-]: starting" in capsys.readouterr().err
