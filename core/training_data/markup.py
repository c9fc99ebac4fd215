"""Entity markup in example text: `[text](entity)`, `[text](entity:value)` (1.x synonym) and
`[text]{"entity": .., "value": .., "role": .., "group": ..}`.

Entities are plain dicts in Rasa's wire format: start, end, value, entity, and role/group when set.
As in Rasa, `[..]` followed by neither `(` nor `{` is plain text (`2[num_people] please` loads);
a `](` or `]{` that does not close into an annotation is an error, since it is almost always a typo.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from core.errors import DataError, Location

# [text] followed by (entity) / (entity:value) or a JSON object {...}; text has no brackets
_ENTITY = re.compile(r"\[(?P<text>[^\]\[]+?)\](?:\((?P<short>[^)]*)\)|(?P<json>\{[^}]*\}))")
_UNCLOSED = re.compile(r"\][({]")
_BRACKET = re.compile(r"[\]\[]")  # where the text an annotation's [...] may hold ends
_KEYS = ("start", "end", "value", "entity", "role", "group")


def parse_markup(markup: str, location: Location | None = None) -> tuple[str, list[dict]]:
    """Return the plain text and its entities; raise DataError on malformed annotations.

    When `location` has a column, errors point at the column of the bad annotation.
    """
    entities: list[dict] = []
    plain: list[str] = []
    plain_length = 0
    cursor = 0
    for match in _annotations(markup, location):
        _reject_unclosed(markup, cursor, match.start(), location)
        before = markup[cursor : match.start()]
        plain.append(before)
        plain_length += len(before)
        text = match.group("text")
        entity = _annotation(match, location)
        entity.update(start=plain_length, end=plain_length + len(text))
        entities.append({k: entity[k] for k in _KEYS if k in entity})
        plain.append(text)
        plain_length += len(text)
        cursor = match.end()
    _reject_unclosed(markup, cursor, len(markup), location)
    plain.append(markup[cursor:])
    return "".join(plain), entities


def _annotations(markup: str, location: Location | None) -> Iterator[re.Match]:
    """`_ENTITY.finditer(markup)`, in linear time. A failed attempt at a `[` that reaches `](` or
    `]{` has scanned to the end of the text looking for the closing bracket; finditer would retry
    at every later `[` (quadratic: 20,000 unclosed annotations took 20 s). Such a stray is an error
    anyway, so it is reported at once: the earliest stray lies between `cursor` and this one."""
    cursor = start = 0
    while (start := markup.find("[", start)) >= 0:
        match = _ENTITY.match(markup, start)
        if match is None:
            bracket = _BRACKET.search(markup, start + 1)
            stop = bracket.start() if bracket else len(markup)
            if markup.startswith(("](", "]{"), stop):
                _reject_unclosed(markup, cursor, stop + 2, location)
            start += 1
            continue
        yield match
        cursor = start = match.end()


def _at(location: Location | None, offset: int) -> Location | None:
    if location is None or location.column is None:
        return location
    return replace(location, column=location.column + offset)


def _reject_unclosed(markup: str, start: int, end: int, location: Location | None) -> None:
    stray = _UNCLOSED.search(markup, start, end)
    if stray is None:
        return
    snippet = markup[max(start, stray.start() - 30) : stray.end() + 20]
    raise DataError(
        f"malformed entity annotation near {snippet!r}: brackets do not close into [text](entity)",
        _at(location, stray.start()),
        'write entities as [text](entity) or [text]{"entity": "name"}, with non-empty text and closing ) or }',
    )


def _annotation(match: re.Match, line_location: Location | None) -> dict:
    """The entity an annotation describes. Errors point at the annotation's column; that Location
    is built only then, which keeps reading large files fast."""
    text = match.group("text")
    if match.group("json") is not None:
        return _json_annotation(match.group("json"), text, line_location, match.start())
    short = match.group("short")
    name, colon, value = short.partition(":")
    name, value = name.strip(), value.strip()
    if not name:
        raise DataError(
            f"entity annotation [{text}]({short}) has no entity name",
            _at(line_location, match.start()),
            "write it as [text](entity_name)",
        )
    if colon and not value:
        raise DataError(
            f"entity annotation [{text}]({short}) has an empty synonym value after ':'",
            _at(line_location, match.start()),
            "write it as [text](entity) or [text](entity:value)",
        )
    return {"entity": name, "value": value if colon else text}


def _json_annotation(source: str, text: str, line_location: Location | None, offset: int) -> dict:
    try:
        data = json.loads(source)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"entity annotation {source!r} is not valid JSON ({exc.msg})",
            _at(line_location, offset),
            'write it as [text]{"entity": "name", "role": "r"} with double quotes',
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("entity"), str) or not data["entity"]:
        raise DataError(
            f'entity annotation {source!r} has no "entity" name',
            _at(line_location, offset),
            'write it as [text]{"entity": "name"}',
        )
    for key in ("value", "role", "group"):
        if key in data and not isinstance(data[key], str):
            raise DataError(
                f"entity annotation {source!r}: {key!r} must be text, not {json.dumps(data[key])}",
                _at(line_location, offset),
                f'quote it: "{key}": "{data[key]}"',
            )
    entity = {"entity": data["entity"], "value": data.get("value", text)}
    entity.update({k: data[k] for k in ("role", "group") if k in data})
    return entity


def to_markup(text: str, entities: Sequence[Mapping[str, Any]], synonym_shorthand: bool = False) -> str:
    """Write text with its entities as markup, in the short form whenever it says everything.

    `synonym_shorthand` writes a differing value as `[text](entity:value)` (all Rasa versions read
    it; 1.x before 1.8 reads nothing else). Entities markup cannot express are left out: overlapping
    ones (the first is kept) and those whose text is empty or contains a bracket.
    """
    out: list[str] = []
    cursor = 0
    for entity in writable_entities(text, entities):
        start, end = entity["start"], entity["end"]
        out.append(text[cursor:start])
        out.append(f"[{text[start:end]}]{_annotation_suffix(entity, text[start:end], synonym_shorthand)}")
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def writable_entities(text: str, entities: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The entities `to_markup` writes, in text order."""
    kept: list[Mapping[str, Any]] = []
    cursor = 0
    for entity in sorted(entities, key=lambda e: (e["start"], e["end"])):
        span = text[entity["start"] : entity["end"]]
        if entity["start"] >= cursor and span and "[" not in span and "]" not in span:
            kept.append(entity)
            cursor = entity["end"]
    return kept


def _annotation_suffix(entity: Mapping[str, Any], span: str, synonym_shorthand: bool) -> str:
    name = entity["entity"]
    value = entity.get("value", span)
    has_extras = entity.get("role") is not None or entity.get("group") is not None
    if not has_extras and _fits_short_form(name) and ":" not in name:
        if value == span:
            return f"({name})"
        if synonym_shorthand and isinstance(value, str) and _fits_short_form(value):
            return f"({name}:{value})"
    data = {"entity": name}
    if value != span:
        data["value"] = value
    data.update({k: entity[k] for k in ("role", "group") if entity.get(k) is not None})
    return _json_object(data)


def _fits_short_form(word: str) -> bool:
    """`(entity:value)` ends at the first `)`, is stripped, and must stay on one line."""
    return bool(word) and word == word.strip() and not any(c in word for c in ")\n\r")


def _json_object(data: dict) -> str:
    """JSON with every `}` inside a string escaped, since the annotation ends at the first `}`."""
    items = (f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in data.items())
    return "{" + ", ".join(item.replace("}", "\\u007d") for item in items) + "}"
