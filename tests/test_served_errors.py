"""Error pages as a browser and a client see them, from a baked project served by real gunicorn.

The browser check opens a missing page and a failing route in headless Chromium and saves each
screenshot under ``build/screenshots/`` for a reviewer to look at.
"""

import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from conftest import (
    SECRET,
    TEMPLATE,
    combination,
    combination_id,
    get,
    gunicorn_process,
    require,
    serve_with_failing_route,
)

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
def test_a_problem_types_page_in_a_real_browser(bakery, tmp_path, answers):
    """The page a problem's type links to, as a person who follows the link sees it."""
    project = bakery(answers)
    name = f"{combination_id(answers)}-problem-type.png"
    with serve_with_failing_route(project, tmp_path) as port:
        url = f"http://127.0.0.1:{port}/problems/taken"
        dom = open_in_chromium(url, SCREENSHOTS / name, tmp_path / "p")
    assert "<header>" in dom and "Flask Service</a>" in dom
    assert '<p class="status">409</p>' in dom and "<h1>Value taken</h1>" in dom
    assert "<p>Type: <code>/problems/taken</code></p>" in dom
    assert "<h2>Does trying again help?</h2>" in dom and "choose another value" in dom
    assert "<dt><code>errors</code></dt>" in dom
    example = re.search(r'<pre class="example">(.*?)</pre>', dom, re.DOTALL)[1]
    assert '"type": "/problems/taken"' in example and '"pointer": "#/name"' in example


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


def post_raw(port: int, body: bytes) -> int:
    """POST ``body``, framed as it is (chunked, say), to the items; the status gunicorn answers."""
    head = (
        "POST /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head.encode() + body)
        answer = connection.makefile("rb").readline()
    return int(answer.split()[1])


def chunked(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data)


@pytest.mark.parametrize("answers", [combination()])
def test_gunicorn_chunked_bodies_framed_wrongly_or_too_long_are_client_errors(bakery, answers, tmp_path):
    """A chunk size that is not hexadecimal, a chunk without its CRLF: 400s and no report; a
    chunked body longer than MAX_CONTENT_LENGTH: a 413, not a body cut short and stored."""
    project = bakery(answers)
    with gunicorn_process(project, LOG_FILE=str(tmp_path / "app.log")) as (port, _, output):
        broken = [b"zz\r\n{}\r\n0\r\n\r\n", b'12\r\n{"name": "Teapot"}0\r\n\r\n', b"-2\r\n{}\r\n0\r\n\r\n"]
        statuses = [post_raw(port, body) for body in broken]
        # Whole, this is a valid item; cut at MAX_CONTENT_LENGTH (1 MiB), still valid JSON.
        too_long = post_raw(port, chunked(b'{"name": "Teapot"}' + b" " * 2_600_000))
        output.seek(0)
        logged = output.read()
    assert statuses == [400, 400, 400]
    assert too_long == 413
    assert "Traceback" not in logged and " ERROR " not in logged, logged[-3000:]


def exchange(port: int, request: bytes) -> tuple[int, str, bytes]:
    """Send ``request`` as it is and read until gunicorn closes the connection: the status, the
    head and the body of the first response."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), head.decode("latin-1"), body


def request(path: str, *headers: str, body: bytes = b"", method: str = "GET") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", *headers, "Connection: close", "", ""]
    return "\r\n".join(lines).encode() + body


@pytest.mark.parametrize("answers", [combination()])
def test_gunicorn_hostile_headers_and_bodies_are_client_errors(bakery, answers, tmp_path):
    """Behind one proxy: a SCRIPT_NAME header, a host the service does not answer to, a body that
    never finishes and requests gunicorn refuses itself are client errors, no secret they carry
    is logged, and the client's address is the one the proxy added. (The database is fresh,
    without its tables: none of these requests reaches it.)"""
    project = bakery(answers)
    settings = {"LOG_FILE": str(tmp_path / "app.log"), "PROXY_HOPS": "1", "REQUEST_BODY_TIMEOUT": "1"}
    with gunicorn_process(project, **settings) as (port, _, output):
        # gunicorn trusted SCRIPT_NAME from loopback: a path outside it was a 500.
        script_name = exchange(port, request("/api/nothing", "Host: 127.0.0.1", "SCRIPT_NAME: /x"))
        evil = exchange(port, request("/api//items/1", "Host: evil.example"))
        forwarded_evil = exchange(
            port, request("/api//items/1", "Host: 127.0.0.1", "X-Forwarded-Host: evil.example")
        )
        probe = exchange(port, request("/healthz", "Host: 10.0.0.7"))
        # The client wrote 198.51.100.1; the proxy appended the address it saw.
        forwarded = "X-Forwarded-For: 198.51.100.1, 203.0.113.9"
        client = exchange(port, request("/api/nothing", "Host: 127.0.0.1", forwarded))
        unfinished = b"POST /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        unfinished += b'Content-Length: 100\r\n\r\n{"nam'
        slow = exchange(port, unfinished)
        # What the text access line would repeat of the client: a Basic-auth user name (with its
        # password beside it), an address in the user agent, a token in the path.
        private = exchange(
            port,
            request(
                "/reset-password/a-secret-token-456",
                "Host: 127.0.0.1",
                "Authorization: Basic YWxpY2UtdGhlLXVzZXI6cHc=",  # alice-the-user:pw
                "User-Agent: probe/1.0 (+mailto:jane@example.com)",
            ),
        )
        # Requests gunicorn refuses itself: its message quotes them.
        malformed = exchange(port, b"GET /reset/a-secret-token-123 HTTP/1.1 junk\r\n\r\n")
        too_long = exchange(port, request("/" + "a-secret-token-123" * 300, "Host: 127.0.0.1"))
        output.seek(0)
        logged = output.read()
    assert script_name[0] == 404
    for status, head, body in (evil, forwarded_evil):
        assert status == 400
        assert "Location" not in head and b"evil.example" not in body
        assert "X-Content-Type-Options: nosniff" in head
    assert probe[0] == 200
    assert client[0] == 404
    assert slow[0] == 408  # the connection closed after it, or exchange would still be reading
    access = [line for line in logged.splitlines() if '"GET /api/nothing HTTP/1.1" 404' in line]
    assert len(access) == 2, logged[-3000:]
    assert access[0].startswith("127.0.0.1 ") and access[1].startswith("203.0.113.9 ")
    assert "198.51.100.1" not in logged
    assert (malformed[0], too_long[0]) == (400, 414)
    assert logged.count("Invalid request from ip=127.0.0.1: refused by gunicorn") == 2, logged[-3000:]
    assert "a-secret-token-123" not in logged
    assert private[0] == 404
    [line] = [line for line in logged.splitlines() if '"GET /reset-password/' in line]
    assert '"GET /reset-password/[Filtered] HTTP/1.1" 404' in line
    assert line.startswith("203.0.113.9 - - [") or line.startswith("127.0.0.1 - - [")
    assert '"probe/1.0 (+mailto:[Filtered])"' in line
    assert re.search(r" [0-9a-f]{32}$", line), line  # the request's id
    assert not [word for word in ("alice-the-user", "jane@", "a-secret-token-456") if word in logged]
    assert "Traceback" not in logged and " ERROR " not in logged, logged[-3000:]
