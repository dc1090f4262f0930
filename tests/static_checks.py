"""ruff and mypy on many baked projects at once: each distinct file or package checked once.

A project's static checks cost little next to starting the tools: ruff is one process per command
and mypy reads its cache of every library (Flask, SQLAlchemy, sentry-sdk...) on each run. So the
combinations of a family (conftest.py's ``family``: the answers that shape the package most) are
checked together, on the worker that bakes them:

- ruff: one ``ruff check`` and one ``ruff format --check`` over every project of the family, each
  file under its own project's configuration, as ruff finds it for each file;
- mypy: each distinct package (content-addressed: the same ``src/<slug>`` bytes, whichever
  combinations made them, are one package) copied under a name of its own (its digest) into one
  tree, and one mypy run over the tree, configured by the projects' ``[tool.mypy]`` (the same in
  every project, which is checked). The package imports itself relatively, never by its name.

Each problem found is attributed to the file's project, or to every combination whose package the
file belongs to, so a combination's test fails with exactly its own problems.
"""

import contextlib
import gc
import hashlib
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mypy import api as mypy_api

# A problem in ruff's concise output (of check, and of format --check): path:line:column: message.
RUFF_PROBLEM = re.compile(r"^(?P<path>[^:\s]+):\d+:\d+: ")
MYPY_PROBLEM = re.compile(r"^src/(?P<package>p[0-9a-f]{16})/")


@dataclass
class Report:
    """What the checks found in one combination's project: empty when clean."""

    ruff: list[str] = field(default_factory=list)
    mypy: list[str] = field(default_factory=list)
    # The combinations whose package was this one's, byte for byte (mypy checked it once for all).
    same_package: list[str] = field(default_factory=list)


def package_digest(package: Path) -> str:
    """A digest of every file of ``package`` (its path in the package and its bytes)."""
    digest = hashlib.sha256()
    for path in sorted(path for path in package.rglob("*") if path.is_file()):
        relative = path.relative_to(package).as_posix().encode()
        digest.update(len(relative).to_bytes(4, "big") + relative)
        content = path.read_bytes()
        digest.update(len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()[:16]


def run_ruff(projects: dict[str, Path], reports: dict[str, Report]) -> None:
    """One ``ruff check`` and one ``ruff format --check`` over every project in ``projects``."""
    owners = sorted(((str(path) + "/", name) for name, path in projects.items()), reverse=True)

    def owner(path: str) -> str:
        """The project of a path ruff printed (relative to its working directory, the root)."""
        absolute = str(Path("/", path))
        return next(name for directory, name in owners if absolute.startswith(directory))

    roots = [str(path) for path in projects.values()]
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--output-format", "concise", "--no-cache", *roots],
            cwd="/",
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode in (0, 1), result.stdout + result.stderr  # 2: ruff itself failed
        found = [match for line in result.stdout.splitlines() if (match := RUFF_PROBLEM.match(line))]
        for match in found:
            reports[owner(match["path"])].ruff.append(match.string)
        # What ruff found, it said in a line of the shape read here (or it is a problem here).
        assert (result.returncode == 0) == (not found), result.stdout + result.stderr


MYPY_SECTION = re.compile(r"^\[tool\.mypy\]\n(?:(?!\[).*\n|\n)*", re.MULTILINE)


def run_mypy(projects: dict[str, Path], reports: dict[str, Report], work: Path, cache: Path) -> None:
    """One mypy run over each distinct package of ``projects``, under names of their own, with the
    projects' ``[tool.mypy]`` (whose ``files`` is their ``src``, as the tree's is)."""
    sections = {
        MYPY_SECTION.search((path / "pyproject.toml").read_text(encoding="utf-8"))[0]
        for path in projects.values()
    }
    assert len(sections) == 1, f"the projects configure mypy differently: {sections}"
    (work / "pyproject.toml").write_text(sections.pop(), encoding="utf-8")
    packages: dict[str, list[str]] = {}  # a package's name in the tree: the combinations it is
    for name, path in projects.items():
        source = path / "src" / path.name
        digest = f"p{package_digest(source)}"
        if digest not in packages:
            shutil.copytree(source, work / "src" / digest)
        packages.setdefault(digest, []).append(name)
    status, output = mypy_in_process(work, cache)
    assert status in (0, 1), output  # 2: mypy itself failed
    for line in output.splitlines():
        if match := MYPY_PROBLEM.match(line):
            for name in packages[match["package"]]:
                # Named as in the project: src/<slug>/...
                slug = projects[name].name
                reports[name].mypy.append(line.replace(f"src/{match['package']}/", f"src/{slug}/", 1))
    assert (status == 0) == (not any(report.mypy for report in reports.values())), output
    for names in packages.values():
        for name in names:
            reports[name].same_package = [other for other in names if other != name]


def mypy_in_process(directory: Path, cache: Path) -> tuple[int, str]:
    """mypy run in ``directory`` as its CI runs it (configured by its ``pyproject.toml``), inside
    this test process (``mypy.api``: no interpreter start, no import of mypy per run), with the
    incremental cache ``cache``; its exit status and report."""
    # mypy raises the recursion limit and retunes the garbage collector for its own run.
    recursion_limit, thresholds = sys.getrecursionlimit(), gc.get_threshold()
    try:
        with contextlib.chdir(directory):
            stdout, stderr, status = mypy_api.run(["--cache-dir", str(cache)])
    finally:
        sys.setrecursionlimit(recursion_limit)
        gc.set_threshold(*thresholds)
        # mypy keeps its first run's types of every library it read (over a million objects)
        # alive in this process: out of the collector's way, each full collection of the later
        # checks here would walk them all again, for seconds.
        gc.freeze()
    return status, stdout + stderr


def check_projects(projects: dict[str, Path], work: Path, cache: Path) -> dict[str, Report]:
    """ruff and mypy on ``projects`` (a name each: a combination's id), in one go."""
    reports = {name: Report() for name in projects}
    run_ruff(projects, reports)
    run_mypy(projects, reports, work, cache)
    return reports
