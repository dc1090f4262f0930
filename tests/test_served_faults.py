"""The default project, every reporter on, served by its own gunicorn.conf.py with 4 workers while
its neighbours fail: the SMTP server accepts and never answers, the Sentry endpoint accepts and
never replies, and 64 clients hold partial requests open.

The checks assert behaviour only; ``tests/bench.py`` prints the timings.
"""

import contextlib
import http.client
import re
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import combination
from traffic import (
    BOOT_TIMEOUT,
    TIMEOUT,
    healthz_seconds,
    mixed_paths,
    neighbours,
    send_all,
    served_with_reporters,
    slow_clients,
    worker_rss_kib,
)

pytestmark = pytest.mark.slow  # serves a project under load

EVERY_REPORTER = combination(use_email_logging=True, use_file_logging=True, use_sentry=True)
WORKERS = 4
SLOW_CLIENTS = 64


@contextlib.contextmanager
def served_with_failing_neighbours(project: Path, tmp_path: Path, workers: int = WORKERS, **env: str):
    """gunicorn (the project's own settings, 4 workers) with a failing route, email to a hung SMTP
    server, Sentry to a black hole and a log file; yields (port, master process, output, log)."""
    with (
        neighbours(healthy=False) as (smtp, sentry),
        served_with_reporters(project, tmp_path, smtp, sentry, workers=workers, **env) as served,
    ):
        yield served


# The project's gunicorn.conf.py, plus a pre_request hook that logs each request's id as gunicorn
# takes it. gunicorn reads only the names that are settings; the others start with "_".
LOGGING_EACH_REQUEST = """\
import os

with open("gunicorn.conf.py", encoding="utf-8") as _settings:
    exec(compile(_settings.read(), os.path.abspath("gunicorn.conf.py"), "exec"))

_STARTED = {started!r}


def pre_request(worker, req):
    request_id = next((value for name, value in req.headers if name == "X-REQUEST-ID"), "-")
    _log = os.open(_STARTED, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(_log, f"{{request_id}}\\n".encode())
    finally:
        os.close(_log)
"""


# A view that blocks its whole gevent worker (the unpatched sleep), so the worker stops reporting
# in to the master, as a worker stuck in a C call or a CPU loop would.
HANGING_APP = """\
from gevent.monkey import get_original

from failing import make_app as make_failing_app

block = get_original("time", "sleep")


def hang():
    block(60)
    return "too late"


def make_app():
    app = make_failing_app()
    app.add_url_rule("/hang", "hang", hang)
    return app
"""

# The project's gunicorn.conf.py with a short worker timeout, and a report window that fits in it
# as the project's 5 s fit in its 30 s (Sentry's own flush at exit takes up to 2 s more). The
# aborted worker has `timeout` seconds to exit: with 5, a busy machine once took them all and the
# master sent SIGKILL. It stays under the client's TIMEOUT (10 s), which must see the hung request
# reset by the abort, not time out first.
SHORT_TIMEOUT = """\
import os

with open("gunicorn.conf.py", encoding="utf-8") as _settings:
    exec(compile(_settings.read(), os.path.abspath("gunicorn.conf.py"), "exec"))

timeout = 7
REPORT_SECONDS = 1
"""


def error_lines_per_request(log: Path) -> Counter:
    text = "".join(path.read_text(encoding="utf-8") for path in log.parent.glob(f"{log.name}*"))
    return Counter(re.findall(r" ERROR \[([\w.:-]+)\] ", text))


