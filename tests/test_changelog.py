"""CHANGELOG.md is well formed, has an entry for every version tag, and the check that says so
(``tests/changelog.py``, which the template's CI runs on a tag push) finds what it should; the
release tags workflow's ``--tag-releases`` tags each release at the commit that added its heading,
which runs here on temporary git repositories (nothing is pushed)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from changelog import CHANGELOG, TAG, problems, sections
from conftest import TEMPLATE, run

TEXT = CHANGELOG.read_text(encoding="utf-8")
GOOD = """\
# Changelog

Intro.

## [Unreleased]

## [1.1.0] - 2026-12-01

### Added

- A thing.

  ```console
  # a comment in a code block, not a heading
  cruft update --checkout v1.1.0
  ```

### Fixed

- Another thing.

## [1.0.0] - 2026-11-24

### Added

- The first thing.
"""


def version_tags(repository: Path, *selection: str) -> list[str]:
    """The version tags (vMAJOR.MINOR.PATCH) of ``repository``, of those ``git tag --list``
    selects with ``selection``."""
    result = run("git", "tag", "--list", *selection, cwd=repository)
    assert result.returncode == 0, result.stderr
    return [tag for tag in result.stdout.split() if TAG.fullmatch(tag)]


def checkout_tags(*selection: str) -> list[str]:
    """This checkout's version tags, as ``version_tags``; the test is skipped outside a git
    checkout, and when there is none to check."""
    if run("git", "rev-parse", "--git-dir", cwd=TEMPLATE).returncode != 0:
        pytest.skip("not a git checkout")
    tags = version_tags(TEMPLATE, *selection)
    if not tags:
        command = " ".join(["git tag --list", *selection])
        pytest.skip(f"no version tag in this checkout ({command}); test_the_tag_checks_* use real ones")
    return tags


def tags_without_an_entry(text: str, tags: list[str]) -> list[str]:
    versions = {section.version for section in sections(text)[0]}
    return [tag for tag in tags if tuple(map(int, TAG.fullmatch(tag).groups())) not in versions]


def tag_checks(text: str, tags: list[str]) -> dict[str, list[str]]:
    """What the check on a tag push finds for each of ``tags`` in the changelog ``text``."""
    return {tag: problems(text, tag) for tag in tags}


def test_the_changelog_is_well_formed():
    assert problems(TEXT) == []


def test_every_version_tag_has_a_changelog_entry():
    assert tags_without_an_entry(TEXT, checkout_tags()) == []


def test_a_tag_on_this_commit_has_its_entry_and_nothing_unreleased():
    """What the CI workflow checks on a tag push."""
    tags = checkout_tags("--points-at", "HEAD")
    assert tag_checks(TEXT, tags) == {tag: [] for tag in tags}


def test_the_update_lines_check_out_releases_the_changelog_has():
    releases = {".".join(map(str, section.version)) for section in sections(TEXT)[0] if section.version}
    checkouts = set(re.findall(r"cruft update --checkout v(\S+)", TEXT))
    assert checkouts
    assert checkouts <= releases


def test_the_check_passes_a_good_changelog_and_its_tags():
    assert problems(GOOD) == []
    assert problems(GOOD, "v1.1.0") == []
    assert problems(GOOD, "v1.0.0") == []


@pytest.mark.parametrize(
    ("text", "tag", "problem"),
    [
        (GOOD, "v1.2.0", "no entry for the tag v1.2.0"),
        (GOOD, "v1.1", "not a version tag"),
        (
            GOOD.replace("## [Unreleased]\n", "## [Unreleased]\n\n### Added\n\n- Not yet.\n"),
            "v1.1.0",
            "still has entries",
        ),
        (GOOD.replace("# Changelog", "# Changes"), None, "first line"),
        (GOOD.replace("[1.1.0] - 2026-12-01", "1.1.0 - 2026-12-01"), None, "is not '## [MAJOR.MINOR.PATCH]"),
        (GOOD.replace("[1.1.0] - 2026-12-01", "[1.1.0] - 2026-13-01"), None, "no valid date"),
        (GOOD.replace("[1.1.0] - 2026-12-01", "[0.9.0] - 2026-12-01"), None, "newest first"),
        (GOOD.replace("2026-12-01", "2026-11-01"), None, "dated after"),
        (GOOD.replace("### Fixed", "### Bugs"), None, "'Bugs' is not one of"),
        (GOOD.replace("- Another thing.", "Another thing."), None, "no entry under '### Fixed'"),
        (GOOD.replace("### Added\n\n- The first thing.", "The first thing."), None, "has no '### Added'"),
        (
            GOOD.replace("## [Unreleased]\n", "").replace("## [1.0.0]", "## [Unreleased]\n\n## [1.0.0]"),
            None,
            "first",
        ),
    ],
    ids=[
        "untagged version",
        "malformed tag",
        "unreleased entries at a tag",
        "title",
        "heading",
        "date",
        "order",
        "date order",
        "kind",
        "empty kind",
        "no kind",
        "unreleased last",
    ],
)
def test_the_check_finds_what_is_wrong(text, tag, problem):
    found = problems(text, tag)
    assert len(found) == 1, found
    assert problem in found[0]


# The release tags workflow's script, run on a temporary repository of its own: a copy of
# tests/changelog.py, which works on the checkout it lies in, and the commits of a CHANGELOG.md.
GIT = {
    "GIT_AUTHOR_NAME": "Changelog Test",
    "GIT_AUTHOR_EMAIL": "changelog-test@example.com",
    "GIT_COMMITTER_NAME": "Changelog Test",
    "GIT_COMMITTER_EMAIL": "changelog-test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repository: Path, *arguments: str) -> str:
    result = run("git", *arguments, cwd=repository, env={**os.environ, **GIT})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


@pytest.fixture
def repository(tmp_path) -> Path:
    """A new git repository on main, its first commit holding this checkout's tests/changelog.py."""
    repository = tmp_path / "template"
    (repository / "tests").mkdir(parents=True)
    shutil.copy(CHANGELOG.parent / "tests" / "changelog.py", repository / "tests")
    git(repository, "init", "--quiet", "--initial-branch=main")
    git(repository, "add", "--all")
    git(repository, "commit", "--quiet", "--message", "The changelog's check")
    return repository


