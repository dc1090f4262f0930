"""Check CHANGELOG.md: well formed (Keep a Changelog, semantic versions), and with an entry for a tag.

    python tests/changelog.py            # the changelog is well formed
    python tests/changelog.py v2.0.0     # ... and has 2.0.0's entry, with nothing left unreleased
    python tests/changelog.py --tag-releases   # tag each untagged release at its release commit

The template's CI workflow runs the second form on every version tag it is pushed, and its release
tags workflow the third on every push to main that changes CHANGELOG.md; the template's suite
imports ``problems`` and checks every local version tag the same way. Standard library only.
"""

import datetime
import re
import subprocess
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


def dotted(version: tuple[int, int, int]) -> str:
    return ".".join(map(str, version))


def entry(text: str, version: tuple[int, int, int]) -> str | None:
    """The lines of ``version``'s section of the changelog ``text``, its heading first; None if it
    has none."""
    found = sections(text)[0]
    lines = text.splitlines()
    for index, section in enumerate(found):
        if section.version == version:
            end = found[index + 1].line - 1 if index + 1 < len(found) else None
            return "\n".join(lines[section.line - 1 : end])
    return None


def git(*arguments: str) -> str:
    """``git`` run in the checkout that holds CHANGELOG.md; its output."""
    result = subprocess.run(
        ["git", *arguments], cwd=CHANGELOG.parent, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(arguments)}: {result.stderr.strip()}")
    return result.stdout


def release_commit(version: tuple[int, int, int], text: str) -> tuple[str | None, str]:
    """The commit to tag for ``version``, whose entry the changelog ``text`` at HEAD has: the first
    commit on HEAD's first-parent line (main's own history: a merge, not the branch it merged) whose
    CHANGELOG.md has the version's heading. That commit, and "", when it is a release commit: the
    version is its newest release, its changelog passes the tag's check, and the entry is the
    same as in ``text``. Otherwise what is wrong, for a maintainer to decide."""
    tag = f"v{dotted(version)}"
    heading = r"^## \[{}\.{}\.{}\] - ".format(*version)  # git's regex, basic or extended
    name = CHANGELOG.name
    candidates = git("log", "--first-parent", "--reverse", "--format=%H", "-G", heading, "--", name)
    for commit in candidates.split():
        then = git("show", f"{commit}:{name}")
        if entry(then, version) is None:
            continue
        newest = next(section.version for section in sections(then)[0] if section.version)
        if newest != version:
            return None, f"{commit[:12]} added its heading below the newer {dotted(newest)}"
        if wrong := problems(then, tag):
            return None, f"{commit[:12]} added its heading, but there: {'; '.join(wrong)}"
        if entry(then, version) != entry(text, version):
            return None, f"its entry changed after {commit[:12]} added its heading"
        return commit, ""
    return None, f"no commit on HEAD's first-parent line added its heading to {name}"


def tag_releases() -> int:
    """Tag each release of CHANGELOG.md at HEAD that has no version tag, at its release commit
    (lightweight tags, created here and pushed by the caller); print each tag made. A release
    whose commit is not clear is reported for a maintainer to tag by hand, and the status is 1."""
    if git("rev-parse", "--is-shallow-repository").strip() == "true":
        print("a shallow clone: fetch all history (checkout's fetch-depth: 0)", file=sys.stderr)
        return 1
    text = git("show", f"HEAD:{CHANGELOG.name}")
    tags = [TAG.fullmatch(tag) for tag in git("tag").split()]
    tagged = {tuple(map(int, match.groups())) for match in tags if match}
    status = 0
    for section in sections(text)[0]:
        if section.version is None or section.version in tagged:
            continue
        tag = f"v{dotted(section.version)}"
        commit, why = release_commit(section.version, text)
        if commit:
            git("tag", tag, commit)
            print(tag)
        else:
            print(f"{tag} not created: {why}. Tag its release commit by hand:", file=sys.stderr)
            print(f"  git tag {tag} <commit> && git push origin {tag}", file=sys.stderr)
            status = 1
    return status


def main(arguments: list[str]) -> int:
    if len(arguments) > 1:
        print("usage: python tests/changelog.py [TAG | --tag-releases]", file=sys.stderr)
        return 2
    if arguments == ["--tag-releases"]:
        try:
            return tag_releases()
        except RuntimeError as error:
            print(error, file=sys.stderr)
            return 1
    found = problems(CHANGELOG.read_text(encoding="utf-8"), *arguments)
    for problem in found:
        print(f"CHANGELOG.md: {problem}", file=sys.stderr)
    if not found:
        print(f"CHANGELOG.md is well formed{f' and has the entry for {arguments[0]}' if arguments else ''}.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
