"""Every combination of answers: baked once, then checked file by file, by ruff, and by its own tests."""

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

import openapi_spec_validator
import psycopg
import pytest

from conftest import (
    ALL_ON,
    CONTEXT,
    DEFAULTS,
    PRESETS,
    TEMPLATE,
    assert_project_tests_pass,
    bake,
    baked_files,
    combination,
    combination_id,
    covering,
    database_covering,
    imported,
    matrix,
    matrix_on_the_array,
    once_per_file,
    project_files,
    read_toml,
    read_yaml,
    run,
)

SLUG = "flask_service"
PACKAGE = f"src/{SLUG}"
FLASK_TEMPLATES = f"{PACKAGE}/templates/"
BLOCK_OPENING_WITH_A_BLANK_LINE = re.compile(
    r"^[ \t]*(?:def|class|if|elif|else|for|while|with|try|except|finally)\b[^\n]*:\n[ \t]*\n", re.MULTILINE
)
PYTHON_BLOCK = re.compile(r"^```python\n.*?^```$", re.MULTILINE | re.DOTALL)
# GitHub Actions' own expressions, ``${{ ... }}``, are not Jinja.
RESIDUE = re.compile(r"(?<!\$)\{\{|\{%|\{#|cookiecutter", re.IGNORECASE)


def expected_files(answers: dict) -> set[str]:
    """The files a project with ``answers`` must have, stated independently of the hook's table."""
    pages = answers["error_format"] in {"both", "html"}
    problems = answers["error_format"] in {"both", "json"}
    blueprints = answers["layout"] == "blueprints"
    wanted = {
        ".dockerignore": True,
        ".env.example": True,
        ".github/dependabot.yml": True,
        ".github/workflows/ci.yml": True,
        ".gitignore": True,
        ".pre-commit-config.yaml": True,
        "Dockerfile": True,
        "README.md": True,
        "gunicorn.conf.py": True,
        "pyproject.toml": True,
        f"{PACKAGE}/__init__.py": True,
        f"{PACKAGE}/catalogue.py": True,
        f"{PACKAGE}/config.py": True,
        f"{PACKAGE}/docs.py": True,
        f"{PACKAGE}/openapi.py": True,
        f"{PACKAGE}/problems.py": True,
        f"{PACKAGE}/schemas.py": True,
        f"{PACKAGE}/py.typed": True,
        f"{PACKAGE}/request_id.py": True,
        f"{PACKAGE}/sessions.py": True,
        f"{PACKAGE}/errors/__init__.py": True,
        f"{PACKAGE}/errors/negotiation.py": pages and problems,
        f"{PACKAGE}/errors/pages.py": pages,
        f"{PACKAGE}/errors/problem.py": problems,
        f"{PACKAGE}/reporting/__init__.py": True,
        f"{PACKAGE}/reporting/console.py": True,
        f"{PACKAGE}/reporting/email.py": answers["use_email_logging"],
        f"{PACKAGE}/reporting/logfile.py": answers["use_file_logging"],
        f"{PACKAGE}/reporting/scrub.py": True,
        f"{PACKAGE}/reporting/sentry.py": answers["use_sentry"],
        f"{PACKAGE}/api/__init__.py": blueprints,
        f"{PACKAGE}/api/views.py": blueprints,
        f"{PACKAGE}/main/__init__.py": blueprints,
        f"{PACKAGE}/main/views.py": blueprints,
        f"{PACKAGE}/views.py": not blueprints,
        f"{PACKAGE}/database.py": answers["use_database"],
        f"{PACKAGE}/errors/database.py": answers["use_database"],
        f"{PACKAGE}/models.py": answers["use_database"],
        f"{PACKAGE}/readiness.py": answers["use_database"],
        "compose.yaml": answers["use_database"] or answers["use_redis"] or answers["use_tracing"],
        "schemathesis.toml": answers["use_database"],
        f"{PACKAGE}/migrations/script.py.mako": answers["use_database"],
        f"{PACKAGE}/migrations/1795570437_create_the_item_table.py": answers["use_database"],
        "tests/test_database.py": answers["use_database"],
        f"{PACKAGE}/health.py": True,
        f"{PACKAGE}/routing.py": True,
        f"{PACKAGE}/framing.py": True,
        f"{PACKAGE}/proxies.py": True,
        f"{PACKAGE}/ratelimits.py": True,
        f"{PACKAGE}/store.py": answers["use_redis"],
        f"{PACKAGE}/tracing.py": answers["use_tracing"],
        f"{PACKAGE}/templates/base.html": pages,
        f"{PACKAGE}/templates/docs.html": True,
        f"{PACKAGE}/templates/index.html": pages,
        f"{PACKAGE}/templates/errors/404.html": pages,
        f"{PACKAGE}/templates/errors/error.html": pages,
        f"{PACKAGE}/templates/problems/index.html": pages,
        f"{PACKAGE}/templates/problems/type.html": pages,
        "tests/conftest.py": True,
        "tests/test_any_request.py": True,
        "tests/test_app.py": True,
        "tests/test_openapi.py": True,
        "tests/test_email.py": answers["use_email_logging"],
        "tests/test_health.py": True,
        "tests/test_logfile.py": answers["use_file_logging"],
        "tests/test_logging.py": True,
        "tests/test_names.py": True,
        "tests/test_negotiation.py": pages and problems,
        "tests/test_pages.py": pages,
        "tests/test_problem.py": problems,
        "tests/problem_types.json": True,
        "tests/test_problems.py": True,
        "tests/test_proxies.py": True,
        "tests/test_ratelimits.py": True,
        "tests/test_store.py": answers["use_redis"],
        "tests/test_tracing.py": answers["use_tracing"],
        "tests/test_scrubbing.py": True,
        "tests/test_sentry.py": answers["use_sentry"],
    }
    return {path for path, present in wanted.items() if present}


