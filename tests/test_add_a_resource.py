"""The generated README's "Add a resource" walk-through, followed as written on a baked project.

Its Python blocks go where the README says (the check constraint Alembic leaves out, into the new
revision), its migration is made by ``flask db revision``, and then the project is still ruff and
mypy clean, every hook of its pre-commit configuration passes, its own suite (Schemathesis
in-process included) passes on PostgreSQL (and on SQLite, for the defaults), and every refusal of
the new resource is the same 409 or 422 with the same pointer on both databases; and, for the
defaults, Schemathesis's command line (every check, from the project's directory) finds nothing
against the served project on either database.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_pre_commit import offline_config
from test_served_database import migrate
from test_served_openapi import assert_nothing_to_report, schemathesis_run

from conftest import (
    DEFAULTS,
    assert_project_tests_pass,
    assert_ruff_clean,
    combination,
    get,
    gunicorn,
    output,
    passed,
)

# The order resource's refusals, tried in-process on the database DATABASE_URL names.
REFUSALS = """
import json, os
from {slug} import create_app
from {slug}.database import alembic

app = create_app({{"TESTING": True, "DATABASE_URL": os.environ["DATABASE_URL"]}})
with app.app_context():
    alembic.upgrade()
client = app.test_client()
item = client.post("/api/items", json={{"name": "Teapot"}}).json["id"]
order = {{"code": "F1", "item_id": item, "quantity": 5, "total_cents": 1250}}
tried = {{
    "created": client.post("/api/orders", json=order),
    "a whole float, no note": client.post(
        "/api/orders", json={{**order, "code": "F2", "quantity": 5.0, "note": None}}
    ),
    "a code that is taken": client.post("/api/orders", json=order),
    "a code with a zero-width space": client.post(
        "/api/orders", json={{**order, "code": "F\\u200b2"}}
    ),
    "an item that does not exist": client.post(
        "/api/orders", json={{**order, "code": "F3", "item_id": 999999}}
    ),
    "a negative item": client.post("/api/orders", json={{**order, "code": "F4", "item_id": -1}}),
    "an item past 32 bits": client.post(
        "/api/orders", json={{**order, "code": "F5", "item_id": 2**31}}
    ),
    "a total past 64 bits": client.post(
        "/api/orders", json={{**order, "code": "F6", "total_cents": 10**20}}
    ),
    "a zero quantity": client.post("/api/orders", json={{**order, "code": "F7", "quantity": 0}}),
    "a note too long": client.post("/api/orders", json={{**order, "code": "F8", "note": "x" * 201}}),
    "deleting the ordered item": client.delete(f"/api/items/{{item}}"),
}}
answers = {{}}
for name, response in tried.items():
    problem = response.get_json(silent=True) or {{}}
    pointers = sorted(error["pointer"] for error in problem.get("errors", []))
    answers[name] = [
        response.status_code, pointers, problem.get("referred_to_by"), problem.get("type")
    ]
