"""Rasa's JSON NLU format: `{"rasa_nlu_data": {"common_examples": [...], "entity_synonyms": [...],
"regex_features": [...], "lookup_tables": [...]}}`.

Entities carry explicit offsets here, so they are checked against the text. A lookup table's
`elements` may be a file path instead of a list, as in Rasa. Responses, which Rasa's JSON has no
place for, are kept under `rasa_nlu_data.responses` (Rasa's schema allows and ignores extra keys).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.errors import DataError, Location
from core.training_data.nlu_model import (
    Example,
    LookupTable,
    NLUData,
    RegexFeature,
    add_entity_synonyms,
    read_lookup_file,
    synonym_groups,
)
from core.yamlio import load_yaml, location_of

_EXAMPLE_LISTS = ("common_examples", "intent_examples", "entity_examples")
_HINT = 'see Rasa\'s format: {"rasa_nlu_data": {"common_examples": [{"text": "hi", "intent": "greet"}]}}'


def read_nlu_json(text: str, file: str | Path | None = None) -> NLUData:
    """Parse JSON NLU data; raise DataError naming file (and line where it can be found)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        location = Location(file, exc.lineno, exc.colno)
        raise DataError(f"malformed JSON: {exc.msg}", location, "fix the JSON syntax") from None
    except (ValueError, RecursionError) as exc:  # an integer too long, nesting too deep
        raise DataError(f"JSON that cannot be read: {str(exc)[:80]}", Location(file), "fix the JSON") from None
    return _JsonReader(file, text).read(document)


class _JsonReader:
    def __init__(self, file: str | Path | None, text: str):
        self.file = file
        self.text = text

    def fail(self, message: str, path: tuple, hint: str = _HINT) -> DataError:
        """An error at `path` (keys and indexes from the root), with the line when we can find it."""
        where = "/".join(str(p) for p in path)
        return DataError(f"{message} (at {where})", self._locate(path), hint)

    def _locate(self, path: tuple) -> Location:
        # Only on the error path: parse again with line-tracking YAML (JSON is nearly a subset).
        try:
            node = load_yaml(self.text, self.file)
            parent, key = None, None
            for step in path:
                parent, key, node = node, step, node[step]
            return location_of(parent, key, self.file) if parent is not None else Location(self.file)
        except Exception:  # noqa: BLE001 - best effort on the error path: never replace the error being raised
            return Location(self.file)

    def read(self, document: Any) -> NLUData:
        if not isinstance(document, dict) or not isinstance(document.get("rasa_nlu_data"), dict):
            message = "JSON NLU data needs a top-level 'rasa_nlu_data' object"
            raise DataError(message, Location(self.file, 1), _HINT)
        root = document["rasa_nlu_data"]
        data = NLUData()
        for key in _EXAMPLE_LISTS:
            for index, entry in enumerate(self._list(root, key)):
                example = self._example(entry, ("rasa_nlu_data", key, index))
                add_entity_synonyms(example.text, example.entities, data.synonyms)
                data.examples.append(example)
        for index, entry in enumerate(self._list(root, "entity_synonyms")):
            path = ("rasa_nlu_data", "entity_synonyms", index)
            value, variants = self._field(entry, "value", str, path), self._field(entry, "synonyms", list, path)
            for variant in variants:
                if not isinstance(variant, str):
                    raise self.fail(f"synonym {variant!r} of {value!r} is not text", path)
                data.synonyms[variant] = value
        for index, entry in enumerate(self._list(root, "regex_features")):
            path = ("rasa_nlu_data", "regex_features", index)
            name, pattern = self._field(entry, "name", str, path), self._field(entry, "pattern", str, path)
            data.regexes.append(RegexFeature(name, pattern))
        data.lookups = self._lookups(root)
        data.responses = self._responses(root)
        return data

    def _list(self, root: dict, key: str) -> list:
        value = root.get(key, [])
        if not isinstance(value, list):
            raise self.fail(f"'{key}' must be a list", ("rasa_nlu_data", key))
        return value

    def _field(self, entry: Any, key: str, kind: type, path: tuple, required: bool = True) -> Any:
        if not isinstance(entry, dict):
            raise self.fail("expected an object", path)
        if key not in entry and not required:
            return None
        value = entry.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise self.fail(f"'{key}' must be {kind.__name__}, not {json.dumps(value)[:40]}", (*path, key))
        return value

    def _example(self, entry: Any, path: tuple) -> Example:
        text = self._field(entry, "text", str, path)
        intent = self._field(entry, "intent", str, path, required=False) or None
        metadata = self._field(entry, "metadata", dict, path, required=False) or {}
        entities = [
            self._entity(raw, text, (*path, "entities", i))
            for i, raw in enumerate(self._field(entry, "entities", list, path, required=False) or [])
        ]
        entities.sort(key=lambda e: (e["start"], e["end"]))
        return Example(text, intent, entities, metadata, location=Location(self.file))

    def _entity(self, raw: Any, text: str, path: tuple) -> dict:
        start, end = self._field(raw, "start", int, path), self._field(raw, "end", int, path)
        if not 0 <= start < end <= len(text):
            raise self.fail(f"entity span {start}..{end} does not fit the text {text[:40]!r}", path)
        entity = {"start": start, "end": end}
        value = self._field(raw, "value", str, path, required=False)
        entity["value"] = text[start:end] if value is None else value
        entity["entity"] = self._field(raw, "entity", str, path)
        for key in ("role", "group"):
            if raw.get(key) is not None:
                entity[key] = self._field(raw, key, str, path)
        return entity

    def _lookups(self, root: dict) -> list[LookupTable]:
        tables: dict[str, LookupTable] = {}
        for index, entry in enumerate(self._list(root, "lookup_tables")):
            path = ("rasa_nlu_data", "lookup_tables", index)
            name = self._field(entry, "name", str, path)
            elements = entry.get("elements")
            table = tables.setdefault(name, LookupTable(name, []))
            if isinstance(elements, str):
                table.source = None if table.elements else elements
                table.elements.extend(read_lookup_file(elements, self.file, self._locate(path)))
            elif isinstance(elements, list) and all(isinstance(e, str) for e in elements):
                table.source = None
                table.elements.extend(elements)
            else:
                raise self.fail("'elements' must be a list of texts or a file path", (*path, "elements"))
        return list(tables.values())

    def _responses(self, root: dict) -> dict[str, list[dict]]:
        responses = root.get("responses", {})
        path = ("rasa_nlu_data", "responses")
        if not isinstance(responses, dict) or not all(
            isinstance(v, list) and all(isinstance(x, dict) for x in v) for v in responses.values()
        ):
            raise self.fail("'responses' must map names to lists of objects", path)
        return responses


def write_nlu_json(data: NLUData) -> str:
    """Rasa JSON NLU data, indented, non-ASCII kept as is."""
    examples = []
    for example in data.examples:
        entry: dict[str, Any] = {"text": example.text, "intent": example.intent or ""}
        if example.entities:
            entry["entities"] = example.entities
        if example.metadata:
            entry["metadata"] = example.metadata
        examples.append(entry)
    root: dict[str, Any] = {
        "common_examples": examples,
        "entity_synonyms": [{"value": v, "synonyms": s} for v, s in synonym_groups(data.synonyms).items()],
        "regex_features": [{"name": r.name, "pattern": r.pattern} for r in data.regexes],
        "lookup_tables": [{"name": t.name, "elements": t.source or t.elements} for t in data.lookups],
    }
    if data.responses:
        root["responses"] = data.responses
    return json.dumps({"rasa_nlu_data": root}, indent=2, ensure_ascii=False) + "\n"