def expected_dependencies(answers: dict) -> dict[str, set[str]]:
    """The distributions a project with ``answers`` needs at run time, in each extra, and to develop
    (the ``dev`` dependency group)."""
    database = answers["use_database"]
    runtime = {"flask", "flask-limiter", "gunicorn[gevent]", "limits", "pydantic", "python-dotenv"}
    runtime |= {"swagger-ui-bundle-v2"}
    runtime |= {"limits[redis]", "redis"} if answers["use_redis"] else set()
    runtime |= {"concurrent-log-handler"} if answers["use_file_logging"] else set()
    runtime |= {"sentry-sdk[flask]"} if answers["use_sentry"] else set()
    runtime |= {"flask-alembic", "flask-sqlalchemy", "sqlalchemy"} if database else set()
    if answers["use_tracing"]:
        runtime |= {"opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http"}
        runtime |= {"opentelemetry-instrumentation-flask"}
        runtime |= {"opentelemetry-instrumentation-sqlalchemy"} if database else set()
    dev = {
        *("hypothesis", "mypy", "openapi-spec-validator", "pre-commit"),
        *("pytest", "pytest-cov", "ruff", "schemathesis"),
    }
    dev |= {"aiosmtpd", "trustme"} if answers["use_email_logging"] else set()
    dev |= {"psycopg[binary]"} if database else set()
    dev |= {"opentelemetry-proto"} if answers["use_tracing"] else set()
    extras = {"postgresql": {"psycopg[binary]"}} if database else {}
    return {"runtime": runtime, **extras, "group dev": dev}


def names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~ ;]", requirement, maxsplit=1)[0] for requirement in requirements}


@matrix
def test_exact_file_set(bakery, answers):
    project = bakery(answers)
    assert set(baked_files(project)) == expected_files(answers)
    # A pruned package leaves no empty directory behind.
    empty = [
        os.path.relpath(root, project)
        for root, directories, names in os.walk(project)
        if not directories + names
    ]
    assert not empty


