"""Load and failing neighbours for a project served by real gunicorn on loopback.

Shared by the served fault check (``test_served_faults.py``), which asserts behaviour, and the
benchmark (``bench.py``), which prints timings. Every loop is bounded; traffic stays on loopback.
"""

import contextlib
import http.client
import http.server
import os
import random
import socket
import subprocess
import threading
import time
import typing
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from aiosmtpd.controller import Controller

from conftest import FAILING_APP, SECRET, free_port, gunicorn_process

TIMEOUT = 10  # seconds a client waits for an answer: far beyond any healthy one
# Seconds gunicorn's workers may take to boot after its master listens: 1.6 to 2.3 s on an idle
# 2-core machine, 4.7 to 4.9 s beside three busy processes, more in a loaded run of the suite.
BOOT_TIMEOUT = 60


@contextlib.contextmanager
def black_hole() -> Iterator[int]:
    """A loopback port that accepts connections and never sends a byte; yields the port."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                held.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in [*held, listener]:
            connection.close()


class Sink:
    """An aiosmtpd handler that accepts every message and counts it."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received += 1
        return "250 OK"


@contextlib.contextmanager
def smtp_server() -> Iterator[int]:
    """A healthy SMTP server (aiosmtpd) on loopback; yields its port."""
    controller = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


class Envelopes(http.server.BaseHTTPRequestHandler):
    """Sentry's ingest endpoint as the SDK sees it: every envelope is read and accepted."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format, *args) -> None:  # noqa: A002 (the base class's name)
        pass


@contextlib.contextmanager
def sentry_endpoint() -> Iterator[int]:
    """A healthy Sentry endpoint on loopback that accepts every envelope; yields its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Envelopes)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def neighbours(*, healthy: bool) -> Iterator[tuple[int, int]]:
    """An SMTP server and a Sentry endpoint on loopback, both answering (``healthy``) or both
    accepting connections and never answering; yields their ports."""
    with (
        smtp_server() if healthy else black_hole() as smtp,
        sentry_endpoint() if healthy else black_hole() as sentry,
    ):
        yield smtp, sentry


@contextlib.contextmanager
def served_with_reporters(
    project: Path,
    run: Path,
    smtp: int,
    sentry: int,
    *,
    workers: int = 4,
    app: str = "failing:make_app()",
    **env: str,
) -> Iterator[tuple[int, subprocess.Popen, typing.IO[str], Path]]:
    """gunicorn (the project's own settings) serving the app plus a failing ``/fail`` route, with
    email to ``smtp``, Sentry to ``sentry`` and a log file in ``run``; yields (port, master process,
    output, log file). ``app`` may name another module in ``run`` that builds on
    ``failing.make_app``; ``env`` overrides, e.g. ``GUNICORN_CMD_ARGS``."""
    (run / "failing.py").write_text(FAILING_APP.format(slug=project.name, secret=SECRET), encoding="utf-8")
    log = run / "logs" / "app.log"
    environment = {
        "PYTHONPATH": os.pathsep.join([str(project / "src"), str(run)]),
        "LOG_FILE": str(log),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp),
        "ADMINS": "ops@example.com",
        "SENTRY_DSN": f"http://public@127.0.0.1:{sentry}/1",
        **env,
    }
    with gunicorn_process(project, workers=workers, app=app, **environment) as (
        port,
        master,
        output,
    ):
        # gunicorn listens once its master has bound the port, while its workers still boot: the
        # checks start once one answers, so that their TIMEOUT bounds what they measure, not a boot.
        healthz_seconds(port, timeout=BOOT_TIMEOUT)
        yield port, master, output, log


@contextlib.contextmanager
def slow_clients(port: int, count: int) -> Iterator[None]:
    """``count`` connections that send a request's headers and part of its body, then wait."""
    connections = []
    try:
        for _ in range(count):
            connection = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
            connection.sendall(
                b"POST /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                b'{"name": "slo'
            )
            connections.append(connection)
        yield
    finally:
        for connection in connections:
            connection.close()


def healthz_seconds(port: int, timeout: float = TIMEOUT) -> float:
    """How long ``GET /healthz`` takes to answer; a client timeout raises ``TimeoutError``."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        assert response.status == 200
        response.read()
    finally:
        connection.close()
    return time.perf_counter() - start


def mixed_paths(total: int, seed: int = 11) -> list[tuple[str, str]]:
    """(path, request id) for ``total`` requests: 70 % missing pages, 20 % failing, 10 % healthy."""
    rng = random.Random(seed)
    paths = rng.choices(["/no-such-page", "/fail", "/healthz"], weights=[70, 20, 10], k=total)
    return [(path, f"mixed-{seed}-{number:05d}") for number, path in enumerate(paths)]


def send_all(port: int, requests: list[tuple[str, str]], connections: int = 16) -> dict:
    """Send ``requests`` over ``connections`` kept-alive connections (a new one after a failure,
    or when the server closes it). Returns the statuses, latencies (seconds) and failures."""
    share = [requests[number::connections] for number in range(connections)]

    def client(mine: list[tuple[str, str]]):
        statuses, latencies, failures = Counter(), [], []
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        try:
            for path, request_id in mine:
                start = time.perf_counter()
                try:
                    connection.request("GET", path, headers={"X-Request-ID": request_id})
                    response = connection.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException) as error:
                    failures.append((path, request_id, repr(error)))
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
                    continue
                latencies.append(time.perf_counter() - start)
                statuses[response.status] += 1
        finally:
            connection.close()
        return statuses, latencies, failures

    result = {"statuses": Counter(), "latencies": [], "failures": []}
    with ThreadPoolExecutor(max_workers=connections) as pool:
        for statuses, latencies, failures in pool.map(client, share):
            result["statuses"] += statuses
            result["latencies"] += latencies
            result["failures"] += failures
    return result


def worker_rss_kib(master: int) -> dict[int, int]:
    """Resident memory of each of gunicorn's workers (children of ``master``), in KiB."""
    sizes = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
            if int(fields["PPid"]) == master:
                sizes[int(status.parent.name)] = int(fields["VmRSS"].split()[0])
    return sizes
