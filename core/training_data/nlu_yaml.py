"""Rasa 2.x/3.x YAML NLU data: the `nlu:` items (`intent`, `synonym`, `regex`, `lookup`) and the
`responses:` of a YAML file that may also hold stories, rules or anything else (ignored here).

Examples come as a literal block of `- ` lines with entity markup, or as a list of `text:` items
with `metadata:`; metadata given on the intent is copied into each of its examples.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString

from core.errors import DataError, Location
from core.training_data.markup import parse_markup, to_markup
from core.training_data.nlu_model import (
    Example,
    LookupTable,
    NLUData,
    RegexFeature,
    add_entity_synonyms,
    synonym_groups,
    synonyms_not_in_markup,
)
from core.yamlio import dump_yaml, load_yaml, location_of, to_plain

ITEM_KINDS = ("intent", "synonym", "regex", "lookup")
_ALLOWED_KEYS = {"intent": {"intent", "examples", "metadata"}}
# What a literal block can hold unescaped: YAML's printable characters minus its line breaks.
_BLOCK_SAFE = re.compile("[\t\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*")
_HINT_ITEM = "write it as:\n  - intent: greet\n    examples: |\n      - hello"


def read_nlu_yaml(text: str, file: str | Path | None = None) -> NLUData:
    """Parse the NLU part of a YAML file; raise DataError naming file and line when malformed."""
    try:
        document = load_yaml(text, file)
    except (ValueError, RecursionError) as exc:  # an integer too long, nesting too deep
        raise DataError(f"YAML that cannot be read: {str(exc)[:80]}", Location(file), "fix the YAML") from None
    if document is None:
        return NLUData()
    if not isinstance(document, dict):
        message = "a training data file must be a mapping with keys such as 'nlu:'"
        raise DataError(message, Location(file, 1), _HINT_ITEM)
    reader = _YamlReader(file, text)
    if document.get("nlu") is not None:
        reader.read_nlu(document["nlu"], location_of(document, "nlu", file))
    if document.get("responses") is not None:
        reader.read_responses(document["responses"], location_of(document, "responses", file))
    reader.data.lookups = list(reader.lookups.values())
    return reader.data


class _YamlReader:
    def __init__(self, file: str | Path | None, text: str):
        self.file = file
        self.raw_lines = text.split("\n")
        self.data = NLUData()
        self.lookups: dict[str, LookupTable] = {}

    def read_nlu(self, items: Any, location: Location) -> None:
        if not isinstance(items, list):
            raise DataError("'nlu:' must be a list of items", location, _HINT_ITEM)
        for index, item in enumerate(items):
            self._read_item(item, location_of(items, index, self.file))

    def _read_item(self, item: Any, location: Location) -> None:
        if not isinstance(item, dict):
            raise DataError(f"nlu item {_short(item)} is not a mapping", location, _HINT_ITEM)
        kinds = [k for k in ITEM_KINDS if k in item]
        if len(kinds) != 1:
            found = " and ".join(kinds) if kinds else "none"
            raise DataError(
                f"nlu item needs exactly one of {', '.join(ITEM_KINDS)} (found {found})", location, _HINT_ITEM
            )
        kind = kinds[0]
        for key in item:
            if key not in _ALLOWED_KEYS.get(kind, {kind, "examples"}):
                raise DataError(
                    f"unknown key {key!r} in {kind} item",
                    location_of(item, key, self.file),
                    f"a {kind} item has the keys {', '.join(sorted(_ALLOWED_KEYS.get(kind, {kind, 'examples'})))}",
                )
        name = item[kind]
        if not isinstance(name, str) or not name.strip():
            raise DataError(
                f"{kind} name must be non-empty text, not {_short(name)}",
                self._value_location(item, kind),
                f'quote it: {kind}: "name"',
            )
        if item.get("examples") is None:
            raise DataError(f"{kind} {name!r} has no examples", location, _HINT_ITEM)
        if kind == "intent":
            self._read_intent(name.strip(), item)
            return
        for element, _ in self._lines(item):
            if kind == "synonym":
                self.data.synonyms[element] = name.strip()
            elif kind == "regex":
                self.data.regexes.append(RegexFeature(name.strip(), element))
            else:
                self.lookups.setdefault(name.strip(), LookupTable(name.strip(), [])).elements.append(element)

    def _read_intent(self, intent: str, item: dict) -> None:
        shared = self._metadata(item)
        examples = item["examples"]
        if not isinstance(examples, list):
            for markup, location in self._lines(item):  # a block, or an error saying it should be one
                self._add_example(intent, markup, dict(shared), location)
            return
        for index, entry in enumerate(examples):
            location = location_of(examples, index, self.file)
            if isinstance(entry, str):
                entry = {"text": entry}
            if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
                raise DataError(
                    f"example {_short(entry)} of intent {intent!r} has no 'text:'",
                    location,
                    "list examples as '- text: hello' (with optional 'metadata:'), or use 'examples: |'",
                )
            unknown = set(entry) - {"text", "metadata"}
            if unknown:
                raise DataError(
                    f"unknown key {sorted(unknown)[0]!r} in an example of intent {intent!r}",
                    location,
                    "an example has the keys text and metadata",
                )
            text_location = location_of(entry, "text", self.file)
            if text_location.column is not None:
                text_location.column += len("text: ")
            markup = entry["text"].strip()
            if markup:
                self._add_example(intent, markup, {**shared, **self._metadata(entry)}, text_location)

    def _add_example(self, intent: str, markup: str, metadata: dict, location: Location) -> None:
        text, entities = parse_markup(markup, location)
        add_entity_synonyms(text, entities, self.data.synonyms)
        self.data.examples.append(Example(text, intent, entities, metadata, location=location))

    def _metadata(self, node: dict) -> dict:
        metadata = node.get("metadata")
        if metadata is None:
            return {}
        if not isinstance(metadata, dict):
            raise DataError(
                f"metadata must be a mapping, not {_short(metadata)}",
                self._value_location(node, "metadata"),
                "write it as 'metadata:' followed by indented 'key: value' lines",
            )
        return to_plain(metadata)

    def _lines(self, item: dict) -> list[tuple[str, Location]]:
        """The `- ` lines of an `examples:` block (or the entries of a list), with their places."""
        examples = item["examples"]
        key_location = location_of(item, "examples", self.file)
        if isinstance(examples, list):
            return self._list_entries(examples)
        if not isinstance(examples, str):
            raise DataError(
                f"examples must be a block of '- ' lines, not {_short(examples)}",
                self._value_location(item, "examples"),
                _HINT_ITEM,
            )
        block = isinstance(examples, (LiteralScalarString, FoldedScalarString))
        first_line = (key_location.line or 0) + 1 if block else key_location.line
        lines = []
        for offset, raw in enumerate(examples.split("\n")):
            line = raw.strip()
            if not line:
                continue
            location = Location(self.file, first_line + offset if first_line else None)
            if not line.startswith("-"):
                raise DataError(
                    f"example line {line[:60]!r} does not start with '- '",
                    location,
                    "begin every example line with '- '",
                )
            body = line[1:].strip()
            if body:
                location.column = self._column(location.line, body)
                lines.append((body, location))
        return lines

    def _list_entries(self, entries: list) -> list[tuple[str, Location]]:
        result = []
        for index, entry in enumerate(entries):
            location = location_of(entries, index, self.file)
            if not isinstance(entry, str):
                raise DataError(f"list entry {_short(entry)} must be text", location, "quote the entry")
            result.append((entry, location))
        return result

    def _value_location(self, node: Any, key: str) -> Location:
        """Where the value of `key` starts (ruamel knows it for mappings it read; any other node
        gets `location_of`'s answer)."""
        try:
            line, column = node.lc.value(key)
        except (AttributeError, KeyError, TypeError):
            return location_of(node, key, self.file)
        return Location(self.file, line + 1, column + 1)

    def _column(self, line: int | None, fragment: str) -> int | None:
        """1-based column of `fragment` on `line` of the source, when it can be found there."""
        if line is None or not 0 < line <= len(self.raw_lines):
            return None
        column = self.raw_lines[line - 1].find(fragment)
        return column + 1 if column >= 0 else None

    def read_responses(self, responses: Any, location: Location) -> None:
        if not isinstance(responses, dict):
            message = "'responses:' must map response names to lists of variations"
            raise DataError(message, location, _HINT_RESPONSES)
        for name, variations in responses.items():
            where = location_of(responses, name, self.file)
            if not isinstance(name, str) or not isinstance(variations, list):
                raise DataError(f"response {name!r} must be a list of variations", where, _HINT_RESPONSES)
            if not all(isinstance(v, dict) for v in variations):
                raise DataError(f"each variation of response {name!r} must be a mapping", where, _HINT_RESPONSES)
            self.data.responses[name] = to_plain(variations)
            self.data.response_sources[name] = where


_HINT_RESPONSES = "write it as:\n  responses:\n    utter_faq/ask_name:\n    - text: I am a bot."


def _short(value: Any) -> str:
    text = repr(to_plain(value))
    return text if len(text) <= 60 else text[:57] + "..."


def write_nlu_yaml(data: NLUData) -> str:
    """YAML NLU data (version "3.1"). Examples with metadata or line breaks use the `- text:` list
    form; everything else goes in literal `examples: |` blocks. Examples without intent are left out."""
    document = CommentedMap()
    document["version"] = DoubleQuotedScalarString("3.1")
    items: list[CommentedMap] = []
    written: list[Example] = []
    by_intent: dict[str, list[Example]] = {}
    for example in data.examples:
        if example.intent is not None:
            written.append(example)
            by_intent.setdefault(example.intent, []).append(example)
    for intent, examples in by_intent.items():
        items.append(_item("intent", intent, _intent_examples(examples)))
    for value, variants in synonym_groups(synonyms_not_in_markup(data, written)).items():
        items.append(_item("synonym", value, _block(variants)))
    regexes: dict[str, list[str]] = {}
    for regex in data.regexes:
        regexes.setdefault(regex.name, []).append(regex.pattern)
    for name, patterns in regexes.items():
        items.append(_item("regex", name, _block(patterns)))
    for table in data.lookups:
        items.append(_item("lookup", table.name, _block(table.elements)))
    document["nlu"] = items
    if data.responses:
        document["responses"] = _quoted_where_needed(to_plain(data.responses))
    return dump_yaml(document)


def _quoted_where_needed(value: Any) -> Any:
    """Double-quote the strings ruamel would otherwise write plain and read back changed: with a
    NEL or Unicode line/paragraph separator, which its emitter leaves unescaped."""
    if isinstance(value, dict):
        return {k: _quoted_where_needed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_quoted_where_needed(v) for v in value]
    if isinstance(value, str) and any(c in value for c in "\x85\u2028\u2029"):
        return DoubleQuotedScalarString(value)
    return value


def _item(kind: str, name: str, examples: Any) -> CommentedMap:
    item = CommentedMap()
    item[kind] = _quoted_where_needed(name)
    item["examples"] = examples
    return item


def _intent_examples(examples: list[Example]) -> Any:
    markups = [to_markup(e.text, e.entities) for e in examples]
    if not any(e.metadata for e in examples):
        block = _block(markups)
        if isinstance(block, LiteralScalarString):
            return block
    entries = []
    for example, markup in zip(examples, markups):
        entry = CommentedMap()
        entry["text"] = _quoted_where_needed(markup)
        if example.metadata:
            entry["metadata"] = _quoted_where_needed(to_plain(example.metadata))
        entries.append(entry)
    return entries


def _block(lines: list[str]) -> Any:
    """A literal block of `- ` lines, or a plain list when some line would not survive one."""
    if all(_fits_block_line(line) for line in lines):
        return LiteralScalarString("".join(f"- {line}\n" for line in lines))
    return [_quoted_where_needed(line) for line in lines]


def _fits_block_line(line: str) -> bool:
    return bool(line) and line == line.strip() and _BLOCK_SAFE.fullmatch(line) is not None