def test_a_bake_from_compiled_templates_is_a_fresh_bake(
    bakery, cookies_session, compiled_templates, rendered_once, tmp_path
):
    """The suite's bakes reuse the templates Jinja compiled for earlier ones (``CompiledTemplates``)
    and the texts earlier bakes rendered from the same answers (``RenderedOnce``), are written by
    the model of a bake (``bake_model.py``), its hooks run in this process, and are made in one
    directory and moved (``Bakes``): a bake that compiles none, and takes most of its texts from
    memory, is byte for byte what cookiecutter makes in a process of its own, its hooks in
    processes of theirs."""
    bakery(DEFAULTS)  # one bake in this process at least: every template is compiled
    loaded, compiled_anew = compiled_templates.loaded, compiled_templates.compiled_anew
    anew, reused = rendered_once.rendered_anew, rendered_once.reused
    project = bake(cookies_session, **ALL_ON).project_path
    # Each template a bake renders is either loaded from the cache or compiled (and stored).
    assert compiled_templates.compiled_anew == compiled_anew
    assert compiled_templates.loaded > loaded
    # Most of its texts come from memory: at least those that read no answer where all-on differs
    # from the defaults (more, when an earlier test baked other combinations in this process).
    assert rendered_once.reused - reused > rendered_once.rendered_anew - anew
    answers = [
        f"{name}={'yes' if value is True else 'no' if value is False else value}"
        for name, value in ALL_ON.items()
    ]
    fresh = run(
        sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(tmp_path), str(TEMPLATE), *answers
    )
    assert fresh.returncode == 0, fresh.stderr
    made = tmp_path / project.name
    assert project_files(made) == project_files(project)


@matrix
def test_dependencies_are_exactly_what_the_answers_use(bakery, answers):
    pyproject = read_toml(bakery(answers) / "pyproject.toml")
    project = pyproject["project"]
    declared = {
        "runtime": project["dependencies"],
        **project.get("optional-dependencies", {}),
        **{f"group {name}": group for name, group in pyproject["dependency-groups"].items()},
    }
    assert {name: names(requirements) for name, requirements in declared.items()} == (
        expected_dependencies(answers)
    )


@matrix
def test_the_tests_hold_coverage_to_a_gate(bakery, answers):
    """The project's CI runs its tests with branch coverage of its package, failing below
    ``fail_under`` (``assert_project_tests_pass`` sees the gate pass in the presets' runs, and in
    every combination's with ``--all-combinations``); a run of one file's tests does not measure."""
    project = bakery(answers)
    pyproject = read_toml(project / "pyproject.toml")
    workflow = read_yaml(project / ".github/workflows/ci.yml")
    assert {"run": "uv run pytest --cov"} in workflow["jobs"]["test"]["steps"]
    tool = pyproject["tool"]
    assert "--cov" not in tool["pytest"]["ini_options"]["addopts"]  # one file's tests run without it
    assert tool["coverage"]["run"] == {"source_pkgs": [SLUG], "branch": True}
    assert tool["coverage"]["report"]["fail_under"] == 95  # what every combination reaches


def problems_of_each_file(project: Path, check: Callable[[str, bytes], list[str]]) -> list[str]:
    """What ``check(relative_path, content)`` finds in each file of the shared bake ``project``."""
    return [
        problem for relative, content in baked_files(project).items() for problem in check(relative, content)
    ]


@once_per_file
def template_residue(relative: str, text: str) -> list[str]:
    if relative.startswith(FLASK_TEMPLATES):
        # Flask's own Jinja reaches the project untouched; cookiecutter's does not.
        return [] if ("{%" in text or "{{" in text) and "cookiecutter" not in text else [relative]
    if any(fnmatch(relative, raw) for raw in CONTEXT["_copy_without_render"]):
        # Copied as it is, so Jinja here is the project's own (a test's broken template).
        return [f"{relative}: cookiecutter"] if "cookiecutter" in text.lower() else []
    return [f"{relative}: {found[0]!r}"] if (found := RESIDUE.search(text)) else []


@once_per_file
def unclean_whitespace(relative: str, text: str) -> list[str]:
    suffix = PurePosixPath(relative).suffix
    if not text:  # a marker such as py.typed
        return []
    problems = []
    if not text.endswith("\n") or text.endswith("\n\n"):
        problems.append(f"{relative}: last line")
    if re.search(r"[ \t]$", text, re.MULTILINE):
        problems.append(f"{relative}: trailing whitespace")
    if suffix in {".py", ".mako"}:  # Alembic's template for new revisions is Python too
        # ruff format keeps these two, which a removed Jinja block can leave behind.
        if "\n\n\n\n" in text:
            problems.append(f"{relative}: three blank lines in a row")
        if BLOCK_OPENING_WITH_A_BLANK_LINE.search(text):
            problems.append(f"{relative}: blank line after {{")
    else:
        # A README's Python blocks have Python's blank lines, which ruff format gives them.
        prose = PYTHON_BLOCK.sub("```python\n```", text) if suffix == ".md" else text
        if "\n\n\n" in prose:
            problems.append(f"{relative}: two blank lines in a row")
    return problems


