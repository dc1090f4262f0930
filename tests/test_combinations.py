"""The covering array on which each project's own suite runs: every pair of answer values (or every
triple, with ``--strength 3``) in at least one run, the database the tests use (SQLite, PostgreSQL,
none) counting as one more answer, and the combinations teams use most.

What a pairwise run catches and what it misses, shown with seeded defects (``injection.py``): a
copy of the template whose factory forgets the health check's route when given answers hold
together. Forgotten for two answers, the pairwise rows holding both fail, and only they; forgotten
for three answers that no pairwise row holds together (found from the array itself), every pairwise
row passes and the strength-3 rows holding all three fail. Each failure is the project's own
``tests/test_health.py`` failing, and the same rows baked from a copy without the fault pass.
A defect that needs three answers together can thus escape the pairwise run: the static checks
that run on every combination (file set, residue, ruff, mypy, the deploy files) catch what shows
in the files, and the weekly ``--all-combinations`` run catches the rest.
"""

import re
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import (
    ALL_OFF,
    ALL_ON,
    COMBINATIONS,
    DATABASES,
    DEFAULTS,
    OPTIONS,
    PRESETS,
    TEMPLATE,
    array_combinations,
    as_run,
    assert_project_tests_pass,
    baked_files,
    combination_id,
    covering_array,
    covering_runs,
    expensive_combinations,
    imported,
    project_files,
    run,
    uncovered,
    with_databases,
)
from injection import PROJECT, TEMPLATE_PARTS, Fault, failing, faulty_template

# The answers with the database a project's tests run on in use_database's place.
RUN_OPTIONS = with_databases(OPTIONS)


def runs(strength: int | None) -> list[dict]:
    """The covering array's runs as rows of ``RUN_OPTIONS``."""
    return [as_run(answers, database) for answers, database in covering_runs(strength)]


@pytest.mark.parametrize("strength", [2, 3])
def test_the_array_holds_every_set_of_answer_values_and_databases_of_its_strength(strength):
    """Every pair (or triple) of answer values, the database (SQLite, PostgreSQL or none) counting
    as one more answer: each answer value meets each database in some project's run."""
    assert uncovered(runs(strength), RUN_OPTIONS, strength) == []
    combinations = [answers for answers, _ in covering_runs(strength)]
    assert uncovered(combinations, OPTIONS, strength) == []
    assert all(answers in COMBINATIONS for answers in combinations)


def test_a_project_runs_on_a_database_exactly_when_it_has_one():
    for answers, database in covering_runs(2) + covering_runs(None):
        assert (database in DATABASES) == answers["use_database"]
        assert database in {*DATABASES, None}


def test_the_array_always_holds_the_defaults_on_sqlite_all_on_on_postgresql_and_all_off():
    assert [run for run in covering_runs(2) if run[0] in PRESETS] == [
        (DEFAULTS, "sqlite"),
        (ALL_ON, "postgresql"),
        (ALL_OFF, None),
    ]


def test_the_pairwise_array_is_under_a_fifth_of_every_run():
    assert len(covering_runs(2)) < len(covering_runs(None)) / 5


def test_every_combination_on_each_of_its_databases_is_one_flag_away():
    assert expensive_combinations(None) == COMBINATIONS
    assert expensive_combinations(None, database=True) == [a for a in COMBINATIONS if a["use_database"]]


def test_a_strength_of_every_option_is_every_combination_on_each_of_its_databases():
    every = covering_runs(len(RUN_OPTIONS))
    assert sorted(map(repr, every)) == sorted(map(repr, covering_runs(None)))
    assert expensive_combinations(len(RUN_OPTIONS)) == COMBINATIONS


def test_one_more_yes_no_answer_costs_at_most_a_quarter_more():
    presets = [
        {**as_run(preset, database), "one_more": True}
        for preset, database in zip((DEFAULTS, ALL_ON, ALL_OFF), ("sqlite", "postgresql", None), strict=True)
    ]
    more = covering_array({**RUN_OPTIONS, "one_more": [True, False]}, 2, presets)
    assert uncovered(more, {**RUN_OPTIONS, "one_more": [True, False]}, 2) == []
    assert len(more) <= 1.25 * len(covering_runs(2))


