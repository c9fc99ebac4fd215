"""Rasa 1.x Markdown NLU data: `## intent:`, `## synonym:`, `## regex:` and `## lookup:` sections
of `-`/`*`/`+` list items, with `<!-- -->` comments.

A lookup section may instead hold one un-bulleted line: the path of a file with one element per
line. Markdown cannot carry example metadata or responses; the writer leaves them out.
"""

from __future__ import annotations

import re
from pathlib import Path

from core.errors import DataError, Location
from core.training_data.markup import parse_markup, to_markup
from core.training_data.nlu_model import (
    Example,
    LookupTable,
    NLUData,
    RegexFeature,
    add_entity_synonyms,
    read_lookup_file,
    synonym_groups,
    synonyms_not_in_markup,
)

SECTION_TYPES = ("intent", "synonym", "regex", "lookup")
_HEADER = re.compile(r"##\s*(?P<kind>[^:]*?)\s*:\s*(?P<title>.*?)\s*")
_ITEM = re.compile(r"[-*+]\s*(?P<body>.*)")
_COMMENT = re.compile(r"<!--.*?--!*>", re.DOTALL)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NLU_SECTION = re.compile(r"^\s*##\s*(intent|synonym|regex|lookup)\s*:", re.MULTILINE)


def looks_like_nlu_md(text: str) -> bool:
    return _NLU_SECTION.search(text) is not None


def read_nlu_md(text: str, file: str | Path | None = None) -> NLUData:
    """Parse Markdown NLU data; raise DataError naming file and line for anything malformed."""
    return _MarkdownReader(file).read(text)


class _MarkdownReader:
    def __init__(self, file: str | Path | None):
        self.file = file
        self.data = NLUData()
        self.kind: str | None = None
        self.title = ""
        self.lookups: dict[str, LookupTable] = {}

    def read(self, text: str) -> NLUData:
        # Comments go, their line breaks stay, so line numbers still match the file.
        text = _COMMENT.sub(lambda m: "\n" * len(_LINE_BREAK.findall(m.group())), text)
        for number, line in enumerate(_LINE_BREAK.split(text), start=1):
            stripped = line.strip()
            if stripped:
                indent = len(line) - len(line.lstrip())
                self._read_line(stripped, Location(self.file, number, indent + 1))
        self.data.lookups = list(self.lookups.values())
        return self.data

    def _read_line(self, line: str, location: Location) -> None:
        if line.startswith("##"):
            self._start_section(line, location)
        elif line.startswith("#"):
            return  # a Markdown title, as Rasa ignores it
        elif item := _ITEM.fullmatch(line):
            body = item.group("body").rstrip()
            if body:
                column = (location.column or 1) + item.start("body")  # `read` always sets the column
                self._read_item(body, Location(self.file, location.line, column))
        elif self.kind == "lookup":
            self._read_lookup_file(line, location)
        else:
            raise DataError(
                f"line {line[:60]!r} is neither a '## type:name' section header nor a list item",
                location,
                "start each example with '- ' under a section such as '## intent:greet'",
            )

    def _start_section(self, line: str, location: Location) -> None:
        header = _HEADER.fullmatch(line)
        if header is None:
            raise DataError(
                f"section header {line[:60]!r} has no type",
                location,
                "write it as '## intent:name' (or synonym:, regex:, lookup:)",
            )
        kind, title = header.group("kind"), header.group("title")
        if kind not in SECTION_TYPES:
            raise DataError(
                f"unknown section type {kind!r}",
                location,
                f"use one of {', '.join(SECTION_TYPES)}, as in '## intent:greet'",
            )
        if not title:
            raise DataError(f"section '## {kind}:' has no name", location, f"write it as '## {kind}:name'")
        self.kind, self.title = kind, title

    def _read_item(self, body: str, location: Location) -> None:
        if self.kind is None:
            raise DataError(
                f"list item {body[:60]!r} is outside any section",
                location,
                "put a header such as '## intent:greet' above it",
            )
        if self.kind == "intent":
            text, entities = parse_markup(body, location)
            add_entity_synonyms(text, entities, self.data.synonyms)
            self.data.examples.append(Example(text, self.title, entities, location=location))
        elif self.kind == "synonym":
            self.data.synonyms[body] = self.title
        elif self.kind == "regex":
            self.data.regexes.append(RegexFeature(self.title, body))
        else:
            table = self._lookup()
            table.elements.append(body)
            table.source = None  # no longer just the file's content

    def _read_lookup_file(self, path: str, location: Location) -> None:
        table = self._lookup()
        table.source = None if table.elements else path
        table.elements.extend(read_lookup_file(path, self.file, location))

    def _lookup(self) -> LookupTable:
        return self.lookups.setdefault(self.title, LookupTable(self.title, []))


def write_nlu_md(data: NLUData) -> str:
    """Markdown NLU data that Rasa 1.x reads. Examples without an intent cannot be written here and
    are left out; line breaks inside a text become spaces."""
    sections: list[list[str]] = []
    written = [e for e in data.examples if e.intent is not None]
    for intent, examples in _group(written, lambda e: e.intent).items():
        lines = [_one_line(to_markup(e.text, e.entities, synonym_shorthand=True)) for e in examples]
        sections.append([f"## intent:{_one_line(intent)}", *(f"- {line}" for line in lines)])
    for value, variants in synonym_groups(synonyms_not_in_markup(data, written)).items():
        sections.append([f"## synonym:{_one_line(value)}", *(f"- {_one_line(v)}" for v in variants)])
    for name, regexes in _group(data.regexes, lambda r: r.name).items():
        sections.append([f"## regex:{_one_line(name)}", *(f"- {_one_line(r.pattern)}" for r in regexes)])
    for table in data.lookups:
        body = [table.source] if table.source else [f"- {_one_line(e)}" for e in table.elements]
        sections.append([f"## lookup:{_one_line(table.name)}", *body])
    return "\n\n".join("\n".join(section) for section in sections) + ("\n" if sections else "")


def _group(items: list, key) -> dict:
    groups: dict = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def _one_line(text: str) -> str:
    return _LINE_BREAK.sub(" ", text)
