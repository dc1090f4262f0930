"""The API's contract from outside: the default project (and, for ``/docs``, a JSON-only one)
served by real gunicorn, as a team's CI or a person with a browser meets it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_served_database import migrate
from test_served_errors import SCREENSHOTS, open_in_chromium

from conftest import combination, get, gunicorn

pytestmark = pytest.mark.slow  # serves a project to Schemathesis and to a browser

DEFAULT = combination()


def schemathesis_run(port: int, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Schemathesis's own command, every check, all phases (stateful: POST, Location, GET), from
    the served ``/openapi.json``, started in ``cwd`` (where it reads ``schemathesis.toml`` and
    keeps its cache); derandomized, so a failure reproduces."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"http://127.0.0.1:{port}/openapi.json",
            "--checks=all",
            "--max-examples=30",
            "--generation-deterministic",
            "--no-color",
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_nothing_to_report(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout[-4000:]
    assert "No issues found" in result.stdout
    assert "Stateful" in result.stdout


@pytest.mark.parametrize("answers", [DEFAULT])
def test_schemathesis_command_line_finds_nothing_to_report(bakery, answers, tmp_path):
    project = bakery(answers)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    migrate(project, url, tmp_path / "migrate.log")
    with gunicorn(project, DATABASE_URL=url, LOG_FILE=str(tmp_path / "app.log")) as port:
        result = schemathesis_run(port, tmp_path)
    assert_nothing_to_report(result)


@pytest.mark.parametrize("answers", [DEFAULT, combination(error_format="json")])
def test_docs_page_renders_the_document_offline_under_its_policy(bakery, answers, tmp_path):
    """Swagger UI at ``/docs`` from the installed package, whatever the error format: a real
    browser renders every operation, and the page's Content-Security-Policy allows nothing from
    elsewhere."""
    project = bakery(answers)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    with gunicorn(project, DATABASE_URL=url, LOG_FILE=str(tmp_path / "app.log")) as port:
        _, headers, _ = get(port, "/docs")
        _, _, body = get(port, "/openapi.json")
        screenshot = SCREENSHOTS / f"docs-{answers['error_format']}.png"
        # Swagger UI fetches the document after the page has loaded: give it the time.
        wait = "--virtual-time-budget=10000"
        dom = open_in_chromium(f"http://127.0.0.1:{port}/docs", screenshot, tmp_path / "p", wait)
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self';" in policy
    assert "http" not in policy and "unsafe" not in policy
    for path in json.loads(body)["paths"]:
        assert f'data-path="{path}"' in dom, path
