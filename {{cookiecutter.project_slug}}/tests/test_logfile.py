"""Error reports in the rotating log file."""

{% if cookiecutter.use_database -%}
import logging
{% endif -%}
from pathlib import Path

import pytest

from {{ cookiecutter.project_slug }}.config import ConfigError, from_environment
{%- if cookiecutter.use_database %}

from conftest import INSERTED
{%- endif %}


def log_text(app) -> str:
    path = Path(app.config["LOG_FILE"])
    return "".join(file.read_text(encoding="utf-8") for file in path.parent.glob(f"{path.name}*"))


def test_unhandled_exception_traceback_lands_in_the_log_file(app, client):
    client.get("/fail", headers={"X-Request-ID": "trace-9"})
    text = log_text(app)
    assert "ERROR [trace-9] " in text
    assert "Exception on /fail [GET] [in " in text
    assert "Traceback" in text
    assert "RuntimeError: database refused" in text


def test_start_up_says_where_the_log_file_is(make_app, caplog):
    app = make_app(LOG_MAX_BYTES=2000, LOG_BACKUP_COUNT=3)
    path = app.config["LOG_FILE"]
    assert f"Log file reports are on: {path}, rotated at 2000 bytes, 3 kept." in caplog.text


def test_building_the_app_twice_writes_each_line_once(make_app):
    make_app()
    app = make_app()
    app.logger.warning("only once")
    assert log_text(app).count("only once") == 1


def test_rotation_keeps_every_line(make_app):
    app = make_app(LOG_MAX_BYTES=2000, LOG_BACKUP_COUNT=100)
    for number in range(200):
        app.logger.warning("line %03d", number)
    path = Path(app.config["LOG_FILE"])
    assert list(path.parent.glob(f"{path.name}.*")), "the file never rotated"
    logged = [line.split("line ")[1][:3] for line in log_text(app).splitlines() if "line " in line]
    assert sorted(logged) == [f"{number:03d}" for number in range(200)]


{%- if cookiecutter.use_database %}


def test_no_value_of_a_failing_insert_reaches_the_log_file(app, client, caplog):
    assert client.post("/store-text-id").status_code == 500
    text = log_text(app)
    assert "INSERT INTO item" in text
    # The error the log file reports held the value, in the statement's parameters.
    [record] = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert INSERTED in str(record.exc_info[1].params)
    assert INSERTED not in text
{%- endif %}


def test_unwritable_log_location_falls_back_to_stderr(make_app, tmp_path, capsys):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    app = make_app(LOG_FILE=str(blocker / "app.log"))
    assert [handler.get_name() for handler in app.logger.handlers] == ["console"]
    assert app.test_client().get("/fail", headers={"X-Request-ID": "trace-5"}).status_code == 500
    stderr = capsys.readouterr().err
    assert "Cannot write the log file" in stderr
    assert "[trace-5]: Exception on /fail [GET]" in stderr


@pytest.mark.parametrize("name", ["LOG_MAX_BYTES", "LOG_BACKUP_COUNT"])
@pytest.mark.parametrize("value", ["-1", "ten"])
def test_bad_rotation_settings_are_clear_config_errors(name, value):
    with pytest.raises(ConfigError, match=name):
        from_environment({name: value})
