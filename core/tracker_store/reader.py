"""Conversations from Rasa's SQL tracker store (SQLite, PostgreSQL) or tracker JSON files, read-only."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from core.errors import DataError, Location
from core.events import ActionExecuted, Event, UserUttered, event_from_dict
from core.tracker import DialogueStateTracker
from core.tracker_store.config import StoreConfig, store_config_from_endpoints

LOW_CONFIDENCE = 0.5
FALLBACK_ACTIONS = ("nlu_fallback", "action_default_fallback")
_COLUMNS = {"id", "sender_id", "type_name", "timestamp", "intent_name", "action_name", "data"}


@dataclass(frozen=True)
class ConversationSummary:
    """One stored conversation as the list shows it, with what marks it for review."""

    sender: str
    start: float | None
    latest: float | None
    turns: int
    fallback: int
    low_confidence: int
    unlikely_intent: int

    @property
    def marks(self) -> list[str]:
        found = []
        if self.fallback:
            found.append("fallback")
        if self.low_confidence:
            found.append("low-confidence")
        if self.unlikely_intent:
            found.append("unlikely-intent")
        return found

    @property
    def suspicion(self) -> int:
        return self.fallback * 3 + self.unlikely_intent * 2 + self.low_confidence


class TrackerSource(Protocol):
    """Somewhere stored conversations come from."""

    def describe(self) -> str: ...

    def summaries(self) -> list[ConversationSummary]: ...

    def tracker(self, sender: str) -> DialogueStateTracker: ...


def _event(data: Any, where: str, type_name: str | None = None) -> Event:
    """An event as Rasa wrote it; a row whose JSON is not one is an error naming the row."""
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as error:
            raise DataError(f"{where}: data is not JSON ({error.msg})", hint=_ROW_HINT) from None
    try:
        event = event_from_dict(data)
    except DataError as error:
        raise DataError(f"{where}: {error.message}", hint=_ROW_HINT) from None
    if type_name is not None and data.get("event") != type_name:
        raise DataError(f"{where}: type_name {type_name!r} but the event is {data.get('event')!r}", hint=_ROW_HINT)
    return event


_ROW_HINT = "Rasa never writes such a row: the store was edited by hand or is not Rasa's; remove or fix the row."

# One row per conversation: how many user turns, fallbacks, low-confidence parses, unlikely intents.
_SUMMARY_SQL = """
SELECT sender_id, MIN(timestamp), MAX(timestamp),
       SUM(CASE WHEN type_name = 'user' THEN 1 ELSE 0 END),
       SUM(CASE WHEN action_name IN ('nlu_fallback', 'action_default_fallback')
                  OR (type_name = 'user' AND intent_name = 'nlu_fallback') THEN 1 ELSE 0 END),
       SUM(CASE WHEN type_name = 'user' AND {confidence} < {low} THEN 1 ELSE 0 END),
       SUM(CASE WHEN action_name = 'action_unlikely_intent' THEN 1 ELSE 0 END)