def test_the_checks_of_the_array_check_every_combination_a_covering_run_uses():
    """mypy and the OpenAPI validation check the covering array's packages: those of every run,
    whichever database it uses."""
    used = {combination_id(answers) for answers, _ in covering_runs(2)}
    assert [combination_id(answers) for answers in array_combinations(2)] == sorted(
        used, key=[combination_id(answers) for answers in COMBINATIONS].index
    )
    collect = ("--collect-only", "-q", "-p", "no:cacheprovider", "-n", "0", "-k", "mypy_strict")
    result = run(sys.executable, "-m", "pytest", *collect, "test_matrix.py", cwd=TEMPLATE / "tests")
    assert f"test_mypy_strict_passes_on_src[the-covering-array-{len(used)}]" in result.stdout, result.stdout


def test_the_coverage_check_finds_a_missing_pair():
    """``uncovered`` is what the tests above rely on: it names a pair that no row holds."""
    json_on_postgresql = {"error_format": "json", "database": "postgresql"}
    rows = [run for run in runs(None) if not json_on_postgresql.items() <= run.items()]
    assert uncovered(rows, RUN_OPTIONS, 2) == [json_on_postgresql]


# The application factory, and its line that registers the health check's route (with the newline
# before it: the newline after it is the one the next ``{%- if %}`` strips).
FACTORY = f"{PROJECT}/src/{PROJECT}/__init__.py"
HEALTH_REGISTRATION = "\n    health.init_app(app)"
# The project's own tests of that route.
HEALTH_TESTS = "tests/test_health.py"
# Two answers that only bring the fault out together.
TWO_ANSWERS = {"error_format": "json", "layout": "single_module"}


def forgotten_health_check(answers: dict) -> Fault:
    """The factory forgets to register ``/healthz`` in every bake where ``answers`` all hold."""
    return Fault(FACTORY, answers, old=HEALTH_REGISTRATION, new="")


def answers_its_health_check(project: Path) -> None:
    """``GET /healthz`` is a 200 from the project's app, built in this process: the first test of the
    project's own ``tests/test_health.py``, without a pytest process for each bake."""
    with tempfile.TemporaryDirectory() as logs, imported(project) as package:
        config = {"TESTING": True, "DATABASE_URL": "sqlite://", "LOG_FILE": f"{logs}/app.log"}
        status = package.create_app(config).test_client().get("/healthz").status_code
    assert status == 200, f"GET /healthz: {status}"


def its_health_tests_pass(project: Path) -> None:
    """The project's own ``tests/test_health.py`` passes, run as its suite runs."""
    tests = (HEALTH_TESTS,)
    assert_project_tests_pass(project, coverage_gate=False, tests=tests, PYTHONPATH=str(project / "src"))


def assert_fails_exactly_where_brought_out(fault: Fault, rows: list[dict], cookies, tmp_path: Path):
    """Baked from a copy of the template with ``fault``, the rows whose answers bring it out fail the
    health check, and only they; on those rows the project's own health tests fail too, and the
    same rows baked from a copy without the fault pass both (each other row passed with the fault,
    so it needs no control)."""
    brought_out = [row for row in rows if fault.brought_out_by(row)]
    template = faulty_template(fault, tmp_path / "faulty")
    failures = failing(rows, template, answers_its_health_check, cookies)
    assert sorted(failures) == sorted(map(combination_id, brought_out)), failures
    assert all("GET /healthz: 404" in why for why in failures.values()), failures
    if brought_out:
        own = failing(brought_out, template, its_health_tests_pass, cookies)
        assert sorted(own) == sorted(failures), own
        assert all(f"FAILED {HEALTH_TESTS}::test_healthz_answers_ok_as_json" in why for why in own.values())
        clean = faulty_template(None, tmp_path / "clean")
        assert failing(brought_out, clean, answers_its_health_check, cookies) == {}
        assert failing(brought_out, clean, its_health_tests_pass, cookies) == {}


