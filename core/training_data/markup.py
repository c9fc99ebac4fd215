"""Entity markup in example text: `[text](entity)`, `[text](entity:value)` (1.x synonym) and
`[text]{"entity": .., "value": .., "role": .., "group": ..}`.

Entities are plain dicts in Rasa's wire format: start, end, value, entity, and role/group when set.
"""

from __future__ import annotations

import json
import re

from core.errors import DataError, Location

# [text] followed by (entity) / (entity:value) or a JSON object {...}
_ENTITY = re.compile(r"\[(?P<text>[^\]\[]*?)\](?:\((?P<short>[^)]*)\)|(?P<json>\{[^}]*\}))")


def parse_markup(markup: str, location: Location | None = None) -> tuple[str, list[dict]]:
    """Return the plain text and its entities; raise DataError on malformed annotations."""
    entities: list[dict] = []
    plain: list[str] = []
    cursor = 0
    offset = 0  # how many characters of markup were removed so far
    for match in _ENTITY.finditer(markup):
        plain.append(markup[cursor : match.start()])
        text = match.group("text")
        start = match.start() - offset
        entity = _annotation(match, text, location)
        entity.update(start=start, end=start + len(text))
        entities.append(_ordered(entity))
        plain.append(text)
        offset += len(match.group(0)) - len(text)
        cursor = match.end()
    plain.append(markup[cursor:])
    return "".join(plain), entities


def _annotation(match: re.Match, text: str, location: Location | None) -> dict:
    if match.group("json") is not None:
        try:
            data = json.loads(match.group("json"))
        except json.JSONDecodeError as exc:
            raise DataError(
                f"entity annotation {match.group('json')!r} is not valid JSON ({exc.msg})",
                location,
                'write it as [text]{"entity": "name", "role": "r"} with double quotes',
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("entity"), str) or not data["entity"]:
            raise DataError(
                f"entity annotation {match.group('json')!r} has no \"entity\" name",
                location,
                'write it as [text]{"entity": "name"}',
            )
        entity = {"entity": data["entity"], "value": data.get("value", text)}
        for key in ("role", "group"):
            if data.get(key) is not None:
                entity[key] = data[key]
        return entity
    short = match.group("short").strip()
    name, _, value = short.partition(":")
    if not name.strip():
        raise DataError(
            f"entity annotation [{text}]({short}) has no entity name",
            location,
            "write it as [text](entity_name)",
        )
    return {"entity": name.strip(), "value": value.strip() if value else text}


def _ordered(entity: dict) -> dict:
    keys = ("start", "end", "value", "entity", "role", "group")
    return {k: entity[k] for k in keys if k in entity}


def to_markup(text: str, entities: list[dict]) -> str:
    """Write text with its entities as markup; the short form whenever it says everything."""
    out: list[str] = []
    cursor = 0
    for entity in sorted(entities, key=lambda e: e["start"]):
        start, end = entity["start"], entity["end"]
        if start < cursor:  # overlapping entities cannot be written as markup; keep the first
            continue
        span = text[start:end]
        out.append(text[cursor:start])
        value = entity.get("value", span)
        if entity.get("role") is None and entity.get("group") is None and value == span:
            out.append(f"[{span}]({entity['entity']})")
        else:
            data = {"entity": entity["entity"]}
            if value != span:
                data["value"] = value
            for key in ("role", "group"):
                if entity.get(key) is not None:
                    data[key] = entity[key]
            out.append(f"[{span}]{json.dumps(data, ensure_ascii=False)}")
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
