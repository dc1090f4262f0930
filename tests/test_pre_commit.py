"""A team's first commit on a fresh bake goes through every hook of the project's pre-commit
configuration, with the ``uv.lock`` both READMEs say to commit, and leaves out what the README's
tools keep in the project.

pre-commit clones each hook repository from GitHub, which this suite cannot reach. The tools those
repositories run are on PyPI at the same versions (their tags follow the tools' releases, which
``tests/test_deploy.py`` checks), so the project's configuration is rewritten into local hooks that
install the package at its ``rev``'s version and run the entry the repository's
``.pre-commit-hooks.yaml`` declares, with every id, argument and file filter the project gives.
The mypy hook is local already: it runs the project's ``.venv/bin/mypy``, the ``.venv`` being this
suite's environment (``fresh_bake``).
"""

import re
from pathlib import Path

import pytest
import yaml
from test_deploy import HOOK_RELEASES

from conftest import ALL_ON, combination, output, passed, uv

# What pre-commit reads from each hook repository's .pre-commit-hooks.yaml at the configured rev:
# the keys that decide what a hook runs and on which files (the ruff-pre-commit manifest has been
# the same since its ruff-check id was added, in 0.11.12). A hook the project adds that is not here
# fails the first test below, and is never left out of the run.
HOOK_MANIFESTS = {
    "https://github.com/pre-commit/pre-commit-hooks": {
        "check-added-large-files": {
            "entry": "check-added-large-files",
            "stages": ["pre-commit", "pre-push", "manual"],
        },
        "check-merge-conflict": {"entry": "check-merge-conflict", "types": ["text"]},
        "check-toml": {"entry": "check-toml", "types": ["toml"]},
        "check-yaml": {"entry": "check-yaml", "types": ["yaml"]},
        "end-of-file-fixer": {
            "entry": "end-of-file-fixer",
            "types": ["text"],
            "stages": ["pre-commit", "pre-push", "manual"],
        },
        "trailing-whitespace": {
            "entry": "trailing-whitespace-fixer",
            "types": ["text"],
            "stages": ["pre-commit", "pre-push", "manual"],
        },
    },
    "https://github.com/astral-sh/ruff-pre-commit": {
        "ruff-check": {
            "entry": "ruff check --force-exclude",
            "types_or": ["python", "pyi", "jupyter"],
            "require_serial": True,
        },
        "ruff-format": {
            "entry": "ruff format --force-exclude",
            "types_or": ["python", "pyi", "jupyter"],
            "require_serial": True,
        },
    },
}


def hooks(config: dict) -> list[dict]:
    return [hook for repo in config["repos"] for hook in repo["hooks"]]


def offline(config: dict) -> dict:
    """``config`` with each remote repository's hooks as local hooks that install its tool from
    PyPI at the rev's version. Each hook is named by its id, as pre-commit's output then shows it."""
    repos = []
    for repo in config["repos"]:
        if repo["repo"] == "local":
            repos.append(repo)
            continue
        manifest = HOOK_MANIFESTS.get(repo["repo"], {})
        requirement = f"{HOOK_RELEASES[repo['repo']]}=={repo['rev'].removeprefix('v')}"
        stand_ins = [
            {
                **manifest.get(hook["id"], {}),
                "name": hook["id"],
                "language": "python",
                **hook,
                "additional_dependencies": [requirement, *hook.get("additional_dependencies", [])],
            }
            for hook in repo["hooks"]
        ]
        repos.append({"repo": "local", "hooks": stand_ins})
    return {**config, "repos": repos}


def project_config(project: Path) -> dict:
    return yaml.safe_load((project / ".pre-commit-config.yaml").read_text(encoding="utf-8"))


def offline_config(project: Path, destination: Path) -> Path:
    """The project's configuration, made ``offline``, written to ``destination``."""
    text = yaml.safe_dump(offline(project_config(project)), sort_keys=False)
    destination.write_text(text, encoding="utf-8")
    return destination


