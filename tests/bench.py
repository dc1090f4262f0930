"""Benchmarks of the template, printed side by side with their baselines in one run.

    python tests/bench.py [--bakes N] [--no-matrix]

- one bake by the cookiecutter CLI (median of N), next to ``cookiecutter --version``: the start-up
  floor that every bake pays before it renders a file;
- the whole 96-combination check (``pytest tests/test_matrix.py``), timed once;
- one 404 through the test client: a bare Flask app next to a generated one, for problem+json and
  for the HTML page (median of 5 rounds of ``--requests``);
- one request in a Flask app with one SQLite engine: Flask-SQLAlchemy-Lite, whose ``async``
  teardown Flask runs through asgiref at the end of every request, next to Flask-SQLAlchemy, which
  the generated database projects use;
- a failing request while the SMTP server (aiosmtpd) sleeps 2 s in DATA: email reports off, the
  generated email reporting, and ``SMTPHandler`` attached as the Flask docs show; and the emails
  each sends for 30 identical errors;
- 4 gunicorn workers rotating one small log file through 3000 failing requests: lines lost by the
  generated project's handler and by ``RotatingFileHandler`` in its place.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conftest import fail_concurrently, logged_request_ids, serve_with_failing_route

TEMPLATE = Path(__file__).resolve().parent.parent
COOKIECUTTER = [sys.executable, "-m", "cookiecutter"]
NO_REPORTING = ["use_email_logging=no", "use_file_logging=no", "use_sentry=no"]

# Microseconds per request through the test client: the median of 5 rounds.
PER_REQUEST = """
import statistics, time

def per_request(app, path, headers, requests):
    client = app.test_client()
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(requests):
            client.get(path, headers=headers)
        rounds.append((time.perf_counter() - start) / requests * 1e6)
    return statistics.median(rounds)
"""

# Run inside a baked project (its src on the path): microseconds per 404, bare Flask and generated.
NOT_FOUND_TIMING = """{per_request}
import sys
from flask import Flask
from {slug} import create_app

bare = Flask("bare")
bare.add_url_rule("/", "index", lambda: "home")
generated = create_app({{"TESTING": True}})
headers = {{"Accept": sys.argv[1]}}
print(*(per_request(app, "/no-such-page", headers, {requests}) for app in (bare, generated)))
"""

# A request's cost with each Flask integration of SQLAlchemy: microseconds per GET of a page that
# does not touch the database, in a bare Flask app with one SQLite engine.
DATABASE_TIMING = """{per_request}
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy_lite import SQLAlchemy as SQLAlchemyLite

def app_with(extension, config):
    app = Flask("bench")
    app.config.update(config)
    extension.init_app(app)
    app.add_url_rule("/", "index", lambda: "home")
    return app

lite = app_with(SQLAlchemyLite(), {{"SQLALCHEMY_ENGINES": {{"default": "sqlite://"}}}})
flask_sqlalchemy = app_with(SQLAlchemy(), {{"SQLALCHEMY_DATABASE_URI": "sqlite://"}})
print(*(per_request(app, "/", {{}}, {requests}) for app in (lite, flask_sqlalchemy)))
"""

# Run inside a baked project with email reports: per-request milliseconds and emails sent.
EMAIL_TIMING = """
import asyncio, logging, socket, statistics, time
from logging.handlers import SMTPHandler
from aiosmtpd.controller import Controller
from {slug} import create_app

class Server:
    def __init__(self, delay):
        self.delay, self.received = delay, 0

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        self.received += 1
        return "250 OK"

def serve(delay):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Server(delay)
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    return server, port

def fail():
    raise RuntimeError("boom")

