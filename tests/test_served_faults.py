"""The default project, every reporter on, served by its own gunicorn.conf.py with 4 workers while
its neighbours fail: the SMTP server accepts and never answers, the Sentry endpoint accepts and
never replies, and 64 clients hold partial requests open.

The checks assert behaviour only; ``tests/bench.py`` prints the timings.
"""

import contextlib
import http.client
import os
import random
import re
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import FAILING_APP, combination, gunicorn_process

EVERY_REPORTER = combination(use_email_logging=True, use_file_logging=True, use_sentry=True)
WORKERS = 4
SLOW_CLIENTS = 64
TIMEOUT = 10  # seconds a client waits for an answer: far beyond any healthy one


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


def healthz_seconds(port: int) -> float:
    """How long ``GET /healthz`` takes to answer (a client timeout fails the calling test)."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
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
    """Send ``requests`` over ``connections`` kept-alive connections; each thread stops at its
    first failure. Returns the statuses, latencies (seconds) and failures."""
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


@contextlib.contextmanager
def served_with_failing_neighbours(project: Path, tmp_path: Path):
    """gunicorn (the project's own settings, 4 workers) with a failing route, email to a hung SMTP
    server, Sentry to a black hole and a log file; yields (port, master process, output, log)."""
    (tmp_path / "failing.py").write_text(FAILING_APP.format(slug=project.name), encoding="utf-8")
    log = tmp_path / "logs" / "app.log"
    with black_hole() as smtp, black_hole() as sentry:
        environment = {
            "PYTHONPATH": os.pathsep.join([str(project / "src"), str(tmp_path)]),
            "LOG_FILE": str(log),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp),
            "ADMINS": "ops@example.com",
            "SENTRY_DSN": f"http://public@127.0.0.1:{sentry}/1",
        }
        with gunicorn_process(project, workers=WORKERS, app="failing:make_app()", **environment) as (
            port,
            master,
            output,
        ):
            yield port, master, output, log


def error_lines_per_request(log: Path) -> Counter:
    text = "".join(path.read_text(encoding="utf-8") for path in log.parent.glob(f"{log.name}*"))
    return Counter(re.findall(r" ERROR \[([\w.:-]+)\] ", text))


@pytest.mark.parametrize("answers", [EVERY_REPORTER])
def test_failing_neighbours_and_slow_clients_stall_nothing(bakery, tmp_path, answers):
    project = bakery(answers)
    with served_with_failing_neighbours(project, tmp_path) as (port, master, output, log):
        # 64 clients hold partial requests open: the probe is still answered (within TIMEOUT).
        with slow_clients(port, SLOW_CLIENTS):
            healthz_seconds(port)
        before = worker_rss_kib(master.pid)

        requests = mixed_paths(5000)
        result = send_all(port, requests)
        assert result["failures"] == []
        expected = Counter({"/no-such-page": 404, "/fail": 500, "/healthz": 200}[p] for p, _ in requests)
        assert result["statuses"] == expected
        failing = {request_id for path, request_id in requests if path == "/fail"}
        logged = error_lines_per_request(log)
        assert {request_id: logged[request_id] for request_id in failing} == dict.fromkeys(failing, 1)
        after = worker_rss_kib(master.pid)
        growth = {pid: after.get(pid, 0) - size for pid, size in before.items()}
        print(f"workers' RSS growth over 5000 requests (KiB): {growth}")

        # SIGTERM in the middle of a second burst: every request gunicorn took is answered, or
        # refused before it was taken; none is cut off. gunicorn exits 0 within graceful_timeout.
        second = mixed_paths(2000, seed=12)
        outcomes = Counter()

        def one(request: tuple[str, str]) -> str:
            path, request_id = request
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
            except ConnectionRefusedError:
                return "refused"
            with connection:
                try:
                    connection.sendall(
                        f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Request-ID: {request_id}\r\n"
                        "Connection: close\r\n\r\n".encode()
                    )
                    answer = connection.recv(12)
                except ConnectionResetError:
                    return "reset"
                return "answered" if answer.startswith(b"HTTP/1.1 ") else f"cut off: {answer!r}"

        with ThreadPoolExecutor(max_workers=16) as pool:
            pending = [pool.submit(one, request) for request in second]
            while sum(future.done() for future in pending) < 200:
                time.sleep(0.01)
            master.send_signal(signal.SIGTERM)
            start = time.monotonic()
            for future in pending:
                outcomes[future.result()] += 1
        master.wait(timeout=30)
        stopped_in = time.monotonic() - start
        output.seek(0)
        print(f"second burst: {dict(outcomes)}; gunicorn stopped {stopped_in:.1f} s after SIGTERM")
        assert outcomes["answered"] >= 200
        # A reset may be a connection still in the listen backlog when the listener closed, which
        # gunicorn never took; this check cannot yet tell it from a taken request cut off, so it
        # only prints resets. An answer that is not HTTP is always a failure.
        assert set(outcomes) <= {"answered", "refused", "reset"}, outcomes
        assert master.returncode == 0
        # Each worker's queued email reports, which the hung server never took, are counted.
        assert re.search(r"\d+ error reports were not emailed through 127\.0\.0\.1:", output.read())
        assert stopped_in < 25  # graceful_timeout in the project's gunicorn.conf.py
