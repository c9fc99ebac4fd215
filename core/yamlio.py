"""Safe YAML reading with line numbers, and comment-keeping round-trip writing (ruamel.yaml).

Readers get mappings and sequences that remember where each key and item stood, so that every
error can name the file, line and column. Nothing here ever constructs arbitrary Python objects.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from core.errors import DataError, Location


def _yaml() -> YAML:
    yaml = YAML(typ="rt")  # round-trip: safe (no arbitrary tags) and keeps comments and order
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_duplicate_keys = False
    return yaml


def read_text(path: str | Path) -> str:
    """Read a user's text file, turning OS and encoding errors into a DataError."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"file not found: {path}", Location(path), "check the path") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text (byte {exc.start})", Location(path), "save the file as UTF-8") from None
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror}", Location(path), "check permissions") from None


def load_yaml(text: str, file: str | Path | None = None) -> Any:
    """Parse YAML text; raise DataError with file, line and column when it is malformed."""
    try:
        return _yaml().load(text)
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
