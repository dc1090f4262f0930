"""Check CHANGELOG.md: well formed (Keep a Changelog, semantic versions), and with an entry for a tag.

    python tests/changelog.py            # the changelog is well formed
    python tests/changelog.py v2.0.0     # ... and has 2.0.0's entry, with nothing left unreleased

The template's CI workflow runs the second form on every version tag it is pushed; the template's
suite imports ``problems`` and checks every local version tag the same way. Standard library only.
"""

import datetime
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

CHANGELOG = Path(__file__).resolve().parent.parent / "CHANGELOG.md"
TAG = re.compile(r"v(\d+)\.(\d+)\.(\d+)")
RELEASE = re.compile(r"## \[(\d+)\.(\d+)\.(\d+)\] - (\d{4}-\d{2}-\d{2})")
UNRELEASED = "## [Unreleased]"
# Keep a Changelog's kinds of change, in its order.
KINDS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")


@dataclass
class Section:
    """One ``## [...]`` section: its heading, and the entries (``- `` lines) under each ``###`` kind."""

    heading: str
    line: int
    kinds: dict[str, int] = field(default_factory=dict)

    @property
    def version(self) -> tuple[int, int, int] | None:
        match = RELEASE.fullmatch(self.heading)
        return (int(match[1]), int(match[2]), int(match[3])) if match else None


def sections(text: str) -> tuple[list[Section], list[str]]:
    """The ``##`` sections of ``text``, outside code blocks, and the problems met reading them."""
    found: list[Section] = []
    problems = []
    kind = None
    in_code = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
        elif in_code:
            continue
        elif line.startswith("## "):
            found.append(Section(line, number))
            kind = None
        elif line.startswith("### "):
            kind = line[4:]
            if not found:
                problems.append(f"line {number}: {line!r} is not inside a release")
            elif kind not in KINDS:
                problems.append(f"line {number}: {kind!r} is not one of {', '.join(KINDS)}")
            elif kind in found[-1].kinds:
                problems.append(f"line {number}: a second {kind!r} in {found[-1].heading!r}")
            else:
                found[-1].kinds[kind] = 0
        elif line.startswith("- ") and found and kind in found[-1].kinds:
            found[-1].kinds[kind] += 1
    return found, problems


def problems(text: str, tag: str | None = None) -> list[str]:
    """What is wrong with the changelog ``text`` (nothing: an empty list); with ``tag``, also
    whether it has that version's entry and leaves nothing unreleased."""
    if not text.startswith("# Changelog\n"):
        return ["the first line is not '# Changelog'"]
    found, wrong = sections(text)
    releases = []
    for index, section in enumerate(found):
        where = f"line {section.line}: {section.heading!r}"
        if section.heading == UNRELEASED:
            if index != 0:
                wrong.append(f"{where} must come first")
            continue
        match = RELEASE.fullmatch(section.heading)
        if not match:
            wrong.append(f"{where} is not '## [MAJOR.MINOR.PATCH] - YYYY-MM-DD' or '{UNRELEASED}'")
            continue
        try:
            date = datetime.date.fromisoformat(match[4])
        except ValueError:
            wrong.append(f"{where} has no valid date")
            continue
        if not section.kinds:
            wrong.append(f"{where} has no '### Added' (or other kind of change)")
        empty = [kind for kind, entries in section.kinds.items() if not entries]
        wrong += [f"{where} has no entry under '### {kind}'" for kind in empty]
        if releases:
            newer, newer_date = releases[-1]
            if section.version >= newer.version:
                wrong.append(f"{where} is not older than {newer.heading!r}: newest first")
            elif date > newer_date:
                wrong.append(f"{where} is dated after the newer {newer.heading!r}")
        releases.append((section, date))
    if not releases:
        wrong.append("no release: no '## [MAJOR.MINOR.PATCH] - YYYY-MM-DD' section")
    if tag is not None:
        wrong += tag_problems(tag, found)
    return wrong


def tag_problems(tag: str, found: list[Section]) -> list[str]:
    match = TAG.fullmatch(tag)
    if not match:
        return [f"the tag {tag!r} is not a version tag (vMAJOR.MINOR.PATCH)"]
    version = tuple(int(part) for part in match.groups())
    wrong = []
    if not any(section.version == version for section in found):
        wrong.append(f"no entry for the tag {tag}: add '## [{tag[1:]}] - YYYY-MM-DD' to CHANGELOG.md")
    unreleased = [section for section in found if section.heading == UNRELEASED]
    if unreleased and any(unreleased[0].kinds.values()):
        wrong.append(f"'{UNRELEASED}' still has entries: move them into {tag[1:]}'s entry before tagging")
    return wrong


def main(arguments: list[str]) -> int:
    if len(arguments) > 1:
        print("usage: python tests/changelog.py [TAG]", file=sys.stderr)
        return 2
    found = problems(CHANGELOG.read_text(encoding="utf-8"), *arguments)
    for problem in found:
        print(f"CHANGELOG.md: {problem}", file=sys.stderr)
    if not found:
        print(f"CHANGELOG.md is well formed{f' and has the entry for {arguments[0]}' if arguments else ''}.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
