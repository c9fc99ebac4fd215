"""Adding intents, entities, actions, responses, slots and forms to an existing domain file.

Every original line (comments, key order, quoting, indentation) stays as it was; new entries are
inserted as text in the file's own style (`templates:` in a 1.x file, plain names in a list of
names). Each change is checked by reading the result as a domain before it is accepted, so a
failed change leaves the editor, and the file, as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from core.domain.items import RESPONSE_CONTENT_KEYS, Form, Slot
from core.domain.model import Domain
from core.domain.reader import read_domain
from core.domain.text_edit import (
    append_section,
    block_end,
    detect_style,
    dump_block,
    insert_lines,
    item_prefix,
    last_content_line,
    scalar,
    separated_by_blank_lines,
)
from core.domain.writer import LATEST_VERSION, form_spec, slot_spec
from core.errors import DataError, Location
from core.fileio import atomic_write_text
from core.yamlio import dump_yaml, load_yaml, read_text

Edit = Callable[[Any, list[str]], list[str]]


class DomainEditor:
    """An open domain file; changes stay in memory until `save()`."""

    def __init__(self, path: str | Path, text: str | None = None):
        """The file at `path`; or `text` as its content ("\n" line ends), as read by the caller.
        A new or empty file starts with today's version key, as Rasa writes one."""
        self.path = Path(path)
        if text is None:
            text = read_text(self.path).replace("\r\n", "\n") if self.path.is_file() else ""
        self._text = text if text.strip() else f'version: "{LATEST_VERSION}"\n'
        self._domain = read_domain(self._text, self.path)
        self.changed = False

    @property
    def text(self) -> str:
        """The file's text as it reads now ("\n" line ends)."""
        return self._text

    @property
    def domain(self) -> Domain:
        """The domain as it reads now, additions included."""
        return self._domain

    def save(self) -> None:
        """Write the file (atomically, in its own line endings) if anything changed."""
        if self.changed:
            atomic_write_text(self.path, self._text)
            self.changed = False

    # ----- additions ---------------------------------------------------------------------------
    def add_intent(self, name: str) -> bool:
        """Add an intent; False when it is already there."""
        return self._add_name("intents", name, self._domain.intents)

    def add_entity(self, name: str) -> bool:
        return self._add_name("entities", name, self._domain.entities)

    def add_action(self, name: str) -> bool:
        return self._add_name("actions", name, self._domain.actions)

    def add_response(self, name: str, variation: str | dict[str, Any]) -> bool:
        """Add a response, or one more variation of an existing one; False if already there."""
        self._check_name(name)
        if not isinstance(variation, (str, dict)):
            raise DataError(
                f"response '{name}': a variation must be a text or a mapping",
                Location(self.path),
                "pass the text, or a dict such as {'text': ..., 'buttons': [...]}",
            )
        variation = {"text": variation} if isinstance(variation, str) else dict(variation)
        if not any(variation.get(key) is not None for key in RESPONSE_CONTENT_KEYS):
            raise DataError(
                f"response '{name}': a variation needs one of {', '.join(RESPONSE_CONTENT_KEYS)}",
                Location(self.path),
                "give the response a text",
            )
        if variation in self._domain.responses.get(name, []):
            return False

        def edit(data: Any, lines: list[str]) -> list[str]:
            holder = [s for s in ("responses", "templates") if isinstance(_get(data, s), dict) and name in data[s]]
            if holder:
                return self._append_variation(data, lines, holder[0], name, variation)
            section = "templates" if _has(data, "templates") and not _has(data, "responses") else "responses"
            lines = self._add_entry(data, lines, section, name, [variation])
            if _lists_responses_as_actions(data) and name not in self._domain.actions:
                lines = self._list_item(load_yaml("\n".join(lines), self.path), lines, "actions", name)
            return lines

        return self._apply(edit)

    def add_slot(self, name: str, slot: Slot) -> bool:
        self._check_name(name)
        if name in self._domain.slots:
            return False
        return self._apply(
            lambda data, lines: self._add_entry(
                data, lines, "slots", name, slot_spec(name, slot, self._domain, _is_legacy(data))
            )
        )

    def add_form(
        self, name: str, required_slots: list[str] | None = None, ignored_intents: list[str] | None = None
    ) -> bool:
        """Add a form; in a file that lists forms by name (1.x) only a name can be added."""
        self._check_name(name)
        if name in self._domain.forms:
            return False
        form = Form(required_slots, list(ignored_intents or []))

        def edit(data: Any, lines: list[str]) -> list[str]:
            listed = isinstance(_get(data, "forms"), list) or (_get(data, "forms") is None and _is_legacy(data))
            if listed and required_slots is None and not ignored_intents:
                return self._list_item(data, lines, "forms", name)
            if isinstance(_get(data, "forms"), list):
                raise DataError(
                    f"cannot add form '{name}' with its slots: this file lists forms by name only",
                    Location(self.path),
                    "in a 1.x project the FormAction's code lists the slots",
                )
            return self._add_entry(data, lines, "forms", name, form_spec(form))

        return self._apply(edit)

    # ----- machinery ---------------------------------------------------------------------------
    def _add_name(self, section: str, name: str, existing: Any) -> bool:
        self._check_name(name)
        if name in existing:
            return False
        return self._apply(lambda data, lines: self._list_item(data, lines, section, name))

    def _check_name(self, name: str) -> None:
        if not isinstance(name, str) or not name.strip() or "\n" in name or name != name.strip():
            raise DataError(
                f"{name!r} is not a usable name",
                Location(self.path),
                "use a name without line breaks or surrounding spaces, e.g. utter_greet",
            )

    def _apply(self, edit: Edit) -> bool:
        """Run one edit on a fresh parse; keep it only if the result still reads as a domain."""
        data = load_yaml(self._text, self.path)
        if data is not None and not isinstance(data, CommentedMap):
            raise DataError("the domain file is not a mapping", Location(self.path, 1, 1), "fix the file first")
        lines = edit(data, self._text.split("\n"))
        text = "\n".join(lines)
        self._domain = read_domain(text, self.path)  # raises before anything is kept
        self._text = text
        self.changed = True
        return True

    def _list_item(self, data: Any, lines: list[str], section: str, name: str) -> list[str]:
        style = detect_style(data, lines, section)
        value = _get(data, section)
        if section not in (data or {}):
            return append_section(lines, [f"{section}:", style.list_prefix + scalar(name)])
        if value is None:
            key_line = data.lc.key(section)[0]
            return insert_lines(lines, key_line, [style.list_prefix + scalar(name)])
        if not isinstance(value, CommentedSeq):
            raise DataError(
                f"`{section}` is not a list",
                Location(self.path, data.lc.key(section)[0] + 1),
                f"write `{section}:` with one `- name` per line",
            )
        if value.fa.flow_style() or not value:
            return self._redump(data, lambda: value.append(name))
        prefix = item_prefix(value, 0, lines) or style.list_prefix
        start = data.lc.key(section)[0] + 1
        after = last_content_line(lines, start, block_end(data, section, len(lines)))
        return insert_lines(lines, after, [prefix + scalar(name)])

    def _add_entry(self, data: Any, lines: list[str], section: str, name: str, spec: Any) -> list[str]:
        style = detect_style(data, lines, section)
        value = _get(data, section)
        if section not in (data or {}):
            block = dump_block({name: spec}, style.child_indent, style.dash_offset)
            return append_section(lines, [f"{section}:", *block])
        if value is not None and not isinstance(value, CommentedMap):
            raise DataError(
                f"`{section}` is not a mapping",
                Location(self.path, data.lc.key(section)[0] + 1),
                f"write `{section}:` with one indented `name:` entry per item",
            )
        if value is None or value.fa.flow_style() or not value:
            if value is None:
                key_line = data.lc.key(section)[0]
                block = dump_block({name: spec}, style.child_indent, style.dash_offset)
                return insert_lines(lines, key_line, block)
            return self._redump(data, lambda: value.__setitem__(name, spec))
        indent = value.lc.key(next(iter(value)))[1]
        start = data.lc.key(section)[0] + 1
        after = last_content_line(lines, start, block_end(data, section, len(lines)))
        block = dump_block({name: spec}, indent, style.dash_offset)
        return insert_lines(lines, after, block, blank_before=separated_by_blank_lines(value, lines))

    def _append_variation(self, data: Any, lines: list[str], section: str, name: str, variation: dict) -> list[str]:
        responses = data[section]
        variations = responses[name]
        if variations.fa.flow_style():
            return self._redump(data, lambda: variations.append(variation))
        style = detect_style(data, lines, section)
        prefix = item_prefix(variations, 0, lines)
        dash = prefix.index("-") if prefix else responses.lc.key(name)[1] + style.dash_offset
        section_end = block_end(data, section, len(lines))
        after = last_content_line(lines, responses.lc.key(name)[0] + 1, block_end(responses, name, section_end))
        body = dump_block(variation, dash + 2, style.dash_offset)
        body[0] = " " * dash + "- " + body[0].lstrip(" ")
        return insert_lines(lines, after, body)

    def _redump(self, data: Any, change: Callable[[], None]) -> list[str]:
        """For flow-style (`[a, b]`) sections: change the parsed file and dump it whole."""
        change()
        return [*dump_yaml(data).rstrip("\n").split("\n"), ""]


def _get(data: Any, key: str) -> Any:
    return data.get(key) if isinstance(data, dict) else None


def _has(data: Any, key: str) -> bool:
    return isinstance(data, dict) and key in data


def _is_legacy(data: Any) -> bool:
    """Whether the file is written for Rasa 1.x/2.x (no `mappings`, `auto_fill` allowed)."""
    if not data:
        return False  # a new, empty file gets today's format
    version = str(_get(data, "version") or "")
    if version:
        return version.split(".")[0] in ("1", "2")
    if _has(data, "templates") or isinstance(_get(data, "forms"), list):
        return True
    slots = _get(data, "slots") or {}
    has_mappings = any(isinstance(s, dict) and "mappings" in s for s in slots.values())
    return not has_mappings and not _has(data, "responses")


def _lists_responses_as_actions(data: Any) -> bool:
    """A 1.x file lists its `utter_` responses under `actions:` too; keep doing so."""
    actions = _get(data, "actions") or []
    return any(isinstance(a, str) and a.startswith("utter_") for a in actions)