def app_with(port=None, docs_handler=False):
    mail = {{"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "ADMINS": ["ops@example.com"]}}
    app = create_app({{"SECRET_KEY": "k" * 32, **(mail if port and not docs_handler else {{}})}})
    app.add_url_rule("/fail", "fail", fail)
    if docs_handler:  # https://flask.palletsprojects.com/en/stable/logging/#email-errors-to-admins
        handler = SMTPHandler(("127.0.0.1", port), "app@localhost", ["ops@example.com"], "Error")
        handler.setLevel(logging.ERROR)
        app.logger.addHandler(handler)
    return app

def milliseconds(app, requests):
    client, times = app.test_client(), []
    for _ in range(min(requests, 20)):  # warm up: first requests fill caches
        client.get("/fail")
    for _ in range(requests):
        start = time.perf_counter()
        client.get("/fail")
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)

slow, slow_port = serve(2.0)
off = milliseconds(app_with(), {requests})
generated = milliseconds(app_with(slow_port), {requests})
docs = milliseconds(app_with(slow_port, docs_handler=True), 3)

counted = []
for docs_handler in (False, True):
    fast, fast_port = serve(0.0)
    app = app_with(fast_port, docs_handler)
    client = app.test_client()
    for _ in range(30):
        client.get("/fail")
    for handler in list(app.logger.handlers):  # drain the queue: send what is waiting
        app.logger.removeHandler(handler)
        handler.close()
    counted.append(fast.received)
print(off, generated, docs, *counted)
"""

# gunicorn's app for the baseline: the failing app with RotatingFileHandler for the log file.
PLAIN_ROTATION = """
from logging.handlers import RotatingFileHandler
from failing import make_app as make_failing_app

def make_app():
    app = make_failing_app()
    [safe] = [handler for handler in app.logger.handlers if handler.get_name() == "logfile"]
    plain = RotatingFileHandler(safe.baseFilename, maxBytes=20000, backupCount=10000)
    plain.setFormatter(safe.formatter)
    plain.filters = safe.filters
    app.logger.removeHandler(safe)
    safe.close()
    app.logger.addHandler(plain)
    return app
"""


def seconds(command: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, **kwargs)
    return time.perf_counter() - start


def median_seconds(command_for_run, runs: int) -> float:
    return statistics.median(seconds(command_for_run(number)) for number in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bakes", type=int, default=15, help="runs for each median (default 15)")
    parser.add_argument("--no-matrix", action="store_true", help="skip the 96-combination check")
    parser.add_argument("--requests", type=int, default=2000, help="404s per round (default 2000)")
    options = parser.parse_args()
    os.environ.pop("FLASK_DEBUG", None)

    with tempfile.TemporaryDirectory() as output:
        floor = median_seconds(lambda _: [*COOKIECUTTER, "--version"], options.bakes)
        bake = median_seconds(
            lambda number: [*COOKIECUTTER, "--no-input", str(TEMPLATE), "-o", f"{output}/{number}"],
            options.bakes,
        )
    print(f"{'measure':<44}{'seconds':>10}")
    print(f"{'cookiecutter --version (floor), median':<44}{floor:>10.3f}")
    print(f"{'one bake by the CLI, median':<44}{bake:>10.3f}")
    print(f"{'bake above the floor':<44}{bake - floor:>10.3f}")
    if not options.no_matrix:
        matrix = seconds([sys.executable, "-m", "pytest", "-q", "tests/test_matrix.py"], cwd=TEMPLATE)
        label = f"96-combination check ({os.cpu_count()} cores)"
        print(f"{label:<44}{matrix:>10.3f}")
    print()
    not_found(options.requests)
    print()
    database_request(options.requests)
    print()
    email_reports(requests=300)
    print()
    rotation(requests=3000, workers=4)


def bake(output: str, name: str, *answers: str) -> Path:
    command = [*COOKIECUTTER, "--no-input", str(TEMPLATE), "-o", f"{output}/{name}", *answers]
    subprocess.run(command, check=True, capture_output=True)
    return next(Path(output, name).iterdir())


def run_in(project: Path, script: str, *args: str) -> list[float]:
    """Run ``script`` with ``project``'s package importable; the numbers it prints."""
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        env={**os.environ, "PYTHONPATH": str(project / "src")},
        check=True,
        capture_output=True,
        text=True,
    )
    return [float(number) for number in result.stdout.split()]


