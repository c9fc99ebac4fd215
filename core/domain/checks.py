"""Shared helpers for reading domain files: typed getters that fail with a located DataError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.errors import DataError, Location
from core.yamlio import location_of, to_plain


class FileContext:
    """One file being read: where errors point, and the warnings and sources collected."""

    def __init__(self, file: str | Path | None):
        self.file = file
        self.warnings: list[str] = []
        self.sources: dict[tuple[str, str], Location] = {}

    def where(self, node: Any, key: Any = None) -> Location:
        return location_of(node, key, self.file)

    def fail(self, message: str, node: Any, key: Any = None, hint: str | None = None) -> DataError:
        return DataError(message, self.where(node, key), hint)

    def warn(self, message: str, node: Any, key: Any = None) -> None:
        self.warnings.append(f"{self.where(node, key)}: {message}")

    def remember(self, kind: str, name: str, node: Any, key: Any = None) -> None:
        self.sources.setdefault((kind, name), self.where(node, key))

    def mapping(self, node: Any, key: Any, what: str, hint: str) -> dict:
        """`node[key]` as a mapping ({} when empty); anything else is a DataError."""
        value = node.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{what} must be a mapping, not {kind_of(value)}", node, key, hint)
        return value

    def sequence(self, node: Any, key: Any, what: str, hint: str) -> list:
        value = node.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{what} must be a list, not {kind_of(value)}", node, key, hint)
        return value

    def names(self, node: Any, key: Any, what: str) -> list[str]:
        """A list of names; a single name is accepted as a list of one (Rasa does the same)."""
        value = node.get(key)
        if isinstance(value, str):
            return [str(value)]
        items = self.sequence(node, key, what, f"write {what} as a list: `- name` per line")
        for index, item in enumerate(items):
            if not isinstance(item, str) or not item:
                raise self.fail(
                    f"{what} must be names, not {kind_of(item)}", items, index, "write one name per `- ` line"
                )
        return [str(item) for item in items]

    def boolean(self, node: Any, key: Any, what: str, default: bool) -> bool:
        value = node.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{what} must be true or false, not {value!r}", node, key, "write true or false")
        return value

    def number(self, node: Any, key: Any, what: str, default: float) -> float:
        value = node.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{what} must be a number, not {to_plain(value)!r}", node, key, "write a number")
        return to_plain(value)


def kind_of(value: Any) -> str:
    """How a person would call the YAML value they wrote."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return f"the text {str(value)!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def single_key(ctx: FileContext, items: list, index: int, what: str) -> tuple[str, Any]:
    """An item written `- name` or `- name: {properties}`: its name and raw properties."""
    item = items[index]
    if isinstance(item, str) and item:
        return str(item), None
    if isinstance(item, dict) and len(item) == 1:
        name, props = next(iter(item.items()))
        if isinstance(name, str) and (props is None or isinstance(props, dict)):
            return str(name), props
    raise ctx.fail(
        f"{what} must be a name or `name: {{properties}}`, not {kind_of(item)}",
        items,
        index,
        f"write `- my_{what}` or `- my_{what}:` followed by its indented properties",
    )
