"""A team's first week on a fresh bake, as the project's README tells it: ``git init``, pre-commit's
hooks, a new route with its test, a new model with its migration, each commit through the hooks.

The project's ``.venv`` (made by ``uv sync``, or by ``python3 -m venv .venv`` and ``pip install -e
. --group dev``: the README's two ways) is this suite's environment, which holds every package a
project can have, so the project installs nothing. The hooks' repositories on GitHub cannot be
fetched here: every hook of the project's ``.pre-commit-config.yaml`` runs the same tool at the
same version from PyPI (``tests/test_pre_commit.py``). Nothing is activated: this suite's
environment is off the ``PATH``, as in the README's uv flow, where the hooks run from ``git commit``.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
from test_pre_commit import offline_config

from conftest import combination, output, passed

LIST_ITEMS = """

@bp.get("/items")
@operation("The items, oldest first")
def list_items() -> dict[str, list[dict[str, Any]]]:
    items = db.session.scalars(sa.select(Item).order_by(Item.id))
    return {"items": [ItemOut.model_validate(item).model_dump() for item in items]}
"""
TEST_LIST_ITEMS = """def test_items_are_listed_in_the_order_they_were_made(client):
    for name in ("Teapot", "Kettle"):
        assert client.post("/api/items", json={"name": name}).status_code == 201
    response = client.get("/api/items")
    assert response.status_code == 200
    assert [item["name"] for item in response.json["items"]] == ["Teapot", "Kettle"]
"""
TAG_MODEL = """

class Tag(Model):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(NAME_LENGTH), unique=True)
"""
# The model's input schema, which tests/test_openapi.py asks of every model (README: "Add a resource").
TAG_SCHEMA = """

class TagIn(BaseModel):
    label: str = Field(min_length=1, max_length=NAME_LENGTH, pattern=PRINTABLE)
"""
TEST_TAG = """import sqlalchemy as sa

from {slug}.database import db
from {slug}.models import Tag


def test_a_tag_is_stored(app):
    with app.app_context():
        db.session.add(Tag(label="kitchen"))
        db.session.commit()
        assert db.session.scalars(sa.select(Tag.label)).all() == ["kitchen"]
"""


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("answers", [combination()])
def test_the_first_week_goes_as_the_readme_says(fresh_bake, shell, tmp_path):
    project, slug = fresh_bake, fresh_bake.name
    package = project / "src" / slug
    config = offline_config(project, tmp_path / "offline-hooks.yaml")
    venv = project / ".venv" / "bin"
    # The package from src, as the editable install `uv sync` makes would give it; no SECRET_KEY:
    # the flask command's tasks need none.
    flask = (str(venv / "flask"), "--app", slug)
    pytest_ = (str(venv / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider")
    ruff = (str(venv / "ruff"),)

    def step(*command: str) -> subprocess.CompletedProcess[str]:
        result = shell(project, *command, PYTHONPATH=str(project / "src"))
        assert passed(result), output(result)
        return result

    # Day one: the README's "Run it" and "Test it", and a first commit through the hooks.
    step("git", "init", "--quiet")
    step(str(venv / "pre-commit"), "install", "--config", str(config))
    shutil.copy(project / ".env.example", project / ".env")
    step(*flask, "db", "upgrade")
    step("git", "add", "--all")
    step("git", "commit", "--quiet", "-m", "Generate the project")
    generated = step("git", "rev-parse", "HEAD").stdout.strip()

    # A new route, with its test.
    append(package / "api" / "views.py", LIST_ITEMS)
    views = (package / "api" / "views.py").read_text(encoding="utf-8")
    (package / "api" / "views.py").write_text("import sqlalchemy as sa\n" + views, encoding="utf-8")
    (project / "tests" / "test_list_items.py").write_text(TEST_LIST_ITEMS, encoding="utf-8")
    step(*ruff, "check", "--fix", "--quiet", ".")  # sorts the import just added, as its hook would
    step(*pytest_, "tests/test_list_items.py", "tests/test_app.py")
    step("git", "add", "--all")
    step("git", "commit", "--quiet", "-m", "List the items")

    # A new model, with its migration and its test.
    append(package / "models.py", TAG_MODEL)
    append(package / "schemas.py", TAG_SCHEMA)
    (project / "tests" / "test_tag.py").write_text(TEST_TAG.format(slug=slug), encoding="utf-8")
    step(*flask, "db", "revision", "add the tag table")
    step(*flask, "db", "upgrade")
    step(*flask, "db", "check")
    migrations = (package / "migrations").relative_to(project).as_posix()
    [migration] = step("git", "status", "--porcelain", "--untracked-files=all", migrations).stdout.split()[1:]
    assert "op.create_table(" in (project / migration).read_text(encoding="utf-8")

    # CI's checks, then the commit through the hooks; no test the project came with was edited.
    step(*ruff, "check", ".")
    step(*ruff, "format", "--check", ".")
    step(*pytest_)
    step("git", "add", "--all")
    step("git", "commit", "--quiet", "-m", "Add tags")
    assert step("git", "status", "--porcelain").stdout == ""
    changed = step("git", "diff", "--name-status", generated, "HEAD", "--", "tests").stdout
    assert sorted(changed.split()) == sorted(["A", "tests/test_list_items.py", "A", "tests/test_tag.py"])
