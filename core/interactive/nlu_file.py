"""NLU examples written into a project's NLU file by editing its lines, so that every line the
person wrote (comments, blank lines, order, quoting) stays as it was, in time proportional to the
examples written and not to the size of the file.

YAML: a new example of an intent that has an `examples: |` block goes at the end of that block,
indented like the block's own lines; an intent without one gets a new `- intent:` item at the end
of `nlu:` (written by our YAML writer, which also quotes texts a literal block cannot hold).
Markdown (Rasa 1.x): under the intent's `## intent:name` section, or in a new section at the end.
JSON has no comments to keep and is written whole. An example is written once: one the file
already has (same text and intent) is left out. An example line this session added earlier can
be taken out again, when the turn that taught it was undone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from core.errors import BotcoachError
from core.training_data.block_yaml import lines_of, list_section, reindented, scan
from core.training_data.markup import parse_markup, to_markup
from core.training_data.nlu_json import read_nlu_json, write_nlu_json
from core.training_data.nlu_md import write_nlu_md
from core.training_data.nlu_model import Example, NLUData
from core.training_data.nlu_yaml import write_nlu_yaml

Line = tuple[str, str]  # (intent, markup): one example line as the file holds it
_MD_SECTION = re.compile(r"^##\s*(\w+)\s*:\s*(.*?)\s*$")
_EXAMPLES_KEY = re.compile(r"^(?P<indent> *)examples:\s*(?P<rest>.*)$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BLOCK_SAFE = re.compile("[\t\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*")


def example_line(example: Example) -> Line:
    """The line an example is written as (for the session's record of what it added)."""
    return str(example.intent), to_markup(example.text, example.entities)


def with_examples(text: str, path: Path, add: list[Example], remove: Sequence[Line] = ()) -> tuple[str, list[Example]]:
    """(`text` with the new examples of `add` written and the lines `remove` taken out, the
    examples that were new). Nothing else in the file changes."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _json_with(text, path, add, remove)
    markdown = suffix == ".md"
    blocks = _md_blocks(lines_of(text)) if markdown else _yaml_blocks(lines_of(text), path)
    have = {(plain, intent) for intent, block in blocks.items() for plain, _, _ in block.examples}
    new: list[Example] = []
    for example in add:
        if example.intent and (example.text, example.intent) not in have:
            have.add((example.text, example.intent))
            new.append(example)
    gone = [line for line in remove if line not in {example_line(e) for e in add}]
    if not new and not gone:
        return text, []
    if not text.strip() and not gone:
        data = NLUData(examples=list(new))
        return (write_nlu_md(data) if markdown else write_nlu_yaml(data)), new
    lines = lines_of(text)
    edits = _removals(blocks, gone) + (_md_additions if markdown else _yaml_additions)(lines, blocks, new, path)
    # bottom up, so earlier line numbers stay right; at one line, the edit listed first ends up first
    for _, (start, end, added) in sorted(enumerate(edits), key=lambda pair: (pair[1][0], pair[0]), reverse=True):
        lines[start:end] = added
    return "\n".join(lines) + "\n", new


@dataclass
class _Block:
    """Where one intent's examples are: each (plain text, markup, line), and where a new line goes
    (None: the intent has no block to add to) at what indentation."""

    examples: list[tuple[str, str, int]] = field(default_factory=list)
    insert_after: int | None = None
    indent: int = 0


def _removals(blocks: dict[str, _Block], gone: list[Line]) -> list[tuple[int, int, list[str]]]:
    edits: list[tuple[int, int, list[str]]] = []
    for intent, markup in gone:
        block = blocks.get(intent)
        line = next((number for _, text, number in reversed(block.examples) if text == markup), None) if block else None
        if line is not None:
            edits.append((line, line + 1, []))
    return edits


def _plain(markup: str) -> str:
    try:
        return parse_markup(markup)[0]
    except BotcoachError:
        return markup


def _fits_block(markup: str) -> bool:
    return bool(markup) and markup == markup.strip() and _BLOCK_SAFE.fullmatch(markup) is not None


# -- YAML -------------------------------------------------------------------------------------


def _yaml_blocks(lines: list[str], path: Path) -> dict[str, _Block]:
    section = list_section(lines, "nlu", path, "NLU examples", "intents")
    blocks: dict[str, _Block] = {}
    for item in section.items if section else []:
        if item.key != "intent" or not item.value:
            continue
        block = blocks.setdefault(item.value, _Block())
        key = next((n for n in range(item.start, item.end) if _EXAMPLES_KEY.match(lines[n].lstrip("- "))), None)
        if key is None:
            continue
        match = _EXAMPLES_KEY.match(lines[key].lstrip("- "))
        key_indent = len(lines[key]) - len(lines[key].lstrip(" -"))
        if match and match["rest"].startswith("|"):
            _literal_examples(lines, key, item.end, key_indent, block)
        else:
            block.examples += [(_plain(m), m, -1) for m in _quoted_examples(lines[item.start : item.end])]
    return blocks


def _literal_examples(lines: list[str], key: int, end: int, key_indent: int, block: _Block) -> None:
    last = key
    for number in range(key + 1, end):
        line = lines[number]
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent <= key_indent:
            break
        last = number
        block.indent = indent
        stripped = line.strip()
        if stripped.startswith("- "):
            markup = stripped[2:].strip()
            block.examples.append((_plain(markup), markup, number))
    block.insert_after = last
    if last == key:
        block.indent = key_indent + 2


def _quoted_examples(item_lines: list[str]) -> list[str]:
    """The examples of an item written as a quoted or folded string (read by a YAML parser)."""
    first = item_lines[0]
    dash = len(first) - len(first.lstrip(" "))
    try:
        item = yaml.safe_load("\n".join(line[dash:] for line in item_lines))
    except yaml.YAMLError:
        return []
    examples = item[0].get("examples") if isinstance(item, list) and item and isinstance(item[0], dict) else None
    if not isinstance(examples, str):
        return []
    return [line.strip()[2:].strip() for line in examples.split("\n") if line.strip().startswith("- ")]


def _yaml_additions(
    lines: list[str], blocks: dict[str, _Block], new: list[Example], path: Path
) -> list[tuple[int, int, list[str]]]:
    edits: list[tuple[int, int, list[str]]] = []
    items: list[Example] = []
    for example in new:
        block = blocks.get(str(example.intent))
        markup = to_markup(example.text, example.entities)
        if block is not None and block.insert_after is not None and _fits_block(markup):
            at = block.insert_after + 1
            edits.append((at, at, [" " * block.indent + f"- {markup}"]))
        else:
            items.append(example)
    if items:
        edits.append(_new_items(lines, items, path))
    return edits


def _new_items(lines: list[str], examples: list[Example], path: Path) -> tuple[int, int, list[str]]:
    """New `- intent:` items after the last item of `nlu:`, or a new `nlu:` section at the end."""
    section = scan(lines).get("nlu")
    indent = section.indent if section is not None and section.indent is not None else 2
    groups: dict[str, list[Example]] = {}
    for example in examples:
        groups.setdefault(str(example.intent), []).append(example)
    items = [reindented(_item_lines(group), indent) for group in groups.values()]
    separated = section is not None and len(section.items) > 1 and not lines[section.items[1].start - 1].strip()
    joined = [line for n, item in enumerate(items) for line in ([""] if n and separated else []) + item]
    if section is None:
        end = _last_content(lines, 0, len(lines)) + 1
        return end, end, (["", "nlu:"] if end else ["nlu:"]) + joined
    if not section.items:
        return section.line + 1, section.line + 1, joined
    end = section.items[-1].end
    return end, end, ([""] if separated else []) + joined


def _item_lines(examples: list[Example]) -> list[str]:
    written = lines_of(write_nlu_yaml(NLUData(examples=examples)))
    return written[written.index("nlu:") + 1 :]


def _last_content(lines: list[str], start: int, end: int) -> int:
    for index in range(end - 1, start - 1, -1):
        if lines[index].strip() and not lines[index].startswith("#"):
            return index
    return start - 1


# -- Markdown ---------------------------------------------------------------------------------


def _md_blocks(lines: list[str]) -> dict[str, _Block]:
    blocks: dict[str, _Block] = {}
    intent: str | None = None
    for number, line in enumerate(lines):
        match = _MD_SECTION.match(line.strip()) if line.startswith("##") else None
        if match is not None:
            intent = match.group(2) if match.group(1) == "intent" else None
            if intent is not None:
                blocks.setdefault(intent, _Block()).insert_after = number
            continue
        if intent is not None and line.lstrip().startswith("- "):
            markup = line.lstrip()[2:].strip()
            block = blocks[intent]
            block.examples.append((_plain(markup), markup, number))
            block.insert_after = number
    return blocks


def _md_additions(
    lines: list[str], blocks: dict[str, _Block], new: list[Example], path: Path
) -> list[tuple[int, int, list[str]]]:
    edits: list[tuple[int, int, list[str]]] = []
    appended: dict[str, list[str]] = {}
    for example in new:
        intent = str(example.intent)
        line = f"- {_LINE_BREAK.sub(' ', to_markup(example.text, example.entities, synonym_shorthand=True))}"
        block = blocks.get(intent)
        if block is not None and block.insert_after is not None:
            at = block.insert_after + 1
            edits.append((at, at, [line]))
        else:
            appended.setdefault(intent, []).append(line)
    if appended:
        end = _last_content(lines, 0, len(lines)) + 1
        section = [row for intent, rows in appended.items() for row in ["", f"## intent:{intent}", *rows]]
        edits.append((end, end, section))
    return edits


# -- JSON -------------------------------------------------------------------------------------


def _json_with(text: str, path: Path, add: list[Example], remove: Sequence[Line]) -> tuple[str, list[Example]]:
    data = read_nlu_json(text, path) if text.strip() else NLUData()
    have = {(e.text, e.intent) for e in data.examples}
    new = [e for e in add if e.intent and (e.text, e.intent) not in have]
    gone = set(remove) - {example_line(e) for e in add}
    kept = [e for e in data.examples if example_line(e) not in gone]
    if not new and len(kept) == len(data.examples):
        return text, []
    data.examples = kept + new
    return write_nlu_json(data), new
