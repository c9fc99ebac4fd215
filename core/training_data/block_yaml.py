"""Where the items of a Rasa data file's top-level lists start and end, found by reading lines.

Rasa's data files are a top-level mapping whose sections (`stories:`, `rules:`, `nlu:`) are block
lists of mappings. For such a file the line structure alone says where each item starts and ends,
so an export can replace or add one item by editing lines, in time proportional to the edit and
not to the file (parsing a 1 MB file with a comment-keeping YAML parser takes seconds). Whatever
this reader cannot vouch for (flow style, tabs, anchors, several documents, a top-level list) is
refused with the reason, and the caller says so to the person instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from core.errors import ExportError

_TOP_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*|\"[^\"]*\"|'[^']*')\s*:(?:\s+(?P<rest>.*))?$")
_ITEM = re.compile(r"^(?P<indent> *)-(?:\s+(?P<key>[A-Za-z_][\w-]*)\s*:(?:\s+(?P<value>.*))?)?\s*$")


class NotBlockYaml(ValueError):
    """The text is not in the plain block style this reader understands; the message says why."""


@dataclass
class Item:
    """One `- key: value` item of a section: lines [start, end), trailing blanks and comments
    left to what follows; `key`/`value` are its first key and that key's scalar value."""

    start: int
    end: int
    key: str | None
    value: str | None


@dataclass
class Section:
    """A top-level key: its line, the first line after its block, its items' dash column."""

    key: str
    line: int
    end: int
    indent: int | None = None
    not_a_list: bool = False  # `key: value`, `key: |` or a mapping under the key
    items: list[Item] = field(default_factory=list)


def lines_of(text: str) -> list[str]:
    """The text's lines without their ends ("\\n" line ends expected; see core.fileio.TextFile)."""
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def scan(lines: list[str]) -> dict[str, Section]:
    """The top-level sections of a block-style YAML file, by key. NotBlockYaml otherwise."""
    sections: list[Section] = []
    for number, line in enumerate(lines):
        if "\t" in line[: len(line) - len(line.lstrip())]:
            raise NotBlockYaml(f"line {number + 1} is indented with a tab")
        stripped = line.strip()
        if not stripped or line.startswith(("#", " ")):
            continue
        if stripped in ("---", "...") or stripped.startswith(("--- ", "%")):
            raise NotBlockYaml(f"line {number + 1} starts another YAML document")
        if line.startswith("-"):
            if not sections:
                raise NotBlockYaml("the file is a list, not a mapping of sections")
            continue  # an item at column 0 under the section above
        match = _TOP_KEY.match(line)
        if match is None:
            raise NotBlockYaml(f"line {number + 1} is not a `key:` line")
        if sections:
            sections[-1].end = number
        sections.append(Section(_scalar(match["key"]) or "", number, len(lines)))
        rest = (match["rest"] or "").split(" #", 1)[0].strip()
        if rest.startswith(("[", "{", "&", "*", "!")):
            raise NotBlockYaml(f"line {number + 1}: `{match['key']}:` is not a block section")
        sections[-1].not_a_list = bool(rest)
    for section in sections:
        if not section.not_a_list:
            _find_items(section, lines)
    return {section.key: section for section in sections}


def _find_items(section: Section, lines: list[str]) -> None:
    starts: list[int] = []
    for number in range(section.line + 1, section.end):
        line = lines[number]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if section.indent is None:
            if not line.lstrip().startswith("-"):
                section.not_a_list = True
                return
            section.indent = indent
        if indent < section.indent:
            raise NotBlockYaml(f"line {number + 1} is indented less than the items of `{section.key}:`")
        if indent == section.indent:
            if not line.lstrip().startswith("-"):
                raise NotBlockYaml(f"line {number + 1} in `{section.key}:` is neither an item nor inside one")
            starts.append(number)
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else section.end
        while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        match = _ITEM.match(lines[start].split(" #", 1)[0].rstrip())
        key = match["key"] if match else None
        value = _scalar(match["value"]) if match and match["value"] else None
        section.items.append(Item(start, end, key, value))


def _scalar(text: str | None) -> str | None:
    """A one-line plain or quoted scalar as a string; None for anything else."""
    if text is None:
        return None
    text = text.strip()
    if not text or text[0] in "&*!|>[{":
        return None
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return None if value is None or isinstance(value, (dict, list)) else str(value)


def reindented(block: list[str], indent: int) -> list[str]:
    """Item lines written at their own dash column, moved to `indent`."""
    first = next(line for line in block if line.strip())
    have = len(first) - len(first.lstrip(" "))
    shift = indent - have
    return [(" " * shift + line if shift >= 0 else line[-shift:]) if line.strip() else "" for line in block]


def list_section(lines: list[str], key: str, path: object, what: str, item: str) -> Section | None:
    """The `key:` section an export adds `what` to, if the file has one; ExportError naming the
    file when the file is not block YAML or the section is not a list of `- item:` entries."""
    try:
        section = scan(lines).get(key)
    except NotBlockYaml as problem:
        raise ExportError(
            f"cannot add {what} to {path}: {problem}",
            hint=f"write the file in YAML's block style, or export the {what} to a new file",
        ) from None
    if section is not None and section.not_a_list:
        raise ExportError(
            f"cannot add {what} to {path}: its `{key}:` (line {section.line + 1}) is not a list of {item}",
            hint=f"make `{key}:` a list of `- {item.rstrip('s')}:` items, or export the {what} to a new file",
        )
    return section
