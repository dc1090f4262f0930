"""A real PostgreSQL server for the tests: Debian's ``postgresql`` package, run from a temporary
directory on a loopback port, and stopped at the end.

PostgreSQL refuses to run as root, so as root (CI's containers) the server runs as the
``postgres`` user the package creates.
"""

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def bin_directory() -> Path | None:
    """Where initdb and pg_ctl are: on the PATH, or in Debian's versioned directory."""
    if initdb := shutil.which("initdb"):
        return Path(initdb).resolve().parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PostgreSQL:
    """A server on ``127.0.0.1:port``, trusting local connections as ``postgres``."""

    def __init__(self, directory: Path, port: int, bindir: Path):
        self.directory, self.port, self.bindir = directory, port, bindir
        self.data = directory / "data"

    def _run(self, tool: str, *arguments: str) -> None:
        command = [str(self.bindir / tool), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"{tool} failed: {result.stdout}{result.stderr}"

    def initdb(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c max_connections=200"
        )
        log = str(self.directory / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new, empty database; its URL."""
        sql = f'CREATE DATABASE "{name}"'
        self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-qc", sql)
        return self.url(name)


@contextlib.contextmanager
def postgresql_server(port: int) -> Iterator[PostgreSQL]:
    bindir = bin_directory()
    assert bindir is not None, "PostgreSQL is not installed (Debian: apt-get install postgresql)"
    directory = Path(tempfile.mkdtemp(prefix="postgresql-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    server = PostgreSQL(directory, port, bindir)
    try:
        server.initdb()
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
