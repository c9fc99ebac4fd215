"""The `tracker_store:` section of a Rasa `endpoints.yml`, read as Rasa reads it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core.errors import DataError, Location

_ENV = re.compile(r"\$\{([^}]+)\}")
_SQL_DIALECTS = {"sqlite", "postgresql", "postgres"}


@dataclass(frozen=True)
class StoreConfig:
    """Where Rasa's SQL tracker store lives; `db` is a file path for SQLite, a database name otherwise."""

    dialect: str = "sqlite"
    db: str = "rasa.db"
    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: str | None = None
    source: str = "<flag>"

    def describe(self) -> str:
        """Names the store without its password, for messages and story comments."""
        if self.dialect == "sqlite":
            return f"sqlite:{self.db}"
        user = f"{self.username}@" if self.username else ""
        port = f":{self.port}" if self.port else ""
        return f"postgresql://{user}{self.host or 'localhost'}{port}/{self.db}"


def _expand(value: Any, where: Location) -> Any:
    """Rasa replaces `${NAME}` in endpoints.yml values with the environment variable NAME."""
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise DataError(
                f"environment variable {name} is not set", where, hint=f"Export {name} before starting botcoach."
            )
        return os.environ[name]

    return _ENV.sub(replace, value)


def store_config_from_endpoints(path: Path) -> StoreConfig:
    """Reads `tracker_store:` from endpoints.yml; a relative SQLite path is taken from the file's folder."""
    where = Location(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise DataError(f"cannot read endpoints file: {error.strerror}", where, hint="Pass --endpoints PATH.") from None
    except yaml.YAMLError as error:
        raise DataError(f"not valid YAML: {error}", where, hint="Fix the YAML syntax.") from None
    section = data.get("tracker_store") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise DataError(
            "no `tracker_store:` section",
            where,
            hint="Add `tracker_store: {type: SQL, dialect: sqlite, db: tracker.db}` or pass --store.",
        )
    section = {key: _expand(value, where) for key, value in section.items()}
    kind = str(section.get("type", "")).lower()
    if kind != "sql":
        raise DataError(
            f"tracker store type {section.get('type')!r} is not supported",
            where,
            hint="botcoach reads Rasa's SQL tracker store (type: SQL) and tracker JSON files.",
        )
    dialect = str(section.get("dialect") or "sqlite").lower()
    if dialect not in _SQL_DIALECTS:
        raise DataError(f"SQL dialect {dialect!r} is not supported", where, hint="Use sqlite or postgresql.")
    db = str(section.get("db") or "rasa.db")
    if dialect == "sqlite":
        db = str((path.parent / db).resolve()) if not Path(db).is_absolute() else db
        return StoreConfig(db=db, source=str(path))
    port = section.get("port")
    try:
        port = int(port) if port is not None else None
    except ValueError:
        raise DataError(f"port {port!r} is not a number", where, hint="Write the port as a number.") from None
    return StoreConfig(
        dialect="postgresql",
        db=db,
        host=str(section.get("url") or "localhost"),
        port=port,
        username=section.get("username"),
        password=None if section.get("password") is None else str(section.get("password")),
        source=str(path),
    )
