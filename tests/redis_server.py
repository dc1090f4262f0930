"""A real Redis server for the tests: Debian's ``redis-server``, run from a temporary directory on a
loopback port, with nothing saved to disk, and stopped at the end.

The tests can stop it and start it again on the same port (Redis away), or pause it with SIGSTOP
(Redis hung: connections are accepted by the kernel, and nothing answers).
"""

import contextlib
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import redis


def redis_server_path() -> str | None:
    return shutil.which("redis-server")


class Redis:
    """A server on ``127.0.0.1:port``."""

    def __init__(self, directory: Path, port: int, executable: str):
        self.directory, self.port, self.executable = directory, port, executable
        self.process: subprocess.Popen | None = None

    def url(self, database: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{database}"

    def client(self, database: int = 0) -> redis.Redis:
        """A client of database ``database``, which waits 5 s at most for an answer."""
        return redis.Redis(port=self.port, db=database, socket_timeout=5, socket_connect_timeout=5)

    def command(self, *arguments: str, database: int = 0) -> object:
        """One command's answer, such as ``command("DBSIZE", database=15)``."""
        with self.client(database) as client:
            return client.execute_command(*arguments)

    def start(self) -> None:
        log = (self.directory / "server.log").open("ab")
        self.process = subprocess.Popen(
            [
                self.executable,
                *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, (self.directory / "server.log").read_text()
            try:
                if self.command("PING"):
                    return
            except redis.ConnectionError:
                pass
            assert time.monotonic() < deadline, "redis-server did not start within 30 s"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)  # a paused server cannot stop
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


@contextlib.contextmanager
def redis_server(port: int) -> Iterator[Redis]:
    executable = redis_server_path()
    assert executable is not None, "Redis is not installed (Debian: apt-get install redis-server)"
    directory = Path(tempfile.mkdtemp(prefix="redis-"))
    server = Redis(directory, port, executable)
    try:
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
