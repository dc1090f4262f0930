"""A database project served by real gunicorn on a real PostgreSQL, through a race, a restart, an outage."""

import http.client
import json
import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import SECRET_KEY, combination, get, gunicorn

pytestmark = pytest.mark.slow  # serves a project under load

DEFAULT = combination()


def post_item(port: int, name: str):
    """POST one item; (status, headers, parsed body). The client gives up after 5 s."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        body = json.dumps({"name": name})
        connection.request("POST", "/api/items", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.headers, json.loads(response.read())
    finally:
        connection.close()


def migrate(project, url: str, log_file: Path) -> None:
    """The README's release step: ``flask --app <slug> db upgrade``, as a production shell runs it."""
    environment = {**os.environ, "PYTHONPATH": str(project / "src"), "DATABASE_URL": url}
    environment.update(SECRET_KEY=SECRET_KEY, PYTHONDONTWRITEBYTECODE="1", LOG_FILE=str(log_file))
    environment.pop("FLASK_DEBUG", None)
    command = [sys.executable, "-m", "flask", "--app", project.name, "db", "upgrade"]
    result = subprocess.run(command, cwd=project, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("answers", [DEFAULT])
def test_gunicorn_on_postgresql_survives_a_race_a_restart_and_an_outage(
    bakery, answers, postgresql, tmp_path
):
    project = bakery(answers)
    url = postgresql.create_database("served")
    migrate(project, url, tmp_path / "migrate.log")
    with gunicorn(project, workers=4, DATABASE_URL=url, LOG_FILE=str(tmp_path / "app.log")) as port:
        assert get(port, "/readyz")[0] == 200

        # Twenty requests race to store one name: the unique constraint lets exactly one through.
        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses = Counter(status for status, _, _ in pool.map(post_item, [port] * 20, ["Teapot"] * 20))
        assert statuses == {201: 1, 409: 19}

        # A restart while no request is in flight drops every pooled connection. Each is replaced
        # before a request uses it (pool_pre_ping), so not one request fails for the restart.
        postgresql.stop()
        postgresql.start()
        names = [f"after the restart {number}" for number in range(24)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = Counter(status for status, _, _ in pool.map(post_item, [port] * 24, names))
        assert statuses == {201: 24}

        postgresql.stop()
        try:
            # Every worker's pooled connection is dead: each request is a prompt 503, never a hang.
            for number in range(12):
                status, headers, problem = post_item(port, f"during the outage {number}")
                assert (status, problem["status"]) == (503, 503)
                assert headers["Retry-After"] == "5"
            status, _, problem = get(port, "/readyz", {"Accept": "application/json"})
            assert status == 503
            assert json.loads(problem)["reason"] == "database unreachable"
        finally:
            postgresql.start()

        # Back without a restart: every worker reconnects by itself.
        for number in range(12):
            assert post_item(port, f"after the outage {number}")[0] == 201
        assert get(port, "/readyz")[0] == 200
