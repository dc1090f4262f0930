"""CHANGELOG.md is well formed, has an entry for every version tag, and the check that says so
(``tests/changelog.py``, which the template's CI runs on a tag push) finds what it should."""

import re

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


def version_tags(*selection: str) -> list[str]:
    """This checkout's version tags (vMAJOR.MINOR.PATCH), of those ``git tag --list`` selects with
    ``selection``; the test is skipped outside a git checkout."""
    result = run("git", "tag", "--list", *selection, cwd=TEMPLATE)
    if result.returncode != 0:
        pytest.skip(f"not a git checkout: {result.stderr.strip()}")
    return [tag for tag in result.stdout.split() if TAG.fullmatch(tag)]


def test_the_changelog_is_well_formed():
    assert problems(TEXT) == []


def test_every_version_tag_has_a_changelog_entry():
    versions = {section.version for section in sections(TEXT)[0]}
    tags = version_tags()
    assert [tag for tag in tags if tuple(map(int, TAG.fullmatch(tag).groups())) not in versions] == []


def test_a_tag_on_this_commit_has_its_entry_and_nothing_unreleased():
    """What the CI workflow checks on a tag push."""
    tags = version_tags("--points-at", "HEAD")
    assert {tag: problems(TEXT, tag) for tag in tags} == {tag: [] for tag in tags}


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
