"""Remove what the answers made unused from the freshly generated project, then say what to run next.

The table below is the whole policy: each answer (or set of answers, all of which hold) names the
paths it makes unused. ``main`` deletes
them; deleting what is already gone is a no-op, so running the hook again (as ``cruft update`` does)
changes nothing. A second table lists the first commands to run, each with the answer it needs.
Standard library only, no network, nothing random.
"""

import json
import shlex
import shutil
from pathlib import Path

PACKAGE = "src/{slug}"

# (variable, value), or a tuple of them that must all hold -> paths, relative to the project, that
# these answers make unused.
UNUSED = {
    ("error_format", "json"): [
        f"{PACKAGE}/errors/negotiation.py",
        f"{PACKAGE}/errors/pages.py",
        # The pages' templates; templates/docs.html stays, for /docs.
        f"{PACKAGE}/templates/base.html",
        f"{PACKAGE}/templates/errors",
        f"{PACKAGE}/templates/index.html",
        f"{PACKAGE}/templates/problems",
        "tests/test_negotiation.py",
        "tests/test_pages.py",
    ],
    ("error_format", "html"): [
        f"{PACKAGE}/errors/negotiation.py",
        f"{PACKAGE}/errors/problem.py",
        "tests/test_negotiation.py",
        "tests/test_problem.py",
    ],
    ("layout", "blueprints"): [
        f"{PACKAGE}/views.py",
    ],
    ("layout", "single_module"): [
        f"{PACKAGE}/api",
        f"{PACKAGE}/main",
    ],
    ("use_email_logging", False): [
        f"{PACKAGE}/reporting/email.py",
        "tests/test_email.py",
    ],
    ("use_file_logging", False): [
        f"{PACKAGE}/reporting/logfile.py",
        "tests/test_logfile.py",
    ],
    ("use_sentry", False): [
        f"{PACKAGE}/reporting/sentry.py",
        "tests/test_sentry.py",
    ],
    ("use_database", False): [
        f"{PACKAGE}/database.py",
        f"{PACKAGE}/errors/database.py",
        f"{PACKAGE}/models.py",
        f"{PACKAGE}/readiness.py",
        "schemathesis.toml",
        f"{PACKAGE}/migrations",
        "tests/test_database.py",
    ],
    ("use_redis", False): [
        f"{PACKAGE}/store.py",
        "tests/test_store.py",
    ],
    ("use_tracing", False): [
        f"{PACKAGE}/tracing.py",
        "tests/test_tracing.py",
    ],
    (("use_database", False), ("use_redis", False), ("use_tracing", False)): [
        "compose.yaml",  # no service to run beside the app
    ],
}

# The first commands in the new project, as its README's "Run it" gives them: (variable, value)
# the command needs, or None for every project.
NEXT_STEPS = [
    (None, "cd {project}"),
    (None, "git init"),
    (None, "uv sync"),
    (None, "uv run pre-commit install"),
    (None, "cp .env.example .env"),
    (("use_database", True), "uv run flask --app {slug} db upgrade"),
    (None, "uv run flask --app {slug} run --debug"),
]


def unused_paths(answers: dict) -> list[str]:
    """The project-relative paths that ``answers`` make unused, sorted and without repeats."""
    paths = {
        path.format(slug=answers["project_slug"])
        for condition, paths in UNUSED.items()
        if holds(condition, answers)
        for path in paths
    }
    return sorted(paths)


def holds(condition: tuple, answers: dict) -> bool:
    """Whether ``answers`` give ``condition``: one (variable, value) or a tuple of them."""
    pairs = [condition] if isinstance(condition[0], str) else condition
    return all(answers[variable] == value for variable, value in pairs)


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def next_steps(answers: dict, project: Path) -> list[str]:
    """The commands to run first in ``project``, for its ``answers``."""
    return [
        command.format(project=shlex.quote(str(project)), slug=answers["project_slug"])
        for needs, command in NEXT_STEPS
        if needs is None or answers[needs[0]] == needs[1]
    ]


def main(answers: dict, project: Path) -> None:
    for relative in unused_paths(answers):
        remove(project / relative)
    print(f"Generated {project.name}. Next, with uv (its README.md says more, and how without uv):")
    for command in next_steps(answers, project):
        print(f"    {command}")


if __name__ == "__main__":
    main(json.loads(r"""{{ cookiecutter | tojson }}"""), Path.cwd())