FROM events GROUP BY sender_id
"""
_CONFIDENCE = {
    "sqlite": "CAST(json_extract(data, '$.parse_data.intent.confidence') AS REAL)",
    "postgresql": "CAST(CAST(data AS json)->'parse_data'->'intent'->>'confidence' AS double precision)",
}


class SqlStore:
    """Rasa's SQL tracker store: the `events` table, one row per event, `data` the event's JSON."""

    def __init__(self, config: StoreConfig):
        self.config = config
        self._connection = self._connect()
        self._check_table()

    def describe(self) -> str:
        return self.config.describe()

    def _connect(self) -> Any:
        where = Location(self.config.source)
        if self.config.dialect == "sqlite":
            path = Path(self.config.db)
            if not path.is_file():
                raise DataError(
                    f"the SQLite tracker store {path} does not exist",
                    where,
                    hint="Point `db:` (or --store) at the file Rasa's SQL tracker store wrote.",
                )
            try:
                connection = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, check_same_thread=False)
                connection.execute("SELECT 1 FROM sqlite_master LIMIT 1")
            except sqlite3.DatabaseError as error:
                raise DataError(
                    f"{path} is not a readable SQLite database ({error})", where, hint="Check the path."
                ) from None
            return connection
        return _connect_postgres(self.config, where)

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        cursor = self._connection.cursor()
        try:
            yield cursor
        except (sqlite3.DatabaseError, _postgres_error()) as error:
            raise DataError(
                f"reading {self.describe()} failed: {error}", Location(self.config.source), hint="Check the store."
            ) from None
        finally:
            cursor.close()

    def _check_table(self) -> None:
        with self._cursor() as cursor:
            if self.config.dialect == "sqlite":
                cursor.execute("SELECT name FROM pragma_table_info('events')")
            else:
                cursor.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = 'events'"
                    " AND table_schema = current_schema()"
                )
            columns = {row[0] for row in cursor.fetchall()}
        if not columns:
            raise DataError(
                f"{self.describe()} has no `events` table: it is not a Rasa SQL tracker store",
                Location(self.config.source),
                hint="Point the store at the database Rasa's SQL tracker store writes to.",
            )
        if missing := _COLUMNS - columns:
            raise DataError(
                f"the `events` table of {self.describe()} is not Rasa's: no column {', '.join(sorted(missing))}",
                Location(self.config.source),
                hint="Point the store at the database Rasa's SQL tracker store writes to.",
            )

    def _sql(self, text: str) -> str:
        return text if self.config.dialect == "sqlite" else text.replace("?", "%s")

    def summaries(self) -> list[ConversationSummary]:
        dialect = "sqlite" if self.config.dialect == "sqlite" else "postgresql"
        query = _SUMMARY_SQL.format(confidence=_CONFIDENCE[dialect], low=LOW_CONFIDENCE)
        with self._cursor() as cursor:
            cursor.execute(query)
            rows = cursor.fetchall()
        return [ConversationSummary(row[0], row[1], row[2], *(int(value or 0) for value in row[3:])) for row in rows]

    def tracker(self, sender: str) -> DialogueStateTracker:
        with self._cursor() as cursor:
            cursor.execute(
                self._sql("SELECT id, type_name, data FROM events WHERE sender_id = ? ORDER BY id"), (sender,)
            )
            rows = cursor.fetchall()
        if not rows:
            raise DataError(
                f"no conversation with sender {sender!r} in {self.describe()}",
                hint="List them with `botcoach conversations`.",
            )
        events = [
            _event(data, f"{self.describe()} events row id {row_id}", type_name) for row_id, type_name, data in rows
        ]
        return DialogueStateTracker(sender, None, events)


def _postgres_error() -> type[Exception]:
    try:
        import psycopg  # noqa: PLC0415 - only PostgreSQL stores need the driver (0.2 s to load)
    except ImportError:
        return sqlite3.DatabaseError
    return psycopg.Error


def _connect_postgres(config: StoreConfig, where: Location) -> Any:
    try:
        import psycopg  # noqa: PLC0415 - only PostgreSQL stores need the driver (0.2 s to load)
    except ImportError:
        raise DataError(
            "reading a PostgreSQL tracker store needs the psycopg driver", where, hint="pip install 'psycopg[binary]'"
        ) from None
    try:
        connection = psycopg.connect(
            host=config.host,
            port=config.port or 5432,
            dbname=config.db,
            user=config.username,
            password=config.password,
            connect_timeout=10,
            autocommit=True,
        )
        connection.read_only = True
    except psycopg.OperationalError as error:
        text = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
        if "password" in text or "authentication" in text:
            hint = "Check `username:` and `password:` in endpoints.yml (or the environment variables they name)."
        else:
            hint = "Check that the server runs and `url:`, `port:` and `db:` in endpoints.yml point at it."
        raise DataError(f"cannot connect to {config.describe()}: {text}", where, hint=hint) from None
    return connection


class TrackerFiles:
    """Tracker JSON files as Rasa's HTTP API returns them (`GET /conversations/<id>/tracker`)."""

    def __init__(self, paths: list[Path]):
        self._trackers: dict[str, DialogueStateTracker] = {}
        for path in paths:
            tracker = _read_tracker_file(path)
            self._trackers[tracker.sender_id] = tracker
        self._paths = paths

    def describe(self) -> str:
        return ", ".join(str(path) for path in self._paths)

    def summaries(self) -> list[ConversationSummary]:
        return [_summarise(tracker) for tracker in self._trackers.values()]

    def tracker(self, sender: str) -> DialogueStateTracker:
        if sender not in self._trackers:
            raise DataError(f"no tracker for sender {sender!r} in {self.describe()}", hint="Check the sender id.")
        return self._trackers[sender]


def _read_tracker_file(path: Path) -> DialogueStateTracker:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DataError(f"cannot read tracker file: {error.strerror}", Location(path), hint="Check the path.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(f"not a JSON tracker: {error}", Location(path), hint="Save Rasa's tracker JSON.") from None
    try:
        return DialogueStateTracker.from_dict(data, None)
    except DataError as error:
        raise DataError(error.message, Location(path), error.hint) from None


def _summarise(tracker: DialogueStateTracker) -> ConversationSummary:
    """The same marks the SQL query counts, computed from a tracker's events."""
    stamps = [event.timestamp for event in tracker.events]
    users = [event for event in tracker.events if isinstance(event, UserUttered)]
    actions = [event.name for event in tracker.events if isinstance(event, ActionExecuted)]
    confidences = [user.intent.get("confidence") for user in users]
    low = sum(1 for value in confidences if isinstance(value, int | float) and value < LOW_CONFIDENCE)
    fallback = sum(1 for name in actions if name in FALLBACK_ACTIONS)
    fallback += sum(1 for user in users if user.intent_name == "nlu_fallback")
    unlikely = sum(1 for name in actions if name == "action_unlikely_intent")
    return ConversationSummary(
        tracker.sender_id, min(stamps, default=None), max(stamps, default=None), len(users), fallback, low, unlikely
    )


def open_source(
    store: str | None = None, endpoints: Path | None = None, trackers: list[Path] | None = None
) -> TrackerSource:
    """The conversations to read: tracker JSON files, a SQLite file (--store), or endpoints.yml's store."""
    if trackers:
        return TrackerFiles(trackers)
    if store:
        return SqlStore(StoreConfig(db=str(Path(store).resolve()), source=store))
    path = endpoints or Path("endpoints.yml")
    return SqlStore(store_config_from_endpoints(path))
