"""Both READMEs' commands run exactly as written, on a machine with only Python (and uv).

The template README's blocks generate a project (from this checkout instead of ``gh:<org>/...``)
and install and test it with pip in a virtual environment of its own; then the generated README's
uv block of "Run it" (all but the server) and its "Test it" block run in that project, with uv on
the ``PATH``. Everything happens under ``tmp_path``, with ``HOME`` there too and this suite's
virtual environment off the ``PATH``. Marked slow: it installs from PyPI.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TEMPLATE, combination, uv

CONSOLE_BLOCK = re.compile(r"^```console\n(.*?)^```$", re.MULTILINE | re.DOTALL)
GITHUB_SOURCE = "gh:<org>/cookiecutter-flask-service"
SERVER = re.compile(r"^(uv run )?flask --app \w+ run\b")


def console_blocks(markdown: str, section: str) -> list[str]:
    """The console blocks under the ``## section`` heading of ``markdown``."""
    _, found, rest = markdown.partition(f"\n## {section}\n")
    assert found, f"no section {section!r}"
    return CONSOLE_BLOCK.findall(rest.split("\n## ", 1)[0])


def run_script(script: str, cwd: Path, home: Path, tools: Path) -> None:
    # A fresh machine: this suite's virtual environment is not on the PATH, nothing is activated;
    # ``tools`` holds what the machine has installed besides Python (uv).
    path = os.pathsep.join(
        [str(tools)]
        + [entry for entry in os.environ["PATH"].split(os.pathsep) if not entry.startswith(sys.prefix)]
    )
    # The machine's own settings stay (its certificates, pip's configuration); what this suite
    # activated or set for itself goes, and HOME is empty; TMPDIR is beside it.
    env = {
        **os.environ,
        "PATH": path,
        "HOME": str(home),
        "PYTHONDONTWRITEBYTECODE": "1",
        "TMPDIR": str(home.with_name("tmp")),
    }
    home.with_name("tmp").mkdir(exist_ok=True)
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "COOKIECUTTER_CONFIG"):
        env.pop(name, None)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert result.returncode == 0, f"{script}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


def test_console_blocks_are_found_by_section():
    markdown = "# T\n\n## A\n\n```console\none\n```\n\n## B\n\n```console\ntwo\nthree\n```\n"
    assert console_blocks(markdown, "A") == ["one\n"]
    assert console_blocks(markdown, "B") == ["two\nthree\n"]


def section(markdown: str, name: str) -> str:
    """The text under the ``## name`` heading of ``markdown``, with its whitespace made single."""
    _, found, rest = markdown.partition(f"\n## {name}\n")
    assert found, f"no section {name!r}"
    return " ".join(rest.split("\n## ", 1)[0].split())


ALL_ON = combination(use_email_logging=True, use_sentry=True)


@pytest.mark.parametrize("answers", [ALL_ON])
def test_the_readmes_call_the_dev_tools_a_dependency_group(bakery, answers):
    project = bakery(answers)
    for path in (TEMPLATE / "README.md", project / "README.md", project / ".pre-commit-config.yaml"):
        text = " ".join(path.read_text(encoding="utf-8").split())
        assert "dev extra" not in text and ".[dev]" not in text, path


@pytest.mark.parametrize("answers", [ALL_ON])
def test_the_generated_readme_says_how_to_get_uv_before_using_it(bakery, answers):
    run_it = section((bakery(answers) / "README.md").read_text(encoding="utf-8"), "Run it")
    before_the_commands = run_it.split("```console", 1)[0]
    assert "pip install uv" in before_the_commands
    assert "https://docs.astral.sh/uv/getting-started/installation/" in before_the_commands


@pytest.mark.parametrize("answers", [ALL_ON])
def test_the_production_migration_runs_in_the_production_environment(bakery, answers):
    project = bakery(answers)
    production = section((project / "README.md").read_text(encoding="utf-8"), "Serve it in production")
    assert f"`uv run --no-sync flask --app {project.name} db upgrade`" in production
    # Outside the image, every flask command runs in the project's environment, as gunicorn does.
    outside_the_image = production.split("docker run", 1)[0]
    assert outside_the_image.count("flask --app") == outside_the_image.count("uv run --no-sync flask")


@pytest.mark.slow
def test_both_readmes_commands_run_as_written(tmp_path):
    home, work, tools = tmp_path / "home", tmp_path / "work", tmp_path / "tools"
    for directory in (home, work, tools):
        directory.mkdir()
    (tools / "uv").symlink_to(uv())
    generate, install = console_blocks(
        (TEMPLATE / "README.md").read_text(encoding="utf-8"), "Generate a service"
    )
    assert GITHUB_SOURCE in generate
    run_script(generate.replace(GITHUB_SOURCE, str(TEMPLATE)) + install, cwd=work, home=home, tools=tools)

    project = work / "order_desk"
    readme = (project / "README.md").read_text(encoding="utf-8")
    with_uv, with_pip = console_blocks(readme, "Run it")
    # The pip way is the one the template README's block just ran.
    assert set(with_pip.splitlines()) <= set(install.splitlines()), with_pip
    servers = [line for line in with_uv.splitlines() if SERVER.match(line)]
    assert len(servers) == 1, with_uv  # `flask run` serves until stopped: everything else runs
    setup = "\n".join(line for line in with_uv.splitlines() if not SERVER.match(line))
    test_it = console_blocks(readme, "Test it")[0]
    run_script(f"{setup}\n{test_it}", cwd=project, home=home, tools=tools)
    # uv.lock to commit; `cp .env.example .env` and `db upgrade` made the development database.
    assert (project / "uv.lock").is_file()
    assert (project / ".env").is_file()
    assert (project / "instance" / "order_desk.db").is_file()
