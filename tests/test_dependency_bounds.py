"""Every set of dependencies the answers can produce installs and passes at both ends of its ranges.

For each set, uv resolves the project's requirements and its dev group at the lowest versions
``pyproject.toml`` allows (``--resolution lowest-direct``: what they need in turn at its newest) and
at the newest, installs them into a fresh virtual environment, and the project's own tests run
there. A lower bound that is wrong fails here, not in a user's deploy. The Dockerfile's way of
installing, from a lock without the dev tools, is checked too. Marked slow: it needs PyPI.

Three sets differ in what they install at those ends: all-on holds every lower bound the template
declares but one, sentry-sdk's 2.0, which tracing raises to 2.47 (its ``OTLPIntegration``); all-on
without tracing holds that one; all-off is the smallest set, which no other requirement pulls up.
Every other set is a subset of one of the first two and a superset of all-off, so by default only
those three are installed, at their lowest versions (what the second's add to all-on's is
sentry-sdk 2.0, so the tests that use Sentry run there, ``SENTRY_TESTS``). The newest versions
are PyPI's latest releases, which change on PyPI's days, not a change's: the suite's own
environment has them (``requirements-dev.txt`` bounds a project's packages from above only where
the project does, but pytest, held below 9.2 for pytest-xdist), and the covering array's suites
run there on every change;
a fresh install of them, as of the 64 sets at both ends with every test, runs with
``--all-combinations`` (the template's weekly workflow).
"""

import functools
import itertools
import shutil
import sys

import pytest

from conftest import (
    ALL_OFF,
    ALL_ON,
    assert_project_tests_pass,
    combination,
    matrix,
    read_toml,
    run,
    uv,
)

# The answers that change pyproject.toml's requirements; error_format and layout do not.
DEPENDENCY_ANSWERS = (
    *("use_email_logging", "use_file_logging", "use_sentry", "use_database", "use_redis", "use_tracing"),
)
# The sets whose bounds every other set's lie between (see test_every_dependency_set_lies_between_...).
ALL_ON_UNTRACED = {**ALL_ON, "use_tracing": False}
TOPS = (ALL_ON, ALL_ON_UNTRACED)
ENDS = (*TOPS, ALL_OFF)
DEPENDENCY_SETS = [
    dict(zip(DEPENDENCY_ANSWERS, values, strict=True))
    for values in itertools.product([True, False], repeat=len(DEPENDENCY_ANSWERS))
]


RESOLUTIONS = ("lowest-direct", "highest")
# All-on without tracing at its lowest versions: all-on's lowest but for sentry-sdk, at 2.0. By
# default the project's tests that use Sentry run there (its own, the reports' scrubbing of every
# channel, the logging that its integration hooks into); every test with --all-combinations.
UNTRACED_LOWEST = ({name: ALL_ON_UNTRACED[name] for name in DEPENDENCY_ANSWERS}, "lowest-direct")
SENTRY_TESTS = ("tests/test_sentry.py", "tests/test_scrubbing.py", "tests/test_logging.py")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.name == "test_the_project_passes_at_both_ends_of_its_ranges":
        if metafunc.config.getoption("all_combinations"):
            runs = [(answers, resolution) for answers in DEPENDENCY_SETS for resolution in RESOLUTIONS]
        else:
            # The newest versions are the suite's own environment's (the module's docstring).
            runs = [(ends, "lowest-direct") for ends in ENDS]
            runs = [
                ({name: answers[name] for name in DEPENDENCY_ANSWERS}, resolution)
                for answers, resolution in runs
            ]
        params = []
        for answers, resolution in runs:
            param = combination(**answers)
            params.append(
                pytest.param(param.values[0], resolution, id=f"{param.id}-{resolution}", marks=param.marks)
            )
        metafunc.parametrize(("answers", "resolution"), params)


@pytest.mark.slow
def test_the_project_passes_at_both_ends_of_its_ranges(bakery, tmp_path, answers, resolution, request):
    project = bakery(answers)
    every_test = request.config.getoption("all_combinations")
    venv = tmp_path / "venv"
    created = run(uv(), "venv", "--quiet", "--python", sys.executable, str(venv))
    assert created.returncode == 0, created.stderr
    python = str(venv / "bin" / "python")
    # The project in place (nothing is written into it) and its dev group, from its pyproject.toml.
    install = run(
        *(uv(), "pip", "install", "--quiet", "--python", python, "--resolution", resolution),
        *("--editable", ".", "--group", "dev"),
        cwd=project,
        timeout=900,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    # The coverage gate is checked on the presets' runs; here, what the tests need is installed.
    chosen = ({name: answers[name] for name in DEPENDENCY_ANSWERS}, resolution)
    tests = SENTRY_TESTS if chosen == UNTRACED_LOWEST and not every_test else ()
    assert_project_tests_pass(project, python=python, coverage_gate=False, tests=tests)


@pytest.mark.slow
@pytest.mark.parametrize("answers", [combination()])
def test_the_dockerfiles_install_takes_the_lock_and_refuses_a_stale_one(bakery, tmp_path, answers):
    """What the Dockerfile runs, outside Docker: ``uv sync --locked --no-dev``."""
    baked = bakery(answers)
    project = tmp_path / baked.name
    shutil.copytree(baked, project)
    sync = (uv(), "sync", "--quiet", "--locked", "--no-dev", "--extra", "postgresql")
    missing = run(*sync, cwd=project)
    assert missing.returncode != 0  # no uv.lock yet: the Dockerfile says so before this runs
    locked = run(uv(), "lock", "--quiet", cwd=project, timeout=900)
    assert locked.returncode == 0, locked.stderr[-3000:]
    installed = run(*sync, cwd=project, timeout=900)
    assert installed.returncode == 0, installed.stderr[-3000:]
    python = project / ".venv" / "bin" / "python"
    imports = run(str(python), "-c", f"import {project.name}, psycopg, gunicorn", cwd=tmp_path)
    assert imports.returncode == 0, imports.stderr
    assert run(str(python), "-c", "import pytest", cwd=tmp_path).returncode != 0, "dev tools installed"
    # A requirement added to pyproject.toml without locking again stops the install, saying why.
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace('"flask>=3.1",', '"flask>=3.1",\n    "idna>=3",'),
        encoding="utf-8",
    )
    stale = run(*sync, cwd=project)
    assert stale.returncode != 0
    assert "uv lock" in stale.stderr, stale.stderr


@functools.cache  # a shared bake's: nothing writes into it
def declared_requirements(project) -> frozenset[str]:
    """Every requirement a project declares, with its bounds: run time, extras and dependency groups."""
    pyproject = read_toml(project / "pyproject.toml")
    declared = [*pyproject["project"]["dependencies"]]
    declared += [r for extra in pyproject["project"].get("optional-dependencies", {}).values() for r in extra]
    declared += [r for group in pyproject["dependency-groups"].values() for r in group]
    return frozenset(declared)


@matrix
def test_every_dependency_set_lies_between_all_off_and_all_on(bakery, answers):
    """What lets the default run install only those three: every other combination declares a
    subset of all-on's requirements (or all-on-without-tracing's), bounds included, and a superset
    of all-off's."""
    declared = declared_requirements(bakery(answers))
    assert declared_requirements(bakery(ALL_OFF)) <= declared
    assert any(declared <= declared_requirements(bakery(top)) for top in TOPS)
