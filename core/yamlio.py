"""Safe YAML reading with line numbers, and comment-keeping round-trip writing (ruamel.yaml).

Readers get mappings and sequences that remember where each key and item stood, so that every
error can name the file, line and column. Nothing here ever constructs arbitrary Python objects:
explicit tags (`!!python/name:...`, `!custom`) are refused while the document is composed, and so
are documents that nest too deeply or whose aliases would repeat too much (a "billion laughs"
file of a few hundred bytes expands to gigabytes wherever it is copied into plain data).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, StreamMark, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionStartEvent
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from core.errors import DataError, Location
from core.limits import FILE_MAX_BYTES, YAML_MAX_ALIAS_VALUES, YAML_MAX_DEPTH

_CORE_TAG_PREFIX = "tag:yaml.org,2002:"


class _RefusedError(Exception):
    """A document composed only up to a limit or a tag we do not read."""

    def __init__(self, message: str, mark: StreamMark | None, hint: str):
        super().__init__(message)
        self.message, self.mark, self.hint = message, mark, hint


class _BoundedComposer(Composer):
    """ruamel's composer with three refusals: explicit tags, nesting deeper than YAML_MAX_DEPTH
    (counting what aliases bring in), and aliases that repeat more than YAML_MAX_ALIAS_VALUES
    values in all. An alias's size is counted once per node (memoised), so checking is linear."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self._measured: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth)
        self._repeated = 0
        self.depth = 0  # collections being composed (ruamel 0.17 keeps no count of its own)

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if not isinstance(event, AliasEvent):
            tag = getattr(event, "ctag", None)
            if tag is not None and str(tag) != "!":
                shown = str(tag).replace(_CORE_TAG_PREFIX, "!!")
                raise _RefusedError(
                    f"the YAML tag {shown} is not allowed: botcoach reads plain values only",
                    event.start_mark,
                    "remove the tag (put the value in quotes if it must stay text)",
                )
            if self.depth >= YAML_MAX_DEPTH:
                raise _RefusedError(
                    f"YAML nested more than {YAML_MAX_DEPTH} levels deep (the limit)",
                    event.start_mark,
                    "flatten the structure; no Rasa file needs this depth",
                )
        collection = isinstance(event, CollectionStartEvent)
        self.depth += collection
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= collection

    def return_alias(self, a: Any) -> Any:
        mark = self.parser.last_event.start_mark  # the alias itself
        if a.end_mark is None:  # still being composed: the alias is inside its own anchor
            raise _RefusedError("a YAML alias refers to the anchor it is inside of", mark, "remove the recursive alias")
        values, depth = self._measure(a)
        self._repeated += values
        if self._repeated > YAML_MAX_ALIAS_VALUES:
            raise _RefusedError(
                f"YAML aliases repeat more than {YAML_MAX_ALIAS_VALUES:,} values (the limit); "
                "this looks like an alias bomb",
                mark,
                "write the values out, or use fewer nested aliases",
            )
        if self.depth + depth > YAML_MAX_DEPTH:
            raise _RefusedError(
                f"YAML nested more than {YAML_MAX_DEPTH} levels deep (the limit) once aliases are expanded",
                mark,
                "use fewer nested aliases",
            )
        return a

    def _measure(self, node: Node) -> tuple[int, int]:
        """(values, depth) of `node` with aliases expanded. Recursion follows composed children
        only (at most YAML_MAX_DEPTH deep): every alias target was measured when it was used."""
        known = self._measured.get(id(node))
        if known is not None:
            return known
        if isinstance(node, SequenceNode):
            children = [self._measure(child) for child in node.value]
        elif isinstance(node, MappingNode):
            children = [self._measure(part) for pair in node.value for part in pair]
        else:
            children = []
        measured = (1 + sum(v for v, _ in children), 1 + max((d for _, d in children), default=0))
        self._measured[id(node)] = measured
        return measured


def _yaml() -> YAML:
    yaml = YAML(typ="rt")  # round-trip: keeps comments and order; tags are refused by the composer
    yaml.Composer = _BoundedComposer
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_duplicate_keys = False
    return yaml


def read_text(path: str | Path) -> str:
    """Read a user's text file (at most FILE_MAX_BYTES), turning OS and encoding errors into a
    DataError. Line ends are read as Python's text mode reads them (\r\n and \r become \n)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(FILE_MAX_BYTES + 1)
    except FileNotFoundError:
        raise DataError(f"file not found: {path}", Location(path), "check the path") from None
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror}", Location(path), "check permissions") from None
    if len(data) > FILE_MAX_BYTES:
        raise DataError(
            f"the file is larger than {FILE_MAX_BYTES // (1024 * 1024)} MiB, the limit for one file",
            Location(path),
            "split it into several files (a data folder may hold many), or check that it is the file you meant",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text (byte {exc.start})", Location(path), "save the file as UTF-8") from None
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def load_yaml(text: str, file: str | Path | None = None) -> Any:
    """Parse YAML text; raise DataError with file, line and column when it is malformed, uses a
    tag, or passes a limit (nesting, alias expansion)."""
    try:
        return _yaml().load(text)
    except _RefusedError as exc:
        mark = exc.mark
        location = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        raise DataError(exc.message, location, exc.hint) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        problem = exc.problem or exc.context or "malformed YAML"
        raise DataError(
            f"malformed YAML: {problem}",
            location,
            "fix the indentation or quoting at this line (a value with ':' or '#' needs quotes)",
        ) from None
    except YAMLError as exc:
        raise DataError(f"malformed YAML: {exc}", Location(file), "fix the YAML syntax") from None
    except (ValueError, RecursionError) as exc:  # absurd numbers or nesting
        raise DataError(
            f"YAML cannot be read: {exc.__class__.__name__}",
            Location(file),
            "simplify the file: it nests too deeply or holds a number too long",
        ) from None


def load_yaml_file(path: str | Path) -> Any:
    return load_yaml(read_text(path), path)


def location_of(node: Any, key: Any = None, file: str | Path | None = None) -> Location:
    """Where `node[key]` (or the node itself) stands in its file; unknown parts stay None."""
    try:
        if key is None:
            line, column = node.lc.line, node.lc.col
        elif isinstance(node, CommentedMap):
            line, column = node.lc.key(key)
        elif isinstance(node, CommentedSeq):
            line, column = node.lc.item(key)
        else:
            return Location(file)
        return Location(file, line + 1, column + 1)
    except (AttributeError, KeyError, IndexError, TypeError):
        return Location(file)


def dump_yaml(data: Any) -> str:
    """Serialize (round-trip data keeps its comments and quoting)."""
    stream = io.StringIO()
    _yaml().dump(data, stream)
    return stream.getvalue()


def to_plain(data: Any) -> Any:
    """Deep-convert ruamel's commented containers and scalars into plain dicts, lists and str."""
    if isinstance(data, dict):
        return {str(k) if not isinstance(k, (int, float, bool)) else k: to_plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [to_plain(v) for v in data]
    if isinstance(data, str):
        return str(data)
    if isinstance(data, bool) or data is None:
        return data
    if isinstance(data, int):
        return int(data)
    if isinstance(data, float):
        return float(data)
    return data
