"""Both READMEs' commands run exactly as written, on a machine with only Python.

The template README's blocks generate a project (from this checkout instead of ``gh:<org>/...``)
and install and test it in a virtual environment of its own; then the generated README's "Run it"
block (all but the server) and "Test it" block run in that project. Everything happens under
``tmp_path``, with ``HOME`` there too and this suite's virtual environment off the ``PATH``. Marked
slow: it installs cookiecutter and the project from PyPI.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TEMPLATE

CONSOLE_BLOCK = re.compile(r"^```console\n(.*?)^```$", re.MULTILINE | re.DOTALL)
GITHUB_SOURCE = "gh:<org>/cookiecutter-flask-service"
SERVER = re.compile(r"^flask --app \w+ run\b")


def console_blocks(markdown: str, section: str) -> list[str]:
    """The console blocks under the ``## section`` heading of ``markdown``."""
    _, found, rest = markdown.partition(f"\n## {section}\n")
    assert found, f"no section {section!r}"
    return CONSOLE_BLOCK.findall(rest.split("\n## ", 1)[0])


def run_script(script: str, cwd: Path, home: Path) -> None:
    # A fresh machine: this suite's virtual environment is not on the PATH, nothing is activated.
    path = os.pathsep.join(
        entry for entry in os.environ["PATH"].split(os.pathsep) if not entry.startswith(sys.prefix)
    )
    env = {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
    env |= {name: os.environ[name] for name in ("XDG_RUNTIME_DIR", "TMPDIR") if name in os.environ}
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


@pytest.mark.slow
def test_both_readmes_commands_run_as_written(tmp_path):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    generate, install = console_blocks(
        (TEMPLATE / "README.md").read_text(encoding="utf-8"), "Generate a service"
    )
    assert GITHUB_SOURCE in generate
    run_script(generate.replace(GITHUB_SOURCE, str(TEMPLATE)) + install, cwd=work, home=home)

    project = work / "order_desk"
    readme = (project / "README.md").read_text(encoding="utf-8")
    [run_it] = console_blocks(readme, "Run it")
    servers = [line for line in run_it.splitlines() if SERVER.match(line)]
    assert len(servers) == 1, run_it  # `flask run` serves until stopped: everything else runs
    test_it = console_blocks(readme, "Test it")[0]
    setup = "\n".join(line for line in run_it.splitlines() if not SERVER.match(line))
    run_script(f"{setup}\n{test_it}", cwd=project, home=home)
    # `cp .env.example .env` and `db upgrade` made the development database, as the README says.
    assert (project / ".env").is_file()
    assert (project / "src" / "instance" / "order_desk.db").is_file()
