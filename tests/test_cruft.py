"""The template works with cruft: ``cruft create`` makes the same project as cookiecutter,
``cruft update`` brings a later template change into it without bringing back what the hook pruned,
and a project made before a prompt existed is updated to the current template both ways the
changelog gives: keeping its old shape, or opting in.

The template is a temporary git copy of this checkout (cruft clones templates with git); git runs
only here, in the test, never in a hook.
"""

import contextlib
import importlib.util
import json
import os
import re
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typer.testing
from cruft._cli import app as cruft_app  # what `python -m cruft` runs
from typer.testing import CliRunner

from conftest import (
    CONTEXT,
    DEFAULTS,
    SECRET_KEY,
    TEMPLATE,
    checked_answers,
    combination,
    run,
)

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


def cruft(directory: Path, *arguments: str) -> typer.testing.Result:
    """``cruft`` with ``arguments`` as its command line, run in ``directory``: its own command-line
    app, in this process, whose bakes share the suite's compiled templates and run the hooks in
    it (``test_a_bake_from_compiled_templates_is_a_fresh_bake`` holds such a bake to one by
    the command): a ``cruft update`` is two bakes, a second each in a process of their own."""
    with contextlib.chdir(directory), pytest.MonkeyPatch.context() as patch:
        for name, value in GIT.items():  # cruft clones the template with git, which needs them
            patch.setenv(name, value)
        result = CliRunner().invoke(cruft_app, list(arguments), prog_name="cruft", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def commit_all(directory: Path, message: str) -> None:
    git(directory, "add", "--all")
    git(directory, "commit", "--quiet", "--message", message)


def create(template: Path, directory: Path, answers: dict = ANSWERS) -> Path:
    """``cruft create --no-input`` with ``answers``; the new project."""
    options = ["--no-input", "--extra-context", json.dumps(answers), "--output-dir", "out"]
    cruft(directory, "create", *options, str(template))
    return directory / "out" / "flask_service"


def contents(project: Path) -> dict[str, bytes]:
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(project).parts
    }


def copy_template(copy: Path) -> Path:
    """A copy of this checkout's files at ``copy``, in a new git repository with nothing committed."""
    shutil.copytree(
        TEMPLATE,
        copy,
        ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__", ".*_cache", "bench-results", "build"),
    )
    git(copy, "init", "--quiet")
    return copy


@pytest.fixture
def template(tmp_path) -> Path:
    """A git repository holding a copy of this template, as cruft would clone it from GitHub."""
    copy = copy_template(tmp_path / "template")
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
    pruned = [
        "src/flask_service/reporting/sentry.py",
        "tests/test_sentry.py",
        "src/flask_service/templates/errors",
    ]
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


# Projects made before a prompt existed, and updated since: a new prompt's update test.

CHANGELOG = (TEMPLATE / "CHANGELOG.md").read_text(encoding="utf-8")
# The prompts of the first release (1.0.0). Every prompt added since has a row in NEW_PROMPTS.
FIRST_RELEASE_PROMPTS = {
    "project_name",
    "project_slug",
    "project_description",
    "author_name",
    "author_email",
    "error_format",
    "layout",
    "use_email_logging",
    "use_file_logging",
    "use_sentry",
}
# The project updated: every other option off, so that it is small.
UPDATE_ANSWERS = {"error_format": "json", "layout": "single_module", "use_file_logging": False}
SLUG = "flask_service"
# A changelog line that answers a new prompt, e.g.
# cruft update --checkout v2.0.0 --variables-to-update '{"use_database": false}'
UPDATE_LINE = re.compile(r"^ *(cruft update .*--variables-to-update '(\{.*\})'.*)$", re.MULTILINE)


@dataclass(frozen=True)
class NewPrompt:
    """A prompt added after the first release."""

    variable: str
    # The answer the template had hard-wired before it asked: what a project made then has.
    before: object
    # The answer that takes what the prompt adds.
    opt_in: object
    # What a team runs after opting in, each command to exit 0 ({slug}: the package, {tmp}: a
    # temporary directory), and the environment it runs in (besides a production SECRET_KEY).
    after_opting_in: tuple[tuple[str, ...], ...] = ()
    environment: dict[str, str] = field(default_factory=dict)