def not_found(requests: int) -> None:
    """Time a 404 in a bare Flask app and in a generated one, for each error format."""
    print(f"{'one 404 through the test client':<44}{'bare Flask':>12}{'generated':>12}{'ratio':>8}")
    cases = [("json", "application/json", "problem+json"), ("html", "text/html", "HTML page")]
    with tempfile.TemporaryDirectory() as output:
        for error_format, accept, label in cases:
            project = bake(output, error_format, f"error_format={error_format}", *NO_REPORTING)
            script = NOT_FOUND_TIMING.format(per_request=PER_REQUEST, slug=project.name, requests=requests)
            bare, generated = run_in(project, script, accept)
            row = f"{label} (microseconds)"
            print(f"{row:<44}{bare:>12.1f}{generated:>12.1f}{generated / bare:>7.2f}x")


def database_request(requests: int) -> None:
    """Time a request in a Flask app with each SQLAlchemy integration."""
    print(f"{'one request, app with an SQLite engine':<44}{'SA-Lite':>12}{'Flask-SA':>12}{'ratio':>8}")
    script = DATABASE_TIMING.format(per_request=PER_REQUEST, requests=requests)
    lite, flask_sqlalchemy = run_in(TEMPLATE, script)
    row = "  (microseconds)"
    print(f"{row:<44}{lite:>12.1f}{flask_sqlalchemy:>12.1f}{flask_sqlalchemy / lite:>7.2f}x")


def email_reports(requests: int) -> None:
    """A failing request against a slow SMTP server, and the emails 30 identical errors send."""
    with tempfile.TemporaryDirectory() as output:
        answers = ("use_email_logging=yes", "use_file_logging=no", "use_sentry=no")
        project = bake(output, "email", *answers)
        script = EMAIL_TIMING.format(slug=project.name, requests=requests)
        off, generated, docs, generated_emails, docs_emails = run_in(project, script)
    print(f"{'failing request, SMTP server sleeping 2 s':<44}{'email off':>12}{'generated':>12}", end="")
    print(f"{'SMTPHandler':>13}")
    print(f"{'  median milliseconds':<44}{off:>12.2f}{generated:>12.2f}{docs:>13.1f}")
    print(f"{'  ratio to email off':<44}{1:>11.2f}x{generated / off:>11.2f}x{docs / off:>12.0f}x")
    print(f"{'emails sent for 30 identical errors':<44}{'':>12}{generated_emails:>12.0f}", end="")
    print(f"{docs_emails:>13.0f}")


def rotation(requests: int, workers: int) -> None:
    """Lines lost when gunicorn's workers rotate one small log file, with each handler."""
    label = f"lines lost of {requests}, {workers} workers rotating"
    print(f"{label:<44}{'generated':>12}{'Rotating-':>13}")
    print(f"{'':<44}{'':>12}{'FileHandler':>13}")
    ids = [f"bench-{number:05d}" for number in range(requests)]
    lost = []
    with tempfile.TemporaryDirectory() as output:
        project = bake(output, "file", "use_file_logging=yes", "use_email_logging=no", "use_sentry=no")
        for app in ("failing:make_app()", "plain_rotation:make_app()"):
            run = Path(output, app.partition(":")[0])
            run.mkdir()
            (run / "plain_rotation.py").write_text(PLAIN_ROTATION, encoding="utf-8")
            log = run / "logs" / "app.log"
            rotate = {"LOG_FILE": str(log), "LOG_MAX_BYTES": "20000", "LOG_BACKUP_COUNT": "10000"}
            with serve_with_failing_route(project, run, workers=workers, app=app, **rotate) as port:
                fail_concurrently(port, ids)
            logged = logged_request_ids(log)
            lost.append(sum(1 for id_ in ids if logged[id_] == 0))
    print(f"{'  (a request with no ERROR line in any file)':<44}{lost[0]:>12}{lost[1]:>13}")


if __name__ == "__main__":
    main()
