"""ruff and mypy on many baked projects at once: each distinct file or package checked once.

A project's static checks cost little next to starting the tools, and most combinations render
most files identically: a view or a test differs across a handful of answers, not across every
combination. So every combination's files are checked at once, each distinct one once
(content-addressed: the same bytes, whichever combinations made them, are checked once):

- ruff: each distinct Python file (its path in the project and its bytes) laid out once into
  trees of the projects' shape, the n-th distinct version of a path in the n-th tree, each tree
  configured by the projects' ``[tool.ruff]`` (the same in every project, which is checked); one
  ``ruff check`` and one ``ruff format --check`` over the trees. ruff's rules read one file at a
  time; its import sorting also looks for the project's own modules, so a tree has an empty file
  wherever a module of the package has fewer versions than there are trees;
- mypy: each distinct package (the same ``src/<slug>`` bytes) copied under a name of its own (its
  digest) into one tree, and one mypy run over the tree, configured by the projects'
  ``[tool.mypy]`` (the same in every project, which is checked). The package imports itself
  relatively, never by its name.

Each problem found is attributed to every combination whose project has the file or package, so
a combination's test fails with exactly its own problems; and each check returns the artefacts it
checked, each with the combinations it stands for.
"""

import contextlib
import gc
import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
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


RUFF_SECTION = re.compile(r"^\[tool\.ruff(?:\.[\w.-]+)?\]\n(?:(?!\[).*\n|\n)*", re.MULTILINE)
RUFF_CHECKS = {".py", ".pyi"}  # the files ruff checks and formats in a project


def content_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:12]


def the_same_section(projects: dict[str, Path], section: re.Pattern[str]) -> str:
    """The ``pyproject.toml`` section(s) ``section`` finds, which must be the same in every project."""
    texts = {
        "".join(found[0] for found in section.finditer((path / "pyproject.toml").read_text(encoding="utf-8")))
        for path in projects.values()
    }
    assert len(texts) == 1, f"the projects configure their checks differently: {texts}"
    return texts.pop()


def run_ruff(
    projects: dict[str, Path],
    reports: dict[str, Report],
    work: Path,
    files: Callable[[Path], dict[str, bytes]],
) -> dict[str, list[str]]:
    """One ``ruff check`` and one ``ruff format --check`` over each distinct Python file of
    ``projects``, whose files ``files`` reads (``conftest.project_files``, or ``baked_files`` for
    the shared bakes, which the other checks have read already); the files checked (path and
    digest), each with the combinations that have it."""
    [slug] = {path.name for path in projects.values()}
    config = the_same_section(projects, RUFF_SECTION)
    versions: dict[str, dict[bytes, list[str]]] = {}  # a path: each distinct content, its combinations
    for name, project in projects.items():
        for relative, content in files(project).items():
            if os.path.splitext(relative)[1] in RUFF_CHECKS:
                versions.setdefault(relative, {}).setdefault(content, []).append(name)
    laid_out: dict[str, list[str]] = {}  # a file in the trees: the combinations it stands for
    artefacts: dict[str, list[str]] = {}
    trees = [work / f"t{number}" for number in range(max(map(len, versions.values())))]
    for tree in trees:
        (tree / "src" / slug).mkdir(parents=True)
        (tree / "pyproject.toml").write_text(config, encoding="utf-8")
    for relative, contents in versions.items():
        for number, tree in enumerate(trees):
            (tree / relative).parent.mkdir(parents=True, exist_ok=True)
            if number >= len(contents) and relative.startswith("src/"):
                # An empty module where a project's package has one (ruff's import sorting tells
                # the project's own modules from others by the files it finds): no problem of any
                # combination.
                (tree / relative).touch()
        for number, (content, names) in enumerate(contents.items()):
            (trees[number] / relative).write_bytes(content)
            laid_out[f"t{number}/{relative}"] = names
            artefacts[f"{relative} {content_digest(content)}"] = names
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--output-format", "concise", "--no-cache", "."],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode in (0, 1), result.stdout + result.stderr  # 2: ruff itself failed
        found = [match for line in result.stdout.splitlines() if (match := RUFF_PROBLEM.match(line))]
        for match in found:
            tree, _, rest = match.string.partition("/")  # named as in the project: path:line:column: ...
            for name in laid_out[f"{tree}/{match['path'].partition('/')[2]}"]:  # an empty file: KeyError
                reports[name].ruff.append(rest)
        # What ruff found, it said in a line of the shape read here (or it is a problem here).
        assert (result.returncode == 0) == (not found), result.stdout + result.stderr
    return artefacts


MYPY_SECTION = re.compile(r"^\[tool\.mypy\]\n(?:(?!\[).*\n|\n)*", re.MULTILINE)


def run_mypy(
    projects: dict[str, Path], reports: dict[str, Report], work: Path, cache: Path
) -> dict[str, list[str]]:
    """One mypy run over each distinct package of ``projects``, under names of their own, with the
    projects' ``[tool.mypy]`` (whose ``files`` is their ``src``, as the tree's is); the packages
    checked (by digest), each with the combinations that have it."""
    (work / "pyproject.toml").write_text(the_same_section(projects, MYPY_SECTION), encoding="utf-8")
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
    return {f"src/{projects[names[0]].name} {package[1:13]}": names for package, names in packages.items()}


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