NEW_PROMPTS = [
    NewPrompt(
        "use_database",
        before=False,
        opt_in=True,
        # The release step creates the tables; `db check` fails unless the database is at the
        # migrations' head and they match the models.
        after_opting_in=(
            ("flask", "--app", "{slug}", "db", "upgrade"),
            ("flask", "--app", "{slug}", "db", "check"),
        ),
        environment={"DATABASE_URL": "sqlite:///{tmp}/app.db"},
    ),
    # Served without a Redis: its routes are listed, which builds the app with the store.
    NewPrompt(
        "use_redis", before=False, opt_in=True, after_opting_in=(("flask", "--app", "{slug}", "routes"),)
    ),
    # Listing its routes builds the app, which, with no collector named, does not trace.
    NewPrompt(
        "use_tracing", before=False, opt_in=True, after_opting_in=(("flask", "--app", "{slug}", "routes"),)
    ),
]


def load_post_gen_hook():
    path = TEMPLATE / "hooks" / "post_gen_project.py"
    spec = importlib.util.spec_from_file_location("post_gen_project", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# (variable, answer) -> the paths that answer makes unused.
UNUSED = load_post_gen_hook().UNUSED


def option_paths(prompt: NewPrompt) -> set[str]:
    """The paths the hook keeps for the opt-in answer and removes for the old one."""
    removed = set(UNUSED.get((prompt.variable, prompt.before), []))
    kept = set(UNUSED.get((prompt.variable, prompt.opt_in), []))
    assert removed - kept, f"the hook's table names no path that {prompt.variable}={prompt.before!r} removes"
    return {path.format(slug=SLUG) for path in removed - kept}


def changelog_line(variable: str, answer) -> str:
    """The changelog's one ``cruft update`` line that answers ``variable`` with ``answer``."""
    answers = {variable: answer}
    lines = [line for line, given in UPDATE_LINE.findall(CHANGELOG) if json.loads(given) == answers]
    example = f"cruft update --checkout vX.Y.Z --variables-to-update '{json.dumps(answers)}'"
    assert len(lines) == 1, f"CHANGELOG.md should have one line `{example}`, has {len(lines)}"
    return lines[0]


def release_of(prompt: NewPrompt) -> str | None:
    """The release tag the changelog's lines for ``prompt`` update to; None for a prompt not
    released yet, whose lines update to the template's latest commit."""
    checkout = re.search(r"--checkout (\S+)", changelog_line(prompt.variable, prompt.before))
    return checkout[1] if checkout else None


def hard_wire(template: Path, variable: str, value) -> dict[Path, bytes]:
    """Make the copy ``template`` what it was before ``variable`` was asked: no prompt, and
    ``value`` wherever the template and its hooks read the answer. The original files' contents."""
    changed = {}
    context_file = template / "cookiecutter.json"
    changed[context_file] = context_file.read_bytes()
    context = json.loads(changed[context_file])
    del context[variable], context["__prompts__"][variable]
    context_file.write_text(json.dumps(context, indent=2) + "\n", encoding="utf-8")

    # A JSON scalar (false, true, "json") is a Jinja literal too.
    reference = re.compile(rf"\bcookiecutter\.{variable}\b")
    whole_context = "{{ cookiecutter | tojson }}"
    answered = f"{{{{ dict(cookiecutter, {variable}={json.dumps(value)}) | tojson }}}}"
    rendered = [*(template / "hooks").rglob("*.py"), *(template / "{{cookiecutter.project_slug}}").rglob("*")]
    for path in rendered:
        if not path.is_file() or path.name == "py.typed":
            continue
        text = path.read_text(encoding="utf-8")
        wired = reference.sub(json.dumps(value), text).replace(whole_context, answered)
        if wired != text:
            changed[path] = path.read_bytes()
            path.write_text(wired, encoding="utf-8")
    hook = template / "hooks" / "post_gen_project.py"
    assert hook in changed, f"the post-generation hook no longer reads the answers as {whole_context}"
    assert len(changed) > 2, f"nothing in the template reads cookiecutter.{variable}"
    return changed


def contents_without_cruft_state(project: Path) -> dict[str, bytes]:
    files = contents(project)
    del files[".cruft.json"]
    return files


def recorded_answers(project: Path) -> dict:
    return json.loads((project / ".cruft.json").read_text(encoding="utf-8"))["context"]["cookiecutter"]


def run_update_line(project: Path, line: str) -> None:
    """Run a ``cruft update`` line as written (the changelog's, say) in ``project``, accepting its diff."""
    command = shlex.split(line)
    assert command[:2] == ["cruft", "update"], line
    cruft(project, *command[1:], "--skip-apply-ask")


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(prompt, id=prompt.variable, marks=pytest.mark.xdist_group(f"update-{prompt.variable}"))
        for prompt in NEW_PROMPTS
    ],
)
def made_before(request, tmp_path_factory) -> tuple[NewPrompt, Path]:
    """A project made with ``cruft create`` from the template as it was before the prompt, in a git
    repository of its own; the template's copy has the current template as its next commit, tagged
    with the release the changelog's lines update to."""
    prompt = request.param
    directory = tmp_path_factory.mktemp(f"before-{prompt.variable}")
    template = copy_template(directory / "template")
    originals = hard_wire(template, prompt.variable, prompt.before)
    commit_all(template, f"The template before {prompt.variable}")

    project = create(template, directory, UPDATE_ANSWERS)
    git(project, "init", "--quiet")
    commit_all(project, "The project, as created")

    for path, original in originals.items():
        path.write_bytes(original)
    commit_all(template, f"The template with {prompt.variable}")
    if release := release_of(prompt):
        git(template, "tag", release)
    return prompt, project