@pytest.mark.parametrize("answers", [combination()])
def test_every_hook_of_the_project_has_an_offline_stand_in(bakery, answers):
    config = project_config(bakery(answers))
    unknown = [
        (repo["repo"], hook["id"])
        for repo in config["repos"]
        if repo["repo"] != "local"
        for hook in repo["hooks"]
        if hook["id"] not in HOOK_MANIFESTS.get(repo["repo"], {})
    ]
    assert unknown == [], "hooks this suite cannot run offline: add them to HOOK_MANIFESTS"
    rewritten = offline(config)
    assert {repo["repo"] for repo in rewritten["repos"]} == {"local"}
    assert [hook["id"] for hook in hooks(rewritten)] == [hook["id"] for hook in hooks(config)]
    # Every setting the project gives a hook (args, exclude...) is the stand-in's.
    pairs = zip(hooks(config), hooks(rewritten), strict=True)
    assert [hook for hook, stand_in in pairs if not hook.items() <= stand_in.items()] == []


@pytest.fixture
def repository(fresh_bake, shell, tmp_path):
    """``fresh_bake`` as a git repository with pre-commit's hook installed from the offline
    configuration, as the project's README says (``git init``, ``pre-commit install``). The
    ``.venv`` stand-in is a link, which ``.gitignore``'s ``.venv/`` (a directory) does not match: it
    is left out in the repository's own exclude file."""
    config = offline_config(fresh_bake, tmp_path / "offline-hooks.yaml")
    for command in (
        ("git", "init", "--quiet"),
        (str(fresh_bake / ".venv" / "bin" / "pre-commit"), "install", "--config", str(config)),
    ):
        assert passed(result := shell(fresh_bake, *command)), output(result)
    with (fresh_bake / ".git" / "info" / "exclude").open("a", encoding="utf-8") as exclude:
        exclude.write(".venv\n")
    return fresh_bake


def commit(shell, project: Path):
    """Every file of ``project`` added and committed, through the hooks."""
    assert passed(result := shell(project, "git", "add", "--all")), output(result)
    return shell(project, "git", "commit", "--quiet", "--message", "Generate the project")


@pytest.mark.slow  # locks the project's dependencies, and installs the hooks' tools, from PyPI
@pytest.mark.parametrize("answers", [combination(), combination(**ALL_ON)])  # all-on: the largest lock
def test_the_first_commit_with_the_lock_passes_every_hook(repository, shell, answers):
    assert passed(result := shell(repository, uv(), "lock", "--quiet")), output(result)

    result = commit(shell, repository)

    assert passed(result), output(result)
    for hook in hooks(project_config(repository)):
        assert re.search(rf"^{re.escape(hook['id'])}\.+Passed$", result.stderr, re.MULTILINE), output(result)
    assert "uv.lock" in shell(repository, "git", "ls-files").stdout.splitlines()
    assert shell(repository, "git", "status", "--porcelain").stdout == ""


@pytest.mark.slow  # installs the hooks' tools from PyPI
@pytest.mark.parametrize("answers", [combination()])
def test_the_first_commit_refuses_a_large_file_other_than_the_lock(repository, shell, answers):
    (repository / "data.csv").write_text("0123456789abcdef\n" * 32_000, encoding="utf-8")  # 531 KB

    result = commit(shell, repository)

    assert result.returncode == 1, output(result)
    assert re.search(r"^data\.csv \(\d+ KB\) exceeds 500 KB\.$", result.stdout + result.stderr, re.MULTILINE)


TYPE_ERROR = 'def answer() -> int:\n    return "42"\n'


@pytest.mark.slow  # mypy checks the project's src/ anew
@pytest.mark.parametrize("answers", [combination()])
def test_the_mypy_hook_refuses_a_type_error(repository, shell, answers):
    (repository / "src" / repository.name / "answer.py").write_text(TYPE_ERROR, encoding="utf-8")

    result = commit(shell, repository)

    assert result.returncode == 1, output(result)
    assert 'Incompatible return value type (got "str", expected "int")' in result.stdout + result.stderr


@pytest.mark.parametrize("answers", [combination()])
def test_git_ignores_what_schemathesis_keeps_in_the_project(fresh_bake, shell, answers):
    """The generated README's ``uvx schemathesis run ...`` writes its cache to ``.schemathesis/``
    in the directory it runs in."""
    crash = Path(".schemathesis", "flask-service", "cache", "crashes", "0.json")
    assert passed(result := shell(fresh_bake, "git", "init", "--quiet")), output(result)

    result = shell(fresh_bake, "git", "check-ignore", "--verbose", str(crash))

    assert passed(result), output(result)
    assert result.stdout.startswith(".gitignore:"), output(result)
