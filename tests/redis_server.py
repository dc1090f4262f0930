"""A real Redis server for the tests: Debian's ``redis-server``, run from a temporary directory on a
loopback port, with nothing saved to disk, and stopped at the end.

The tests can stop it and start it again on the same port (Redis away), or pause it with SIGSTOP
(Redis hung: connections are accepted by the kernel, and nothing answers).
"""

import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def redis_server_path() -> str | None:
    return shutil.which("redis-server")


class Redis:
    """A server on ``127.0.0.1:port``."""

    def __init__(self, directory: Path, port: int, executable: str):
        self.directory, self.port, self.executable = directory, port, executable
        self.process: subprocess.Popen | None = None

    def url(self, database: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{database}"

    def command(self, *arguments: str) -> bytes:
        """One command in RESP, its raw reply's first line (enough for PING, SET, DBSIZE)."""
        request = f"*{len(arguments)}\r\n" + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in arguments)
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as connection:
            connection.sendall(request.encode())
            return connection.makefile("rb").readline().rstrip(b"\r\n")

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
                if self.command("PING") == b"+PONG":
                    return
            except OSError:
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
