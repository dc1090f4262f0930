"""The default project, every reporter on, served by its own gunicorn.conf.py with 4 workers while
its neighbours fail: the SMTP server accepts and never answers, the Sentry endpoint accepts and
never replies, and 64 clients hold partial requests open.

The checks assert behaviour only; ``tests/bench.py`` prints the timings.
"""

import contextlib
import re
import signal
import socket
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import combination
from traffic import (
    TIMEOUT,
    healthz_seconds,
    mixed_paths,
    neighbours,
    send_all,
    served_with_reporters,
    slow_clients,
    worker_rss_kib,
)

EVERY_REPORTER = combination(use_email_logging=True, use_file_logging=True, use_sentry=True)
WORKERS = 4
SLOW_CLIENTS = 64


@contextlib.contextmanager
def served_with_failing_neighbours(project: Path, tmp_path: Path, **env: str):
    """gunicorn (the project's own settings, 4 workers) with a failing route, email to a hung SMTP
    server, Sentry to a black hole and a log file; yields (port, master process, output, log)."""
    with (
        neighbours(healthy=False) as (smtp, sentry),
        served_with_reporters(project, tmp_path, smtp, sentry, workers=WORKERS, **env) as served,
    ):
        yield served


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
