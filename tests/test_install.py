"""A baked project installs into a fresh virtual environment with pip and passes its own tests.

This is what catches a dependency missing from the generated pyproject.toml (the matrix runs every
project in the template's environment, which has them all). It needs PyPI. The projects are the
matrix's own bakes; nothing here may write into them (the matrix checks their exact file set).
"""

import os
import re
import sys

import pytest

from conftest import SECRET_KEY, assert_project_tests_pass, combination, run

ALL_OFF = {"use_email_logging": False, "use_file_logging": False, "use_sentry": False, "use_database": False}
ALL_ON = {"use_email_logging": True, "use_file_logging": True, "use_sentry": True, "use_database": True}


@pytest.mark.slow
@pytest.mark.parametrize(
    "answers",
    [
        combination(),
        combination(**ALL_OFF),
        combination(error_format="json", layout="single_module", **ALL_ON),
    ],
)
def test_fresh_install_passes_its_own_tests(bakery, tmp_path, answers):
    project = bakery(answers)
    venv = tmp_path / "venv"
    created = run(sys.executable, "-m", "venv", str(venv))
    assert created.returncode == 0, created.stderr
    python = str(venv / "bin" / "python")
    # The dev tools are a dependency group (PEP 735), which pip installs from version 25.1.
    upgrade = run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip>=25.1", timeout=300)
    assert upgrade.returncode == 0, upgrade.stderr[-3000:]
    install = run(
        python, "-m", "pip", "install", "--quiet", "-e", ".", "--group", "dev", cwd=project, timeout=900
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    # The dev group is all that mypy needs to pass, strict on src/, as the project's CI runs it.
    typed = run(python, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy"), cwd=project)
    assert typed.returncode == 0, typed.stdout[-3000:] + typed.stderr[-3000:]
    # Nothing may land in the project: no bytecode, and the log file (if any) in tmp_path.
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "LOG_FILE": str(tmp_path / "app.log"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "SECRET_KEY": SECRET_KEY,
    }
    routes = run(str(venv / "bin" / "flask"), "--app", project.name, "routes", cwd=project, env=env)
    assert routes.returncode == 0, routes.stderr
    # The item route's converter bounds the id to its column's range where there is a database.
    assert re.search(r"/api/items/<int(\(max=\d+\))?:item_id>", routes.stdout), routes.stdout
    assert_project_tests_pass(project, python=python)
