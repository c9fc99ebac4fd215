"""New NLU examples added to a project's NLU file by editing its text, so that every line the
person wrote (comments, blank lines, order, quoting) stays as it was.

YAML: an example of an intent that already has an `examples: |` block goes at the end of that
block, indented like the block's own lines; an intent without one gets a new `- intent:` item at
the end of the `nlu:` list, written by our YAML writer and indented the file's way (the writer also
handles the texts a literal block cannot hold). Markdown (Rasa 1.x): examples go under the
intent's `## intent:name` section, or into a new section at the end of the file.
"""

from __future__ import annotations

import re
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from core.errors import ExportError
from core.training_data.markup import to_markup
from core.training_data.nlu_md import write_nlu_md
from core.training_data.nlu_model import Example, NLUData
from core.training_data.nlu_yaml import write_nlu_yaml
from core.yamlio import load_yaml

_MD_SECTION = re.compile(r"^##\s*(\w+)\s*:\s*(.*?)\s*$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BLOCK_SAFE = re.compile("[\t\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*")


def with_examples(text: str, examples: list[Example], markdown: bool, file: str | Path | None = None) -> str:
    """`text` (a whole NLU file, possibly empty) with `examples` added; nothing else changes."""
    examples = [e for e in examples if e.intent]
    if not examples:
        return text
    if not text.strip():
        data = NLUData(examples=list(examples))
        return write_nlu_md(data) if markdown else write_nlu_yaml(data)
    return _markdown_with(text, examples) if markdown else _yaml_with(text, examples, file)


def _by_intent(examples: list[Example]) -> dict[str, list[Example]]:
    groups: dict[str, list[Example]] = {}
    for example in examples:
        groups.setdefault(str(example.intent), []).append(example)
    return groups


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _joined(lines: list[str]) -> str:
    text = "\n".join(lines)
    return text if text.endswith("\n") else text + "\n"


# -- Markdown ---------------------------------------------------------------------------------


def _markdown_with(text: str, examples: list[Example]) -> str:
    lines = _lines(text)
    appended: list[str] = []
    for intent, group in _by_intent(examples).items():
        new = [f"- {_LINE_BREAK.sub(' ', to_markup(e.text, e.entities, synonym_shorthand=True))}" for e in group]
        section = _md_section(lines, intent)
        if section is None:
            appended += ["", f"## intent:{intent}", *new]
            continue
        header, end = section
        items = [i for i in range(header + 1, end) if lines[i].lstrip().startswith("- ")]
        after = items[-1] if items else header
        lines[after + 1 : after + 1] = new
    while appended and lines and not lines[-1].strip():
        lines.pop()
    return _joined(lines + appended)


def _md_section(lines: list[str], intent: str) -> tuple[int, int] | None:
    """(header line, first line after the section) of `## intent:<intent>`, the last one if several."""
    found = None
    for index, line in enumerate(lines):
        match = _MD_SECTION.match(line.strip())
        if match and match.group(1) == "intent" and match.group(2) == intent:
            end = next((i for i in range(index + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
            found = (index, end)
    return found


# -- YAML -------------------------------------------------------------------------------------


def _yaml_with(text: str, examples: list[Example], file: str | Path | None) -> str:
    document = load_yaml(text, file)
    if not isinstance(document, CommentedMap):
        raise ExportError(
            f"{file or 'the NLU file'} is not an NLU file (its top level is not a mapping)",
            hint="choose the project's NLU file (with `nlu:`) or a new file",
        )
    lines = _lines(text)
    items = document.get("nlu")
    if items is not None and not isinstance(items, CommentedSeq):
        raise ExportError(
            f"{file or 'the NLU file'}: `nlu:` is not a list, so no example can be added to it",
            hint="write `nlu:` as a list of `- intent: name` items, or choose another file",
        )
    insertions: list[tuple[int, list[str]]] = []  # (insert after this line, lines)
    new_items: list[Example] = []
    for intent, group in _by_intent(examples).items():
        block = _examples_block(items, intent) if isinstance(items, CommentedSeq) else None
        fits = [e for e in group if _fits_block(_markup(e))]
        if block is None or not fits:
            new_items += group
            continue
        item, end = block
        insertions.append(_block_insertion(lines, item, end if end is not None else _nlu_end(document, lines), fits))
        new_items += [e for e in group if e not in fits]
    if new_items:
        insertions.append(_new_items_insertion(document, lines, new_items))
    # From the bottom up, so earlier line numbers stay right; at the same line, the one listed
    # first (a block's examples) must end up first, so it is inserted last.
    for _, (after, new) in sorted(enumerate(insertions), key=lambda pair: (pair[1][0], pair[0]), reverse=True):
        lines[after + 1 : after + 1] = new
    return _joined(lines)


def _markup(example: Example) -> str:
    return to_markup(example.text, example.entities)


def _fits_block(line: str) -> bool:
    return bool(line) and line == line.strip() and _BLOCK_SAFE.fullmatch(line) is not None


def _examples_block(items: CommentedSeq, intent: str) -> tuple[CommentedMap, int | None] | None:
    """The last `- intent: <intent>` item whose examples are a literal block, and the line where
    the next item starts (None for the last item)."""
    found = None
    for index, item in enumerate(items):
        if (
            isinstance(item, CommentedMap)
            and str(item.get("intent")) == intent
            and isinstance(item.get("examples"), LiteralScalarString)
        ):
            following = list(list(item)[list(item).index("examples") + 1 :])
            if following:
                end = item.lc.key(following[0])[0]
            else:
                end = items.lc.item(index + 1)[0] if index + 1 < len(items) else None
            found = (item, end)
    return found


def _block_insertion(lines: list[str], item: CommentedMap, end: int, group: list[Example]) -> tuple[int, list[str]]:
    key_line, key_column = item.lc.key("examples")
    last = _last_text_line(lines, key_line + 1, end, deeper_than=key_column)
    content = [lines[i] for i in range(key_line + 1, last + 1) if lines[i].strip()]
    indent = (len(content[0]) - len(content[0].lstrip())) if content else key_column + 2
    return (last if last > key_line else key_line), [" " * indent + f"- {_markup(e)}" for e in group]


def _last_text_line(lines: list[str], start: int, end: int, deeper_than: int) -> int:
    """The last line of a block scalar in [start, end): indented deeper than its key; comments
    and blank lines after it belong to what follows."""
    last = start - 1
    for index in range(start, min(end, len(lines))):
        line = lines[index]
        if not line.strip():
            continue
        if len(line) - len(line.lstrip()) <= deeper_than:
            break
        last = index
    return last


def _nlu_end(document: CommentedMap, lines: list[str]) -> int:
    """The first line after the `nlu:` section."""
    keys = list(document)
    position = keys.index("nlu")
    return document.lc.key(keys[position + 1])[0] if position + 1 < len(keys) else len(lines)


def _new_items_insertion(document: CommentedMap, lines: list[str], examples: list[Example]) -> tuple[int, list[str]]:
    """New `- intent:` items after the last item of `nlu:` (or a new `nlu:` section at the end)."""
    generated = _lines(write_nlu_yaml(NLUData(examples=list(examples))).rstrip("\n"))
    start = next(i for i, line in enumerate(generated) if line.startswith("nlu:")) + 1
    body = generated[start:]
    written_prefix = len(body[0]) - len(body[0].lstrip())
    items = document.get("nlu")
    if "nlu" not in document:
        last = _last_content(lines, 0, len(lines))
        return last, ["nlu:", *body]
    if isinstance(items, CommentedSeq) and items:
        line, column = items.lc.item(0)
        prefix = column - 2 if lines[line][:column].strip() == "-" else 0
        end = _nlu_end(document, lines)
        blank = _items_separated(items, lines)
    else:
        prefix, end, blank = 0, _nlu_end(document, lines), False
    shift = prefix - written_prefix
    shifted = [(" " * shift + line) if shift >= 0 else line[-shift:] for line in body]
    if blank:
        shifted = _blank_between_items(shifted, prefix)
    last = _last_content(lines, document.lc.key("nlu")[0], end)
    return last, ([""] if blank else []) + shifted


def _items_separated(items: CommentedSeq, lines: list[str]) -> bool:
    if len(items) < 2:
        return False
    second = items.lc.item(1)[0]
    return second > 0 and not lines[second - 1].strip()


def _blank_between_items(lines: list[str], prefix: int) -> list[str]:
    out: list[str] = []
    for index, line in enumerate(lines):
        if index and line[prefix : prefix + 2] == "- " and not line[:prefix].strip():
            out.append("")
        out.append(line)
    return out


def _last_content(lines: list[str], start: int, end: int) -> int:
    """The last line in [start, end) that is neither blank nor a comment at column 0."""
    for index in range(min(end, len(lines)) - 1, start - 1, -1):
        text = lines[index]
        if text.strip() and not text.startswith("#"):
            return index
    return start
