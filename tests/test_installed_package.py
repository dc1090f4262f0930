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

from conftest import SECRET_KEY, combination, free_port, get, run


def installed(project: Path, venv: Path) -> Path:
    """``project`` installed from its wheel into a new virtual environment at ``venv``; its Python."""
    created = run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    packages = run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    Path(packages.stdout.strip(), "template-environment.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    install = run(
        sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
        "--no-build-isolation", "--no-index", str(project), timeout=300,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    return python


@pytest.mark.parametrize("answers", [combination()])
def test_an_installed_wheel_migrates_and_serves_from_another_directory(bakery, answers, tmp_path):
    project = bakery(answers)
    python = installed(project, tmp_path / "venv")
    work = tmp_path / "elsewhere"
    work.mkdir()
    # The default database, and the log file, relative to the working directory.
    environment = {**os.environ, "SECRET_KEY": SECRET_KEY, "PYTHONDONTWRITEBYTECODE": "1"}
    for name in ("DATABASE_URL", "PYTHONPATH", "FLASK_DEBUG", "LOG_FILE"):
        environment.pop(name, None)
    where = run(str(python), "-c", f"import {project.name}; print({project.name}.__file__)", cwd=work)
    assert where.stdout.startswith(str(tmp_path / "venv")), where.stdout + where.stderr

    upgrade = run(
        str(python), "-m", "flask", "--app", project.name, "db", "upgrade", cwd=work, env=environment
    )
    assert upgrade.returncode == 0, upgrade.stderr[-3000:]
    assert (work / "instance" / f"{project.name}.db").is_file()

    port = free_port()
    command = [
        str(python),
        "-m",
        "gunicorn",
        "--config",
        str(project / "gunicorn.conf.py"),
        f"--bind=127.0.0.1:{port}",
    ]
    with open(tmp_path / "gunicorn.log", "w+") as output:
        server = subprocess.Popen(
            [*command, "--workers=1"], cwd=work, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
                try:
                    status = get(port, "/readyz")[0]
                    break
                except OSError:
                    assert time.monotonic() < deadline, "gunicorn did not start within 30 s"
                    time.sleep(0.1)
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert status == 200