@matrix
def test_no_template_residue(bakery, answers):
    # Each distinct file (its path and bytes) is checked once, whichever combinations have it.
    assert problems_of_each_file(bakery(answers), template_residue) == []


@matrix
def test_whitespace_is_clean(bakery, answers):
    assert problems_of_each_file(bakery(answers), unclean_whitespace) == []


@matrix
def test_readme_headings_stand_apart(bakery, answers):
    """Every Markdown heading outside a code block has a blank line before and after it."""
    lines = (bakery(answers) / "README.md").read_text(encoding="utf-8").splitlines()
    in_code = False
    for number, line in enumerate(lines):
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            assert number == 0 or lines[number - 1] == "", f"no blank line before {line!r}"
            assert lines[number + 1] == "", f"no blank line after {line!r}"
    if answers["error_format"] == "json":
        readme = "\n".join(lines)
        assert "templates/" not in readme and "broken template" not in readme


@matrix
def test_ruff_check_and_format_pass(static_checks, answers):
    """``ruff check`` and ``ruff format --check``, with the project's own configuration (each
    distinct file of every combination checked once)."""
    assert static_checks.ruff(answers) == []


@matrix_on_the_array
def test_mypy_strict_passes_on_src(static_checks, answers):
    """mypy, strict, with the project's own configuration, on its package (each distinct package
    of the combinations checked once, in one run). Slow outside the covering array: every
    combination's package is a distinct one, so its cost doubles with every yes/no prompt, where
    the other static checks' barely grows (``python tests/bench.py --only artefacts``)."""
    report = static_checks.mypy(answers)
    assert report.mypy == [], "\n".join([*report.mypy, f"(the same package: {report.same_package})"])


# The name pattern of each distinct schemas.py (a million Unicode lookups, a fifth of a second),
# and each distinct document found valid: computed once per text, as any content-addressed check.
NAME_PATTERNS: dict[bytes, str] = {}
VALID_DOCUMENTS: set[str] = set()


def name_pattern_once_per_text(package) -> None:
    schemas = package.schemas
    text = Path(schemas.__file__).read_bytes()
    if text not in NAME_PATTERNS:
        NAME_PATTERNS[text] = schemas.visible_name_pattern()
    schemas.visible_name_pattern = lambda: NAME_PATTERNS[text]


