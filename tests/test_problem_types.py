"""The problem types' record guards clients, in a baked project: a type renamed fails its tests
with a message that says it breaks clients and how to record the change deliberately; a new type
fails them only until it is recorded, with the command the message gives; recorded, they pass.

The generated ``tests/test_problems.py`` is run as a team runs it, on a copy of the default project
(nothing is written into the shared bake).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DEFAULTS

pytestmark = pytest.mark.slow  # runs a project's own tests, as its suite runs do

RECORD_COMMAND = "uv run pytest tests/test_problems.py --record-problem-types"
# A type a team adds, in problems.py before TYPES.
SOLD_OUT = """
SOLD_OUT = ProblemType(
    "sold-out",
    409,
    "Sold out",
    happens="Nothing of the item is left.",
    retry="Only once the item is back.",
    retryable=False,
    example={"detail": "The teapot is sold out."},
)
"""
TYPES_START = "\n# Every type, in the order of the catalogue.\nTYPES = (\n"


def problem_type_tests(project: Path, *options: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["tests/test_problems.py", "-k", "recorded", *options]
    environment = {**os.environ, "PYTHONPATH": str(project / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    environment["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return subprocess.run(command, cwd=project, env=environment, capture_output=True, text=True)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name} has no single {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_renamed_type_fails_saying_it_breaks_clients_until_recorded(bakery, tmp_path):
    baked = bakery(DEFAULTS)
    project = shutil.copytree(baked, tmp_path / baked.name)
    edit(project / "src" / project.name / "problems.py", '    "taken",\n', '    "name-taken",\n')

    result = problem_type_tests(project)
    assert result.returncode == 1, result.stdout
    assert "break the clients that branch on them" in result.stdout
    assert re.search(r"taken: removed or renamed", result.stdout)
    assert f"`{RECORD_COMMAND}`" in result.stdout and "major version" in result.stdout

    recorded = problem_type_tests(project, "--record-problem-types")
    assert recorded.returncode == 0, recorded.stdout
    record = (project / "tests" / "problem_types.json").read_text(encoding="utf-8")
    assert '"name-taken"' in record and '"taken"' not in record
    assert problem_type_tests(project).returncode == 0


def test_a_new_type_fails_only_until_it_is_recorded(bakery, tmp_path):
    baked = bakery(DEFAULTS)
    project = shutil.copytree(baked, tmp_path / baked.name)
    problems = project / "src" / project.name / "problems.py"
    edit(problems, TYPES_START, f"{SOLD_OUT}{TYPES_START}    SOLD_OUT,\n")

    result = problem_type_tests(project)
    assert result.returncode == 1, result.stdout
    assert "sold-out: a new type" in result.stdout
    assert f"This breaks no client: record it with `{RECORD_COMMAND}`" in result.stdout

    assert problem_type_tests(project, "--record-problem-types").returncode == 0
    assert problem_type_tests(project).returncode == 0
