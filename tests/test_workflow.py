"""The template repository's own CI workflow passes actionlint and GitHub's workflow schema."""

import re
import sys

import yaml

from conftest import NEWEST_PYTHON, TEMPLATE, check_jsonschema, check_schema, run

WORKFLOWS = sorted((TEMPLATE / ".github" / "workflows").glob("*.yml"))


def test_there_is_a_workflow():
    assert WORKFLOWS


def test_workflows_pass_actionlint(actionlint):
    assert actionlint(*WORKFLOWS) == []


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
    problems = actionlint(broken)
    assert len(problems) == 1
    assert '"nope" is not defined' in problems[0]


def test_workflows_match_the_github_schema():
    result = check_jsonschema("--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS))
    assert result.exit_code == 0, result.output


def test_the_schema_check_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    steps: []\n")
    result = check_schema(broken, "vendor.github-workflows")
    assert result.exit_code == 1, result.output


def test_the_template_is_tested_on_every_python_its_projects_support():
    pyproject = (TEMPLATE / "{{cookiecutter.project_slug}}" / "pyproject.toml").read_text(encoding="utf-8")
    oldest = int(re.search(r'^requires-python = ">=3\.(\d+)"$', pyproject, re.MULTILINE)[1])
    workflow = yaml.safe_load((TEMPLATE / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    versions = workflow["jobs"]["template"]["strategy"]["matrix"]["python-version"]
    newest = int(NEWEST_PYTHON.split(".")[1])
    assert versions == [f"3.{minor}" for minor in range(oldest, newest + 1)]


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


def test_a_version_tag_push_checks_the_changelog_for_its_entry():
    workflow = yaml.safe_load((TEMPLATE / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["tags"] == ["v*"]
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    tag_steps = [step for step in steps if step.get("if") == "github.ref_type == 'tag'"]
    assert [step["run"] for step in tag_steps] == ['python tests/changelog.py "$GITHUB_REF_NAME"']


def test_a_push_to_main_that_changes_the_changelog_tags_its_new_releases():
    workflow = yaml.safe_load(
        (TEMPLATE / ".github" / "workflows" / "release-tags.yml").read_text(encoding="utf-8")
    )
    assert workflow[True]["push"] == {"branches": ["main"], "paths": ["CHANGELOG.md"]}
    (job,) = workflow["jobs"].values()
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0  # the script refuses a shallow clone
    assert [step["run"] for step in job["steps"] if "run" in step] == [
        "python tests/changelog.py --tag-releases",
        "git push origin --tags",
    ]


def test_only_the_release_tags_job_may_write():
    grants = {}
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        grants[path.name] = workflow["permissions"]
        for name, job in workflow["jobs"].items():
            grants[f"{path.name} {name}"] = job.get("permissions", "the workflow's")
    writes = {where: grant for where, grant in grants.items() if "write" in str(grant)}
    assert writes == {"release-tags.yml tag": {"contents": "write"}}
    assert grants["release-tags.yml"] == {}
