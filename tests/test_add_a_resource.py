"""The generated README's "Add a resource" walk-through, followed as written on a baked project.

Its Python blocks go where the README says, its migration is made by ``flask db revision``, and
then the project is still ruff and mypy clean, its own suite passes (the new model checked
against its schema, its operations documented and fuzzed), and a label too long for its column is
a 422 that never reaches the database.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DEFAULTS, assert_project_tests_pass, assert_ruff_clean, combination

# A label one character too long for its column, posted to the new resource on an empty database.
TOO_LONG = """
import sqlalchemy as sa
from {slug} import create_app
from {slug}.database import alembic, db

app = create_app({{"TESTING": True, "DATABASE_URL": "sqlite://"}})
statements = []
with app.app_context():
    alembic.upgrade()
    sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    response = app.test_client().post("/api/tags", json={{"label": "x" * 41}})
print(response.status_code, response.json["errors"][0]["pointer"], any("INSERT" in s for s in statements))
"""
SECTION = re.compile(r"^### Add a resource\n(.*?)^## ", re.MULTILINE | re.DOTALL)
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
TRY_IT_END = "curl -i localhost:5000/openapi.json"


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


@pytest.mark.slow
@pytest.mark.parametrize("answers", [combination(), combination(layout="single_module", error_format="json")])
def test_the_readme_walk_through_adds_a_tag_resource(bakery, answers, mypy, tmp_path):
    project = shutil.copytree(bakery(answers), tmp_path / "flask_service")
    package = project / "src" / project.name
    readme = (project / "README.md").read_text(encoding="utf-8")
    blocks = PYTHON_BLOCK.findall(SECTION.search(readme)[1])
    blueprints = answers["layout"] == "blueprints"
    views = package / ("api/views.py" if blueprints else "views.py")
    parent = ".." if blueprints else "."

    append(package / "models.py", blocks[0])
    edit(
        package / "schemas.py",
        "from .models import NAME_LENGTH",
        "from .models import LABEL_LENGTH, NAME_LENGTH",
    )
    append(package / "schemas.py", blocks[1])
    edit(views, f"from {parent}models import Item", f"from {parent}models import Item, Tag")
    edit(views, "ItemIn, ItemOut\n", "ItemIn, ItemOut, TagIn, TagOut\n")
    if not blueprints:  # the registration goes at the end of init_app, the module's last lines
        append(views, blocks[3].strip("\n").replace("\n\n", "\n"))
    append(views, blocks[2])
    tried = [
        TRY_IT_END,
        """curl -i -X POST localhost:5000/api/tags -H 'Content-Type: application/json' -d '{"label":"t"}'""",
        "curl -i localhost:5000/api/tags/1",
    ]
    edit(project / "README.md", TRY_IT_END, "\n".join(tried))
    database = f"sqlite:///{tmp_path / 'development.db'}"
    flask(project, "db", "upgrade", database=database)
    flask(project, "db", "revision", "create the tag table", database=database)
    # The README's blocks, appended as they are: ruff format puts their blank lines right.
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", "."], cwd=project, check=True)
    (tmp_path / "development.db").unlink()

    assert len(list((project / "src" / project.name / "migrations").glob("*_create_the_tag_table.py"))) == 1
    assert_ruff_clean(project)
    status, report = mypy(project)
    assert status == 0, report
    # The new routes' code is covered by the contract tests (Schemathesis calls every operation of
    # the document); the gate is checked on the default project's walk-through.
    gate = answers == DEFAULTS
    assert_project_tests_pass(project, PYTHONPATH=str(project / "src"), coverage_gate=gate)
    result = subprocess.run(
        [sys.executable, "-c", TOO_LONG.format(slug=project.name)],
        env={**os.environ, "PYTHONPATH": str(project / "src"), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["422", "#/label", "False"], result.stderr[-3000:]
