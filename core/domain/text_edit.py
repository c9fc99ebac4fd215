"""Line-level edits of a YAML file that leave every other byte as it was.

ruamel keeps comments when it re-dumps a file, but it re-indents every list to one style. The
domain editor therefore only uses ruamel to find where things stand (line and column of keys and
items) and inserts new lines of text there, indented the way the file indents its own.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq


@dataclass
class Style:
    """How the file indents: the `- ` prefix of top-level lists, and child keys and nested dashes."""

    list_prefix: str = "  - "
    child_indent: int = 2
    dash_offset: int = 2  # columns from a key to the dash of the list under it


def detect_style(data: Any, lines: list[str], section: str | None = None) -> Style:
    """The file's indentation, learnt from `section` first, then from the rest of the file."""
    style = Style()
    if not isinstance(data, CommentedMap):
        return style
    for value in data.values():
        if isinstance(value, CommentedSeq) and value and not value.fa.flow_style():
            prefix = item_prefix(value, 0, lines)
            if prefix:
                style.list_prefix = prefix
                break
    ordered = [data[section]] if section in data else []
    ordered += [value for key, value in data.items() if key != section]
    children = [v for v in ordered if isinstance(v, CommentedMap) and v and not v.fa.flow_style()]
    if children:
        style.child_indent = children[0].lc.key(next(iter(children[0])))[1]
    for child in children:
        offset = _nested_dash_offset(child, lines)
        if offset is not None:
            style.dash_offset = offset
            break
    return style


def _nested_dash_offset(mapping: CommentedMap, lines: list[str]) -> int | None:
    """Columns between a key and the dashes of the first block list found under it."""
    for key, value in mapping.items():
        if isinstance(value, CommentedSeq) and value and not value.fa.flow_style():
            prefix = item_prefix(value, 0, lines)
            if prefix:
                return max(0, prefix.index("-") - mapping.lc.key(key)[1])
        if isinstance(value, CommentedMap) and not value.fa.flow_style():
            found = _nested_dash_offset(value, lines)
            if found is not None:
                return found
    return None


def item_prefix(seq: CommentedSeq, index: int, lines: list[str]) -> str | None:
    """The `  - ` text before item `index`, when the item starts its own line."""
    line, column = seq.lc.item(index)
    prefix = lines[line][:column]
    return prefix if prefix.strip() == "-" else None


def block_end(mapping: CommentedMap, key: Any, limit: int) -> int:
    """The first line after `mapping[key]`'s block: the next sibling key's line, or `limit`."""
    keys = list(mapping)
    position = keys.index(key)
    return mapping.lc.key(keys[position + 1])[0] if position + 1 < len(keys) else limit


def last_content_line(lines: list[str], start: int, end: int) -> int:
    """The last line in [start, end) that is neither blank nor only a comment (start - 1 if none)."""
    for index in range(min(end, len(lines)) - 1, start - 1, -1):
        text = lines[index].strip()
        if text and not text.startswith("#"):
            return index
    return start - 1


def separated_by_blank_lines(mapping: CommentedMap, lines: list[str]) -> bool:
    """Whether the file leaves a blank line between the entries of this mapping."""
    keys = list(mapping)
    if len(keys) < 2:
        return False
    second = mapping.lc.key(keys[1])[0]
    return second > 0 and not lines[second - 1].strip()


def dump_block(data: Any, indent: int, dash_offset: int) -> list[str]:
    """`data` as YAML lines, indented by `indent` columns, nested lists with the file's dash offset."""
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=dash_offset + 2, offset=dash_offset)
    stream = io.StringIO()
    yaml.dump(data, stream)
    return [(" " * indent + line) if line else line for line in stream.getvalue().rstrip("\n").split("\n")]


def scalar(value: str) -> str:
    """A name as a YAML scalar: plain when that reads back the same, quoted otherwise."""
    return dump_block([value], 0, 0)[0][2:]


def insert_lines(lines: list[str], after: int, new: list[str], blank_before: bool = False) -> list[str]:
    return [*lines[: after + 1], *([""] if blank_before else []), *new, *lines[after + 1 :]]


def append_section(lines: list[str], new: list[str]) -> list[str]:
    """Add a top-level section at the end of the file, after one blank line."""
    body = list(lines)
    while body and not body[-1].strip():
        body.pop()
    return [*body, *([""] if body else []), *new, ""]
