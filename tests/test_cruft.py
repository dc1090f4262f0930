"""The template works with cruft: ``cruft create`` makes the same project as cookiecutter, and
``cruft update`` brings a later template change into it without bringing back what the hook pruned.

The template is a temporary git copy of this checkout (cruft clones templates with git); git runs
only here, in the test, never in a hook.
"""

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import TEMPLATE, combination, run

ANSWERS = {"error_format": "json", "layout": "single_module", "use_sentry": False}
MARKER = "A line added to the template after the project was made."
GIT = {
    "GIT_AUTHOR_NAME": "Template Test",
    "GIT_AUTHOR_EMAIL": "template-test@example.com",
    "GIT_COMMITTER_NAME": "Template Test",
    "GIT_COMMITTER_EMAIL": "template-test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(directory: Path, *arguments: str) -> str:
    result = run("git", "-c", "init.defaultBranch=main", *arguments, cwd=directory, env={**os.environ, **GIT})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def cruft(directory: Path, *arguments: str):
    # cruft clones the template with git, so it needs the same identity and configuration.
    env = {**os.environ, **GIT, "PYTHONDONTWRITEBYTECODE": "1"}
    result = run(sys.executable, "-m", "cruft", *arguments, cwd=directory, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def commit_all(directory: Path, message: str) -> None:
    git(directory, "add", "--all")
    git(directory, "commit", "--quiet", "--message", message)


def create(template: Path, directory: Path) -> Path:
    """``cruft create --no-input`` with ``ANSWERS``; the new project."""
    options = ["--no-input", "--extra-context", json.dumps(ANSWERS), "--output-dir", "out"]
    cruft(directory, "create", *options, str(template))
    return directory / "out" / "flask_service"


def contents(project: Path) -> dict[str, bytes]:
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(project).parts
    }


@pytest.fixture
def template(tmp_path) -> Path:
    """A git repository holding a copy of this template, as cruft would clone it from GitHub."""
    copy = tmp_path / "template"
    shutil.copytree(
        TEMPLATE,
        copy,
        ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__", ".*_cache", "bench-results"),
    )
    git(copy, "init", "--quiet")
    commit_all(copy, "The template")
    return copy


@pytest.mark.parametrize("answers", [combination(**ANSWERS)])
def test_cruft_create_makes_the_same_project_as_cookiecutter(bakery, template, tmp_path, answers):
    project = create(template, tmp_path)
    created = contents(project)
    state = json.loads(created.pop(".cruft.json"))
    assert state["commit"] == git(template, "rev-parse", "HEAD").strip()
    assert created == contents(bakery(answers))


def test_cruft_update_brings_template_changes_and_keeps_pruned_files_out(template, tmp_path):
    project = create(template, tmp_path)
    git(project, "init", "--quiet")
    commit_all(project, "The project, as created")
    pruned = ["src/flask_service/reporting/sentry.py", "tests/test_sentry.py", "src/flask_service/templates"]
    assert not any((project / path).exists() for path in pruned)

    # A later template commit changes a file the project has and files the hook pruned from it.
    generated = template / "{{cookiecutter.project_slug}}"
    with (generated / "README.md").open("a", encoding="utf-8") as readme:
        readme.write(f"\n{MARKER}\n")
    for path in ["src/{{cookiecutter.project_slug}}/reporting/sentry.py", "tests/test_sentry.py"]:
        with (generated / path).open("a", encoding="utf-8") as pruned_file:
            pruned_file.write("# Changed after the project was made.\n")
    commit_all(template, "A template change")

    cruft(project, "update", "--skip-apply-ask")
    assert (project / "README.md").read_text(encoding="utf-8").endswith(f"\n{MARKER}\n")
    assert not any((project / path).exists() for path in pruned)
    changed = {line[3:] for line in git(project, "status", "--porcelain").splitlines()}
    assert changed == {".cruft.json", "README.md"}
    assert "up to date" in cruft(project, "check").stdout