print(json.dumps(answers))
"""
INVALID = "/problems/invalid"
EXPECTED = {
    "created": [201, [], None, None],
    "a whole float, no note": [201, [], None, None],
    "a code that is taken": [409, ["#/code"], None, "/problems/order-code-taken"],
    "a code with a zero-width space": [422, ["#/code"], None, INVALID],
    "an item that does not exist": [422, ["#/item_id"], None, "/problems/unknown-reference"],
    "a negative item": [422, ["#/item_id"], None, "/problems/unknown-reference"],
    "an item past 32 bits": [422, ["#/item_id"], None, INVALID],
    "a total past 64 bits": [422, ["#/total_cents"], None, INVALID],
    "a zero quantity": [422, ["#/quantity"], None, INVALID],
    "a note too long": [422, ["#/note"], None, INVALID],
    "deleting the ordered item": [409, [], ["order"], "/problems/referred-to"],
}
SECTION = re.compile(r"^### Add a resource\n(.*?)^## ", re.MULTILINE | re.DOTALL)
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
DIFF_BLOCK = re.compile(r"^```diff\n(.*?)^```", re.MULTILINE | re.DOTALL)
TRY_IT_END = "curl -i localhost:5000/openapi.json"
RECORD_THE_TYPES = "uv run pytest tests/test_problems.py --record-problem-types"


def flask(project: Path, *arguments: str, database: str) -> None:
    environment = {**os.environ, "PYTHONPATH": str(project / "src"), "DATABASE_URL": database}
    environment.update(PYTHONDONTWRITEBYTECODE="1", LOG_FILE=str(project.parent / "app.log"))
    command = [sys.executable, "-m", "flask", "--app", project.name, "--debug", *arguments]
    result = subprocess.run(command, cwd=project, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} has no {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(path: Path, code: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + code, encoding="utf-8")


def follow_the_walk_through(project: Path, answers: dict, tmp_path: Path) -> None:
    package = project / "src" / project.name
    readme = (project / "README.md").read_text(encoding="utf-8")
    section = SECTION.search(readme)[1]
    problem_type, models, schemas, views, *registration = PYTHON_BLOCK.findall(section)
    [diff] = DIFF_BLOCK.findall(section)
    blueprints = answers["layout"] == "blueprints"
    views_module = package / ("api/views.py" if blueprints else "views.py")
    parent = ".." if blueprints else "."

    edit(
        package / "problems.py",
        "\n# Every type, in the order of the catalogue.\n",
        f"{problem_type}\n# Every type, in the order of the catalogue.\n",
    )
    edit(
        package / "problems.py",
        "    DATABASE_UNAVAILABLE,\n)",
        "    DATABASE_UNAVAILABLE,\n    ORDER_CODE_TAKEN,\n)",
    )
    edit(
        package / "models.py",
        "from .database import Model\n",
        "from .database import Model\nfrom .problems import ORDER_CODE_TAKEN\n",
    )
    append(package / "models.py", models)
    edit(
        package / "schemas.py",
        "from .models import NAME_LENGTH",
        "from .models import CODE_LENGTH, NAME_LENGTH, NOTE_LENGTH",
    )
    append(package / "schemas.py", schemas)
    edit(
        views_module,
        f"from {parent}models import ID_MAX, Item",
        f"from {parent}models import ID_MAX, Item, Order",
    )
    edit(views_module, "ItemIn, ItemOut\n", "ItemIn, ItemOut, OrderIn, OrderOut\n")
    edit(views_module, "REFERRED_TO, TAKEN\n", "ORDER_CODE_TAKEN, REFERRED_TO, TAKEN\n")
    if not blueprints:  # the registration goes at the end of init_app, the module's last lines
        append(views_module, registration[0].strip("\n").replace("\n\n", "\n"))
    append(views_module, views)
    tried = [
        TRY_IT_END,
        "curl -i -X POST localhost:5000/api/orders -H 'Content-Type: application/json' "
        """-d '{"code":"A1","item_id":1,"quantity":2,"total_cents":500}'""",
        "curl -i localhost:5000/api/orders/1",
    ]
    edit(project / "README.md", TRY_IT_END, "\n".join(tried))
    database = f"sqlite:///{tmp_path / 'development.db'}"
    flask(project, "db", "upgrade", database=database)
    flask(project, "db", "revision", "create the order table", database=database)
    (tmp_path / "development.db").unlink()
    [revision] = (package / "migrations").glob("*_create_the_order_table.py")
    # "Add it to the op.create_table("order", ...) call, before its primary key": the README's diff.
    context = [line[1:] for line in diff.splitlines() if line.startswith(" ")]
    added = [line[1:] for line in diff.splitlines() if line.startswith("+")]
    edit(revision, "\n".join(context), "\n".join(added + context))
    # The README's blocks, appended as they are: ruff format puts their blank lines right.
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", "."], cwd=project, check=True)
    # "Record the new problem type", with the README's command (pytest run as the tests run it).
    assert RECORD_THE_TYPES in section
    record = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *RECORD_THE_TYPES.split()[3:]]
    environment = {**os.environ, "PYTHONPATH": str(project / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(record, cwd=project, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "order-code-taken" in (project / "tests" / "problem_types.json").read_text(encoding="utf-8")


def commit_passes_every_hook(project: Path, shell, tmp_path: Path) -> None:
    """The new resource, committed as a team would: every hook of the project's pre-commit
    configuration, run offline as ``tests/test_pre_commit.py`` runs them, on every file."""
    (project / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    config = offline_config(project, tmp_path / "offline-hooks.yaml")
    assert passed(result := shell(project, "git", "init", "--quiet")), output(result)
    (project / ".git" / "info" / "exclude").write_text(".venv\n", encoding="utf-8")
    assert passed(result := shell(project, "git", "add", "--all")), output(result)
    pre_commit = str(project / ".venv" / "bin" / "pre-commit")
    result = shell(project, pre_commit, "run", "--all-files", "--config", str(config))
    assert passed(result), output(result)
    shutil.rmtree(project / ".git")
    (project / ".venv").unlink()


def refusals(project: Path, database: str) -> dict:
    environment = {**os.environ, "PYTHONPATH": str(project / "src"), "DATABASE_URL": database}
    environment.update(PYTHONDONTWRITEBYTECODE="1", LOG_FILE=os.devnull)
    result = subprocess.run(
        [sys.executable, "-c", REFUSALS.format(slug=project.name)],
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def schemathesis_finds_nothing(project: Path, database: str, tmp_path: Path) -> None:
    """Schemathesis's command line, every check, all phases, against the served project, run from
    the project's directory as the README's command is (so its ``schemathesis.toml`` applies)."""
    migrate(project, database, tmp_path / "migrate.log")
    with gunicorn(project, DATABASE_URL=database, LOG_FILE=str(tmp_path / "app.log")) as port:
        document = json.loads(get(port, "/openapi.json")[2])
        result = schemathesis_run(port, project)
    assert document["paths"]["/api/orders"]["post"]["x-references"] == ["#/item_id"]
    assert_nothing_to_report(result)


@pytest.mark.slow
@pytest.mark.parametrize("answers", [combination(), combination(layout="single_module", error_format="json")])
def test_the_readme_walk_through_adds_an_order_resource(
    bakery, answers, mypy, postgresql, shell, tmp_path, request
):
    project = shutil.copytree(bakery(answers), tmp_path / "flask_service")
    follow_the_walk_through(project, answers, tmp_path)
    commit_passes_every_hook(project, shell, tmp_path)

    assert len(list((project / "src" / project.name / "migrations").glob("*_create_the_order_table.py"))) == 1
    assert_ruff_clean(project)
    status, report = mypy(project)
    assert status == 0, report
    # The new routes' code is covered by the contract tests (Schemathesis calls every operation of
    # the document); the gate is checked on the default project's walk-through, whose suite runs on
    # SQLite. The other walk-through's suite runs on PostgreSQL, which enforces a resource's
    # constraints as production does (both walk-throughs' refusals are compared on both databases
    # below); each on the other database too in the weekly run (--all-combinations).
    defaults = answers == DEFAULTS
    every_database = request.config.getoption("all_combinations")
    if defaults or every_database:
        assert_project_tests_pass(project, PYTHONPATH=str(project / "src"), coverage_gate=defaults)
    if not defaults or every_database:
        server = postgresql.url()
        assert_project_tests_pass(
            project, PYTHONPATH=str(project / "src"), coverage_gate=False, TEST_DATABASE_URL=server
        )

    name = project.name + "_" + answers["layout"]
    on_sqlite = refusals(project, f"sqlite:///{tmp_path / 'refusals.db'}")
    on_postgresql = refusals(project, postgresql.create_database(f"{name}_refusals"))
    assert on_sqlite == EXPECTED
    assert on_postgresql == EXPECTED

    if defaults:  # the served project, fuzzed from outside, on each database
        schemathesis_finds_nothing(project, f"sqlite:///{tmp_path / 'served.db'}", tmp_path)
        schemathesis_finds_nothing(project, postgresql.create_database(f"{name}_served"), tmp_path)