def changelog(*releases: str, unreleased: bool = False, entry: str = "A change") -> str:
    """A well-formed changelog: entries under Unreleased or none, and a section for each release
    (``"1.0.0"``), newest first."""
    text = "# Changelog\n\n## [Unreleased]\n"
    if unreleased:
        text += "\n### Added\n\n- Not released yet.\n"
    for version in releases:
        text += f"\n## [{version}] - 2026-11-24\n\n### Added\n\n- {entry} in {version}.\n"
    return text


def commit_changelog(repository: Path, text: str) -> str:
    """Commit ``text`` as the repository's CHANGELOG.md; the commit."""
    (repository / "CHANGELOG.md").write_text(text, encoding="utf-8")
    git(repository, "add", "CHANGELOG.md")
    git(repository, "commit", "--quiet", "--message", "CHANGELOG.md")
    return git(repository, "rev-parse", "HEAD")


def commit_something(repository: Path, name: str = "app.py") -> str:
    """Commit a change to a file other than CHANGELOG.md; the commit."""
    (repository / name).write_text(f"{name} at {git(repository, 'rev-parse', 'HEAD')}\n")
    git(repository, "add", name)
    git(repository, "commit", "--quiet", "--message", name)
    return git(repository, "rev-parse", "HEAD")


def tag_releases(repository: Path) -> subprocess.CompletedProcess:
    """``python tests/changelog.py --tag-releases`` in ``repository``, as the workflow runs it."""
    command = (sys.executable, "tests/changelog.py", "--tag-releases")
    return run(*command, cwd=repository, env={**os.environ, **GIT})


def tags(repository: Path) -> dict[str, str]:
    """Each tag of ``repository`` and the commit it points at."""
    names = git(repository, "tag").split()
    return {tag: git(repository, "rev-parse", f"{tag}^{{commit}}") for tag in names}


def release(repository: Path) -> str:
    """A history with 1.0.0: work under Unreleased, the release commit that moves it under the
    1.0.0 heading, and work after it under Unreleased again; the release commit."""
    commit_changelog(repository, changelog(unreleased=True))
    released = commit_changelog(repository, changelog("1.0.0"))
    commit_something(repository)
    commit_changelog(repository, changelog("1.0.0", unreleased=True))
    return released


def test_a_release_is_tagged_on_the_commit_that_added_its_heading(repository):
    released = release(repository)
    result = tag_releases(repository)
    assert (result.returncode, result.stdout, result.stderr) == (0, "v1.0.0\n", "")
    assert tags(repository) == {"v1.0.0": released}


def test_tagging_again_makes_nothing(repository):
    released = release(repository)
    assert tag_releases(repository).returncode == 0
    result = tag_releases(repository)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert tags(repository) == {"v1.0.0": released}