def template_files() -> dict[Path, bytes]:
    """Every file cookiecutter reads of the template's directory, with its bytes."""
    paths = [TEMPLATE / part for part in TEMPLATE_PARTS]
    files = [path for path in paths if path.is_file()]
    files += [file for path in paths if path.is_dir() for file in path.rglob("*") if file.is_file()]
    return {file: file.read_bytes() for file in files}


def test_a_faulty_copy_bakes_as_the_template_except_where_the_faults_answers_hold(bakery, cookies, tmp_path):
    """What the seeded-defect tests below rely on: the injected fault is the only difference, and
    only in bakes whose answers bring it out; the template itself is left as it was."""
    before = template_files()
    fault = forgotten_health_check(TWO_ANSWERS)
    template = faulty_template(fault, tmp_path)
    assert not fault.brought_out_by(ALL_ON) and fault.brought_out_by(ALL_OFF)
    for answers in (ALL_ON, ALL_OFF):
        made = project_files(cookies.bake(extra_context=answers, template=str(template)).project_path)
        expected = baked_files(bakery(answers))
        differing = {path for path in made.keys() | expected.keys() if made.get(path) != expected.get(path)}
        if fault.brought_out_by(answers):
            factory = "src/flask_service/__init__.py"
            assert differing == {factory}
            assert made[factory].decode() == expected[factory].decode().replace(HEALTH_REGISTRATION, "")
        else:
            assert differing == set()
    assert template_files() == before


@pytest.mark.slow
def test_a_fault_in_two_answers_fails_the_pairwise_rows_that_hold_both(cookies, tmp_path):
    fault = forgotten_health_check(TWO_ANSWERS)
    pairwise = array_combinations(2)
    assert any(fault.brought_out_by(row) for row in pairwise)
    # Each of the two answers is also in pairwise rows without the other, which must pass.
    for name, value in fault.answers.items():
        assert any(row[name] == value and not fault.brought_out_by(row) for row in pairwise)
    assert_fails_exactly_where_brought_out(fault, pairwise, cookies, tmp_path)


@pytest.mark.slow
def test_a_fault_in_three_answers_escapes_the_pairwise_rows_and_fails_a_strength_3_row(cookies, tmp_path):
    pairwise, strength_3 = array_combinations(2), array_combinations(3)
    missed = uncovered(pairwise, OPTIONS, 3)
    assert missed, "every triple of answers is in a pairwise row: no fault in three answers escapes"
    fault = forgotten_health_check(missed[0])
    # Every two of the three answers are in a pairwise row; no pairwise row holds all three.
    assert uncovered(pairwise, {name: [value] for name, value in fault.answers.items()}, 2) == []
    assert not any(fault.brought_out_by(row) for row in pairwise)
    assert any(fault.brought_out_by(row) for row in strength_3)
    assert_fails_exactly_where_brought_out(fault, pairwise, cookies, tmp_path / "pairwise")
    # Strength 3 catches it: its rows that hold the three answers fail. (That its other rows pass
    # is what the pairwise rows above, and the faulty copy's byte-for-byte bakes, already show.)
    caught = [row for row in strength_3 if fault.brought_out_by(row)]
    assert_fails_exactly_where_brought_out(fault, caught, cookies, tmp_path / "strength 3")


GROUPED = """\
import pytest


@pytest.mark.parametrize("number", [pytest.param(n, marks=pytest.mark.xdist_group("one")) for n in range(6)])
def test_grouped(number):
    pass
"""


def test_xdist_runs_a_group_on_one_worker(tmp_path):
    """The suite's checks of every combination share a worker (``xdist_group``), which bakes each
    combination once: pytest-xdist's ``--dist loadgroup`` must keep its groups with the pytest
    installed (with pytest 9.2 and pytest-xdist 3.8.0 it silently does not)."""
    (tmp_path / "test_grouped.py").write_text(GROUPED, encoding="utf-8")
    result = run(
        sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider", "-v",
        "test_grouped.py", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    ran_on = set(re.findall(r"^\[(gw\d)\] .*PASSED", result.stdout, re.MULTILINE))
    assert len(ran_on) == 1, result.stdout