def updated_copy(made: Path, tmp_path: Path) -> Path:
    """A copy of the project ``made``, with its git repository, to update."""
    project = tmp_path / SLUG
    shutil.copytree(made, project, symlinks=True)
    return project


def answers_with(prompt: NewPrompt, answer) -> dict:
    return {**DEFAULTS, **checked_answers({**UPDATE_ANSWERS, prompt.variable: answer})}


def default_of(variable: str):
    """The prompt's default, as cookiecutter takes it (the first choice of a list)."""
    default = CONTEXT[variable]
    return default[0] if isinstance(default, list) else default


def test_the_new_prompts_are_the_prompts_added_since_the_first_release():
    prompts = {name for name in CONTEXT if not name.startswith("_")}
    assert prompts - FIRST_RELEASE_PROMPTS == {prompt.variable for prompt in NEW_PROMPTS}


@pytest.mark.parametrize("prompt", NEW_PROMPTS, ids=lambda prompt: prompt.variable)
def test_the_changelog_states_each_new_prompt_default(prompt):
    default = default_of(prompt.variable)
    # As the prompts table writes it: `true`, `json`.
    written = default if isinstance(default, str) else json.dumps(default)
    assert f"**New prompt `{prompt.variable}`**, default `{written}`" in CHANGELOG


def test_a_project_made_before_a_prompt_is_what_the_template_makes_without_it(made_before, bakery):
    prompt, project = made_before
    assert prompt.variable not in recorded_answers(project)
    assert contents_without_cruft_state(project) == contents(bakery(answers_with(prompt, prompt.before)))


def test_the_changelog_line_keeps_a_project_without_a_new_prompt(made_before, bakery, tmp_path):
    prompt, made = made_before
    project = updated_copy(made, tmp_path)
    run_update_line(project, changelog_line(prompt.variable, prompt.before))

    assert recorded_answers(project)[prompt.variable] == prompt.before
    assert sorted(path for path in option_paths(prompt) if (project / path).exists()) == []
    # The very project a bake of these answers makes, whose checks (and own suite, on the covering
    # array) the matrix runs.
    assert contents_without_cruft_state(project) == contents(bakery(answers_with(prompt, prompt.before)))


def test_the_changelog_line_opts_a_project_into_a_new_prompt(made_before, bakery, tmp_path):
    prompt, made = made_before
    project = updated_copy(made, tmp_path)
    run_update_line(project, changelog_line(prompt.variable, prompt.opt_in))

    assert recorded_answers(project)[prompt.variable] == prompt.opt_in
    assert sorted(path for path in option_paths(prompt) if not (project / path).exists()) == []
    assert contents_without_cruft_state(project) == contents(bakery(answers_with(prompt, prompt.opt_in)))

    places = {"slug": SLUG, "tmp": str(tmp_path)}
    environment = {name: value.format(**places) for name, value in prompt.environment.items()}
    env = {**os.environ, "PYTHONPATH": str(project / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(SECRET_KEY=SECRET_KEY, **environment)
    env.pop("FLASK_DEBUG", None)
    for command in prompt.after_opting_in:
        result = run(sys.executable, "-m", *(part.format(**places) for part in command), cwd=project, env=env)
        assert result.returncode == 0, f"{' '.join(command)}: {result.stdout}{result.stderr}"


def test_a_plain_update_gives_a_new_prompt_its_default(made_before, bakery, tmp_path):
    """What the README warns of: no answer on the update line, and the project gets the default."""
    prompt, made = made_before
    project = updated_copy(made, tmp_path)
    release = release_of(prompt)
    run_update_line(project, f"cruft update --checkout {release}" if release else "cruft update")

    default = default_of(prompt.variable)
    assert recorded_answers(project)[prompt.variable] == default
    assert contents_without_cruft_state(project) == contents(bakery(answers_with(prompt, default)))
