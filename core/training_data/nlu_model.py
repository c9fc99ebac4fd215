"""The in-memory model of NLU training data, shared by the Markdown, YAML and JSON formats.

One model for three formats keeps conversion a matter of read-one, write-another. Entities are plain
dicts in Rasa's wire format. `synonyms` maps each variant to its canonical value and includes the
synonyms implied by annotations whose value differs from the annotated text, as Rasa learns them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import DataError, Location
from core.training_data.markup import writable_entities
from core.yamlio import read_text


@dataclass
class Example:
    """One training utterance: plain text, its intent (retrieval intents as "faq/ask_name")."""

    text: str
    intent: str | None
    entities: list[dict] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    location: Location | None = field(default=None, compare=False, repr=False)


@dataclass
class RegexFeature:
    name: str
    pattern: str


@dataclass
class LookupTable:
    """Named list of elements. `source` is the file a 1.x lookup pointed to, so writers can keep
    pointing there; it is bookkeeping, not content, and so takes no part in equality."""

    name: str
    elements: list[str]
    source: str | None = field(default=None, compare=False)


@dataclass
class NLUData:
    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)
    regexes: list[RegexFeature] = field(default_factory=list)
    lookups: list[LookupTable] = field(default_factory=list)
    responses: dict[str, list[dict]] = field(default_factory=dict)
    # where each response was defined: bookkeeping for messages, no part of the data's meaning
    response_sources: dict[str, Location] = field(default_factory=dict, compare=False, repr=False)

    def merge(self, other: NLUData) -> NLUData:
        """Both together, as Rasa merges the files of a data folder: later synonyms and responses
        win, lookup tables of the same name pool their elements, identical regexes appear once."""
        lookups = {t.name: LookupTable(t.name, list(t.elements), t.source) for t in self.lookups}
        for table in other.lookups:
            if table.name in lookups:
                known = lookups[table.name].elements
                known.extend(e for e in table.elements if e not in known)
            else:
                lookups[table.name] = LookupTable(table.name, list(table.elements), table.source)
        regexes = list(self.regexes) + [r for r in other.regexes if r not in self.regexes]
        return NLUData(
            examples=self.examples + other.examples,
            synonyms={**self.synonyms, **other.synonyms},
            regexes=regexes,
            lookups=list(lookups.values()),
            responses={**self.responses, **other.responses},
            response_sources={**self.response_sources, **other.response_sources},
        )

    @property
    def intents(self) -> list[str]:
        return list(dict.fromkeys(e.intent for e in self.examples if e.intent))

    @property
    def entity_names(self) -> list[str]:
        return list(dict.fromkeys(ent["entity"] for e in self.examples for ent in e.entities))

    @property
    def is_empty(self) -> bool:
        return not (self.examples or self.synonyms or self.regexes or self.lookups or self.responses)


def add_entity_synonyms(text: str, entities: Sequence[Mapping[str, Any]], synonyms: dict[str, str]) -> None:
    """Record `annotated text -> value` for every entity whose value differs from its text."""
    for entity in entities:
        span = text[entity["start"] : entity["end"]]
        value = entity.get("value", span)
        if isinstance(value, str) and value != span:
            synonyms[span] = value


def synonym_groups(synonyms: dict[str, str]) -> dict[str, list[str]]:
    """Canonical value -> its variants, in first-seen order: the shape every format writes."""
    groups: dict[str, list[str]] = {}
    for variant, value in synonyms.items():
        groups.setdefault(value, []).append(variant)
    return groups


def synonyms_not_in_markup(data: NLUData, written: list[Example]) -> dict[str, str]:
    """The synonyms a Markdown or YAML file must list: those its examples' markup does not already
    give (reading the markup gives `text -> value`, the last example winning, as the reader does)."""
    implied: dict[str, str] = {}
    for example in written:
        add_entity_synonyms(example.text, writable_entities(example.text, example.entities), implied)
    return {k: v for k, v in data.synonyms.items() if implied.get(k) != v}


def read_lookup_file(source: str, nlu_file: str | Path | None, location: Location) -> list[str]:
    """Elements of a lookup file, one per line.

    Rasa 1.x opened the path from the working directory, usually the project root; we try the NLU
    file's folder and then each folder above it, so the data loads from anywhere.
    """
    candidates = [Path(source)] if Path(source).is_absolute() else []
    if not candidates:
        if nlu_file is not None:
            folder = Path(nlu_file).resolve().parent
            candidates = [base / source for base in (folder, *folder.parents)]
        candidates.append(Path.cwd() / source)
    for candidate in candidates:
        try:
            found = candidate.is_file()
        except (OSError, ValueError):  # a name too long or otherwise impossible: not a file
            found = False
        if found:
            return [line.strip() for line in read_text(candidate).splitlines() if line.strip()]
    raise DataError(
        f"lookup table file {source!r} not found",
        location,
        "give the path relative to this NLU file or the project folder, or list the elements as '- item' lines",
    )