def test_each_release_is_tagged_on_its_own_commit(repository):
    first = commit_changelog(repository, changelog("1.0.0"))
    commit_something(repository)
    second = commit_changelog(repository, changelog("1.1.0", "1.0.0"))
    commit_something(repository)
    result = tag_releases(repository)
    assert (result.returncode, result.stdout) == (0, "v1.1.0\nv1.0.0\n"), result.stderr
    assert tags(repository) == {"v1.0.0": first, "v1.1.0": second}


def test_a_release_merged_into_main_is_tagged_on_the_merge(repository):
    """The commit main had when the release arrived, not the branch's commit it merged."""
    git(repository, "switch", "--quiet", "--create", "release")
    commit_changelog(repository, changelog("1.0.0"))
    git(repository, "switch", "--quiet", "main")
    commit_something(repository)
    git(repository, "merge", "--quiet", "--no-ff", "--message", "Merge release", "release")
    merge = git(repository, "rev-parse", "HEAD")
    assert tag_releases(repository).returncode == 0
    assert tags(repository) == {"v1.0.0": merge}


def test_an_unreleased_section_alone_makes_no_tag(repository):
    commit_changelog(repository, changelog(unreleased=True))
    result = tag_releases(repository)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert tags(repository) == {}


def test_a_release_that_has_a_tag_gets_no_other(repository):
    by_hand = commit_something(repository)
    git(repository, "tag", "v1.0.0")
    release(repository)
    result = tag_releases(repository)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert tags(repository) == {"v1.0.0": by_hand}


# Histories in which 1.0.0's release commit is not clear; each returns the commit that added its
# heading.


def left_under_unreleased(repository: Path) -> str:
    return commit_changelog(repository, changelog("1.0.0", unreleased=True))


def named_after_the_fact(repository: Path) -> str:
    return commit_changelog(repository, changelog("1.1.0", "1.0.0"))


def entry_changed_later(repository: Path) -> str:
    heading = commit_changelog(repository, changelog("1.0.0"))
    commit_changelog(repository, changelog("1.0.0", entry="A change described again"))
    return heading


@pytest.mark.parametrize(
    ("history", "made", "why"),
    [
        (left_under_unreleased, [], "'## [Unreleased]' still has entries"),
        (named_after_the_fact, ["v1.1.0"], "its heading below the newer 1.1.0"),
        (entry_changed_later, [], "its entry changed after"),
    ],
)
def test_a_release_with_no_clear_commit_is_left_to_a_maintainer(repository, history, made, why):
    heading = history(repository)
    result = tag_releases(repository)
    assert result.returncode == 1
    assert result.stdout.split() == made
    assert list(tags(repository)) == made
    assert "v1.0.0 not created: " in result.stderr
    assert why in result.stderr
    assert heading[:12] in result.stderr
    assert "git tag v1.0.0 <commit> && git push origin v1.0.0" in result.stderr


def test_a_shallow_clone_is_refused(repository, tmp_path):
    """A shallow history hides the commit that added a heading: the workflow fetches it all."""
    release(repository)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--depth", "1", repository.as_uri(), str(clone))
    result = tag_releases(clone)
    assert (result.returncode, result.stdout) == (1, "")
    assert "a shallow clone" in result.stderr
    assert tags(clone) == {}


# The checks on this checkout's tags above skip with no tag to check; here they meet real ones.


def test_the_tag_checks_pass_on_the_tags_the_script_makes(repository):
    release(repository)
    second = commit_changelog(repository, changelog("1.1.0", "1.0.0"))
    assert tag_releases(repository).returncode == 0
    text = (repository / "CHANGELOG.md").read_text(encoding="utf-8")
    assert git(repository, "rev-parse", "HEAD") == second
    assert tags_without_an_entry(text, version_tags(repository)) == []
    assert version_tags(repository) == ["v1.0.0", "v1.1.0"]
    assert tag_checks(text, version_tags(repository, "--points-at", "HEAD")) == {"v1.1.0": []}


def test_the_tag_checks_fail_on_a_tag_without_an_entry(repository):
    release(repository)  # HEAD has entries under Unreleased
    git(repository, "tag", "v1.1.0")
    text = (repository / "CHANGELOG.md").read_text(encoding="utf-8")
    assert tags_without_an_entry(text, version_tags(repository)) == ["v1.1.0"]
    checks = tag_checks(text, version_tags(repository, "--points-at", "HEAD"))
    assert list(checks) == ["v1.1.0"]
    assert [problem.split(":")[0] for problem in checks["v1.1.0"]] == [
        "no entry for the tag v1.1.0",
        "'## [Unreleased]' still has entries",
    ]