@pytest.mark.parametrize("answers", [EVERY_REPORTER])
def test_failing_neighbours_and_slow_clients_stall_nothing(bakery, tmp_path, answers):
    project = bakery(answers)
    started_log = tmp_path / "started.txt"
    settings = tmp_path / "logging_each_request.py"
    settings.write_text(LOGGING_EACH_REQUEST.format(started=str(started_log)), encoding="utf-8")
    environment = {"GUNICORN_CMD_ARGS": f"--config {settings}"}
    with served_with_failing_neighbours(project, tmp_path, **environment) as (port, master, output, log):
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

        # SIGTERM in the middle of a second burst: every request gunicorn took (its pre_request
        # hook logged the id) gets a complete answer; the others were refused, or reset while still
        # in the listen backlog. gunicorn exits 0 within graceful_timeout.
        second = mixed_paths(2000, seed=12)
        with ThreadPoolExecutor(max_workers=16) as pool:
            pending = [pool.submit(one_request, port, request) for request in second]
            deadline = time.monotonic() + 60
            while sum(future.done() for future in pending) < 200 and time.monotonic() < deadline:
                time.sleep(0.01)
            master.send_signal(signal.SIGTERM)
            start = time.monotonic()
            outcomes = [future.result() for future in pending]
        master.wait(timeout=30)
        stopped_in = time.monotonic() - start
        counts = Counter(outcome for outcome, _ in outcomes)
        print(f"second burst: {dict(counts)}; gunicorn stopped {stopped_in:.1f} s after SIGTERM")
        assert set(counts) <= {"answered", "refused", "reset"}, counts
        assert counts["answered"] >= 200
        answered = {request_id for outcome, request_id in outcomes if outcome == "answered"}
        started = set(started_log.read_text(encoding="utf-8").split())
        taken = {request_id for _, request_id in second} & started
        assert taken, "the hook logged no request of the second burst"
        assert taken - answered == set(), "requests gunicorn took but did not answer"
        assert master.returncode == 0
        # Each worker's queued email reports, which the hung server never took, are counted, and
        # every worker exited by itself: gunicorn kills those still there after graceful_timeout.
        output.seek(0)
        printed = output.read()
        assert re.search(r"\d+ error reports? (was|were) not emailed through 127\.0\.0\.1:", printed)
        assert "SIGKILL" not in printed, printed[-3000:]


def one_request(port: int, request: tuple[str, str]) -> tuple[str, str]:
    """GET on a connection of its own: ("answered", id) for a complete HTTP response, "refused"
    or "reset" when the server never took it, anything else a failure."""
    path, request_id = request
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request("GET", path, headers={"X-Request-ID": request_id, "Connection": "close"})
        response = connection.getresponse()
        response.read()  # IncompleteRead when the body is cut short
    except ConnectionRefusedError:
        return "refused", request_id
    except ConnectionResetError:  # also http.client.RemoteDisconnected: no status line at all
        return "reset", request_id
    except (OSError, http.client.HTTPException) as error:
        return f"cut off: {error!r}", request_id
    finally:
        connection.close()
    return "answered", request_id


@pytest.mark.parametrize("answers", [EVERY_REPORTER])
def test_a_worker_aborted_for_its_timeout_counts_its_unsent_reports(bakery, tmp_path, answers):
    project = bakery(answers)
    (tmp_path / "hanging.py").write_text(HANGING_APP, encoding="utf-8")
    settings = tmp_path / "short_timeout.py"
    settings.write_text(SHORT_TIMEOUT, encoding="utf-8")
    environment = {"GUNICORN_CMD_ARGS": f"--config {settings}"}
    served = served_with_failing_neighbours(
        project, tmp_path, workers=1, app="hanging:make_app()", **environment
    )
    with served as (port, master, output, log), ThreadPoolExecutor(max_workers=1) as pool:
        # One report on its way to the hung SMTP server, then a request that blocks the worker.
        assert one_request(port, ("/fail", "abort-1"))[0] == "answered"
        hung = pool.submit(one_request, port, ("/hang", "abort-2"))
        # gunicorn aborts the silent worker (WORKER TIMEOUT, SIGABRT); worker_exit counts the
        # report on stderr and the worker exits before the master's SIGKILL.
        deadline = time.monotonic() + 30
        text = ""
        while "Booting worker" not in text.partition("WORKER TIMEOUT")[2] and time.monotonic() < deadline:
            time.sleep(0.1)
            output.seek(0)
            text = output.read()
        assert hung.result()[0] == "reset"  # the worker died with the request
        healthz_seconds(port, timeout=BOOT_TIMEOUT)  # and its replacement answers, once booted
        output.seek(0)
        text = output.read()
    # The replacement boots once the aborted worker has exited, after its worker_exit.
    after_abort = text.partition("WORKER TIMEOUT")[2].partition("Booting worker")[0]
    assert re.search(
        r"1 error report was not emailed through 127\.0\.0\.1:\d+ \(1 still queued after 1 s, ",
        after_abort,
    ), text[-3000:]
    assert "SIGKILL" not in text, text[-3000:]