@matrix_on_the_array
def test_openapi_document_is_valid_openapi_3_1(bakery, answers, tmp_path):
    """Each project's ``/openapi.json``, from its app built in this process, is valid OpenAPI 3.1
    (each distinct document validated once). Slow outside the covering array: each combination's
    app is built from its own package, a distinct one, as mypy's."""
    with imported(bakery(answers)) as package:
        name_pattern_once_per_text(package)
        config = {"TESTING": True, "DATABASE_URL": "sqlite://", "LOG_FILE": str(tmp_path / "app.log")}
        document = package.create_app(config).test_client().get("/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    text = json.dumps(document, sort_keys=True)
    if text not in VALID_DOCUMENTS:
        openapi_spec_validator.validate(document)
        VALID_DOCUMENTS.add(text)


@pytest.mark.parametrize("answers", [combination()])
def test_mypy_catches_an_unannotated_function(bakery, answers, mypy, tmp_path):
    """The project's own configuration makes mypy strict: a function without hints fails it."""
    project = shutil.copytree(bakery(answers), tmp_path / SLUG)
    (project / PACKAGE / "careless.py").write_text("def total(prices):\n    return sum(prices)\n")
    status, report = mypy(project)
    assert status == 1, report
    assert "careless.py:1: error: Function is missing a type annotation  [no-untyped-def]" in report


@pytest.mark.slow
@covering
def test_generated_test_suite_passes(bakery, answers, request):
    """In the template's environment, which holds every dependency a project can have, on SQLite
    (or without a database): the covering array's runs there (``covering_runs``).

    With the coverage gate (``pytest --cov``, as the project's CI runs it) for the presets (the
    defaults and all-off here, all-on on PostgreSQL), and for every combination with
    ``--all-combinations`` (the weekly run): measuring adds 30 to 80 % to a suite's time on
    Python 3.11."""
    project = bakery(answers)
    gate = answers in PRESETS or request.config.getoption("all_combinations")
    with redis_in_use(answers, request) as redis_env:
        assert_project_tests_pass(project, PYTHONPATH=str(project / "src"), coverage_gate=gate, **redis_env)


# A Redis in use, whose database TEST_REDIS_URL names: another application's keys, which the
# project's tests must leave as they found them (they write keys of their own prefix only).
OTHER_KEYS = {"other-app:session:1": b"alice", "other-app:limits:10.0.0.1": b"7"}


@contextlib.contextmanager
def redis_in_use(answers: dict, request: pytest.FixtureRequest):
    """For a ``use_redis`` project: ``TEST_REDIS_URL`` naming a database of a real Redis that
    holds another application's keys; after the block, those keys alone are there, unchanged."""
    if not answers["use_redis"]:
        yield {}
        return
    server = request.getfixturevalue("redis")
    database = 15
    with server.client(database) as client:
        client.flushdb()
        client.mset(OTHER_KEYS)
        yield {"TEST_REDIS_URL": server.url(database)}
        assert {key.decode(): client.get(key) for key in client.scan_iter()} == OTHER_KEYS


# A database in use, which TEST_DATABASE_URL names: the project's own schema and rows, and a table
# of another application. The project's tests must leave it as they found it.
IN_USE = [
    "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)",
    "INSERT INTO alembic_version VALUES ('1795570437')",
    "CREATE TABLE item (id integer PRIMARY KEY, name varchar(80) UNIQUE NOT NULL)",
    "INSERT INTO item VALUES (1, 'Teapot'), (2, 'Kettle')",
    "CREATE TABLE invoice (id integer PRIMARY KEY)",
    "INSERT INTO invoice VALUES (42)",
]


def contents(url: str) -> dict[str, list[tuple]]:
    """Every table of the database at ``url`` with its rows, in order."""
    with psycopg.connect(url) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
        ).fetchall()
        return {
            table: connection.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall() for (table,) in tables
        }


# How the generated tests mark each database they create (their conftest.py's OWN_DATABASE).
OWN_DATABASE = "Made by the tests of {slug}, and dropped when they end."


def databases(url: str) -> set[str]:
    with psycopg.connect(url) as connection:
        return {name for (name,) in connection.execute("SELECT datname FROM pg_database")}


@pytest.mark.slow
@database_covering
def test_generated_test_suite_passes_on_postgresql_and_leaves_the_named_database_alone(
    bakery, answers, postgresql, request
):
    """A database project's own suite on a real PostgreSQL (the covering array's runs there), with
    ``TEST_DATABASE_URL`` naming a database in use: the tests work in a database of their own
    beside it, drop that at the end, and leave the named one as they found it.

    With the coverage gate for all-on, the preset that runs here (PostgreSQL runs reach more than
    SQLite's, since only they reach the code that rewrites PostgreSQL's error text)."""
    project = bakery(answers)
    # Named after the combination, and short: the tests' own databases are named after it too.
    name = "in_use_" + hashlib.sha256(combination_id(answers).encode()).hexdigest()[:12]
    url = postgresql.create_database(name)
    with psycopg.connect(url) as connection:
        for statement in IN_USE:
            connection.execute(statement)
    before = contents(url)
    assert before["item"] == [(1, "Teapot"), (2, "Kettle")] and before["invoice"] == [(42,)]
    # Another run's database, in use while this run goes on; and one an interrupted run left.
    running, interrupted = f"test_{name}_0a1b2c3d", f"test_{name}_deadbeef"
    with psycopg.connect(url, autocommit=True) as connection:
        for made in (running, interrupted):
            postgresql.create_database(made)
            own = OWN_DATABASE.format(slug=project.name)
            connection.execute(f"COMMENT ON DATABASE \"{made}\" IS '{own}'")

    gate = answers in PRESETS
    with psycopg.connect(postgresql.url(running)) as other_run, redis_in_use(answers, request) as redis_env:
        assert_project_tests_pass(
            project, PYTHONPATH=str(project / "src"), TEST_DATABASE_URL=url, coverage_gate=gate, **redis_env
        )
        other_run.execute("SELECT 1")  # its connection was never ended

    assert contents(url) == before
    assert {database for database in databases(url) if database.startswith(f"test_{name}")} == {running}
