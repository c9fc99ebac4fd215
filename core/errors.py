"""Errors a user can cause, each carrying where it happened and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Location:
    """A place in a user's file: 1-based line and column, either may be unknown."""

    file: str | Path | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [str(self.file) if self.file else "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class BotcoachError(Exception):
    """Base of every error meant for a person: message, optional location and a hint to fix it."""

    def __init__(self, message: str, location: Location | None = None, hint: str | None = None):
        self.message = message
        self.location = location
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        return f"{text}\n  fix: {self.hint}" if self.hint else text


class DataError(BotcoachError):
    """A training-data, domain or config file that cannot be read as it stands."""


class ModelError(BotcoachError):
    """A model archive that is missing, damaged or unsafe."""


class ActionServerError(BotcoachError):
    """The action server is down, slow or answered something we cannot use."""


class ExportError(BotcoachError):
    """Writing the user's files failed; nothing was half-written."""
