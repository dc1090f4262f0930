"""Error pages as a browser and a client see them, from a baked project served by real gunicorn.

The browser check opens a missing page and a failing route in headless Chromium and saves each
screenshot under ``build/screenshots/`` for a reviewer to look at.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SECRET, TEMPLATE, combination, combination_id, get, require, serve_with_failing_route

pytestmark = pytest.mark.slow  # serves projects to a browser

SCREENSHOTS = TEMPLATE / "build" / "screenshots"
HTML_FORMATS = [combination(), combination(error_format="html")]


def open_in_chromium(url: str, screenshot: Path, profile: Path, *flags: str) -> str:
    """Load ``url`` in headless Chromium: save a screenshot, and return the rendered DOM."""
    # Debian's chromium here; GitHub's Ubuntu runners have Google Chrome, which takes the same flags.
    chromium = require("chromium", "chromium-browser", "google-chrome")
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--window-size=900,600",
            f"--screenshot={screenshot}",
            "--dump-dom",
            *flags,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert screenshot.read_bytes().startswith(b"\x89PNG"), "no screenshot was written"
    return result.stdout


@pytest.mark.parametrize("answers", HTML_FORMATS)
@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [("/no-such-page", 404, "Page not found"), ("/fail", 500, "Internal Server Error")],
    ids=["missing", "failing"],
)
def test_error_page_in_a_real_browser(bakery, tmp_path, answers, path, status, heading):
    project = bakery(answers)
    name = f"{combination_id(answers)}-{status}.png"
    with serve_with_failing_route(project, tmp_path) as port:
        dom = open_in_chromium(f"http://127.0.0.1:{port}{path}", SCREENSHOTS / name, tmp_path / "p")
    assert "<header>" in dom and "Flask Service</a>" in dom  # the layout of base.html
    assert f'<p class="status">{status}</p>' in dom
    assert f"<h1>{heading}</h1>" in dom
    assert re.search(r"Request ID: <code>[0-9a-f]{32}</code>", dom)
    assert SECRET not in dom and "RuntimeError" not in dom
    if status == 500:  # the view's failure went to the log file instead, its message scrubbed
        log = (tmp_path / "app.log").read_text(encoding="utf-8")
        assert "RuntimeError: database refused password=[Filtered]" in log
        assert SECRET not in log


@pytest.mark.parametrize("answers", HTML_FORMATS)
def test_missing_error_templates_still_get_an_answer_from_gunicorn(bakery, tmp_path, answers):
    """Without the error templates (TemplateNotFound is an OSError, which gunicorn's sync worker
    takes for a socket error), every error still gets its status and a body."""
    baked = bakery(answers)
    project = tmp_path / baked.name
    shutil.copytree(baked, project)
    shutil.rmtree(project / "src" / project.name / "templates" / "errors")
    with serve_with_failing_route(project, tmp_path) as port:
        for path, status in [("/no-such-page", 404), ("/fail", 500)]:
            code, headers, body = get(port, path, {"Accept": "text/html"})
            assert code == status
            assert headers["Content-Type"] == "text/plain; charset=utf-8"
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["X-Request-ID"] in body.decode()
