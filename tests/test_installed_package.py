"""A database project installed from its wheel, not in place as ``uv sync`` and ``pip install -e``
install it, migrates and serves from any directory: its migrations travel with the package.

Offline: the wheel is built with this environment's hatchling, and the new virtual environment
reads its dependencies from this one (a ``.pth`` file) rather than from PyPI.
"""

import os
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from conftest import SECRET_KEY, TRUSTED_HOSTS, combination, free_port, get, run, uv

pytestmark = pytest.mark.slow  # builds and installs a project


def installed(project: Path, venv: Path) -> Path:
    """``project`` installed from its wheel into a new virtual environment at ``venv``; its Python."""
    created = run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    packages = run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    Path(packages.stdout.strip(), "template-environment.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    # uv, which a virtual environment made by ``uv venv`` has where it has no pip; the wheel is built
    # by the template environment's hatchling, which the .pth above lets the new environment import.
    install = run(
        uv(), "pip", "install", "--quiet", "--python", str(python), "--no-deps",
        "--no-build-isolation", "--offline", str(project), timeout=300,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    return python


@pytest.fixture(scope="module")
def wheel_install(bakery, tmp_path_factory) -> tuple[Path, Path]:
    """The default project, and the Python of a virtual environment it is installed in, from its wheel."""
    project = bakery(combination().values[0])
    python = installed(project, tmp_path_factory.mktemp("wheel") / "venv")
    where = run(str(python), "-c", f"import {project.name}; print({project.name}.__file__)")
    assert where.stdout.startswith(str(python.parent.parent)), where.stdout + where.stderr
    return project, python


def readiness_when_served(project: Path, python: Path, work: Path, environment: dict) -> int:
    """The status of ``GET /readyz`` from gunicorn, run in ``work`` with the project's configuration."""
    port = free_port()
    command = [str(python), "-m", "gunicorn", "--config", str(project / "gunicorn.conf.py")]
    with open(work / "gunicorn.log", "w+") as output:
        server = subprocess.Popen(
            [*command, f"--bind=127.0.0.1:{port}", "--workers=1"],
            cwd=work,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                assert server.poll() is None, (work / "gunicorn.log").read_text()[-3000:]
                try:
                    return get(port, "/readyz")[0]
                except OSError:
                    assert time.monotonic() < deadline, "gunicorn did not start within 30 s"
                    time.sleep(0.1)
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_an_installed_wheel_migrates_and_serves_from_another_directory(
    wheel_install, tmp_path, request, database
):
    project, python = wheel_install
    work = tmp_path / "elsewhere"
    work.mkdir()
    # The log file, and the default database, relative to the working directory.
    environment = {
        **os.environ,
        "SECRET_KEY": SECRET_KEY,
        "TRUSTED_HOSTS": TRUSTED_HOSTS,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in ("DATABASE_URL", "PYTHONPATH", "FLASK_DEBUG", "LOG_FILE"):
        environment.pop(name, None)
    if database == "postgresql":
        environment["DATABASE_URL"] = request.getfixturevalue("postgresql").create_database("installed")

    upgrade = run(
        str(python), "-m", "flask", "--app", project.name, "db", "upgrade", cwd=work, env=environment
    )
    assert upgrade.returncode == 0, upgrade.stderr[-3000:]
    assert (work / "instance" / f"{project.name}.db").is_file() == (database == "sqlite")
    assert readiness_when_served(project, python, work, environment) == 200
