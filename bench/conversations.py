"""`botcoach conversations` on 100,000 stored conversations: Rasa's SQL tracker store on SQLite
(and on PostgreSQL when its binaries are installed), 8 events per conversation as Rasa writes a
one-message exchange, 1 in 20 with a fallback, 1 in 10 with a low intent confidence. Times the
whole listing (read the summaries, sort, take the first page) in both orders; median of 3 runs.
Also what the app's stored-conversation picker does on each key typed into its filter: filter
the summaries it read by sender (or cycle the mark) and take the rows it draws.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from core.tracker_store import StoreConfig
from core.tracker_store.listing import matching, ordered, page_of
from core.tracker_store.reader import ConversationSummary, SqlStore
from tui.screens.store_picker import SHOWN

CONVERSATIONS = 100_000
RUNS = 3
_SCHEMA = (
    "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,"
    " timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
)


def _rows():
    """Rows as Rasa's SQL tracker store writes them, conversation after conversation."""
    row_id = 0
    for number in range(CONVERSATIONS):
        sender = f"user-{number:06d}"
        start = 1.7e9 + number * 60.0
        confidence = 0.3 if number % 10 == 0 else 0.98
        last = "action_default_fallback" if number % 20 == 0 else "utter_greet"
        events = [
            {"event": "action", "name": "action_session_start"},
            {"event": "session_started"},
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "hello", "parse_data": {"intent": {"name": "greet", "confidence": confidence},
             "entities": [], "text": "hello"}},
            {"event": "user_featurization", "use_text_for_featurization": False},
            {"event": "action", "name": last},
            {"event": "bot", "text": "Hey! How are you?"},
            {"event": "action", "name": "action_listen"},
        ]  # fmt: skip
        for offset, event in enumerate(events):
            row_id += 1
            event["timestamp"] = start + offset * 0.01
            intent = event["parse_data"]["intent"]["name"] if event["event"] == "user" else None
            action = event.get("name")
            yield row_id, sender, event["event"], event["timestamp"], intent, action, json.dumps(event)


def _time_listing(store: SqlStore) -> dict[str, float]:
    figures = {}
    for order in ("newest", "suspicious"):
        runs = []
        for _ in range(RUNS):
            started = time.perf_counter()
            page = page_of(store.summaries(), order)
            runs.append(time.perf_counter() - started)
        assert page.total == CONVERSATIONS
        figures[order] = statistics.median(runs)
    return figures


def _time_picker_keys(summaries: list[ConversationSummary]) -> None:
    """One refresh of the picker's rows per key typed (or mark chosen), as the app runs it: the
    summaries are ordered once when the picker opens, each key only filters."""
    started = time.perf_counter()
    summaries = ordered(summaries, "suspicious")
    print(f"picker: order {CONVERSATIONS} conversations once: {(time.perf_counter() - started) * 1000:.0f} ms")
    for label, sender, mark in (
        ("no filter", None, None),
        ("sender 'user-05'", "user-05", None),
        ("sender 'user-0500'", "user-0500", None),
        ("mark fallback", None, "fallback"),
    ):
        runs = []
        for _ in range(RUNS):
            started = time.perf_counter()
            found = matching(summaries, sender, mark)
            drawn = found[:SHOWN]
            runs.append(time.perf_counter() - started)
        print(
            f"picker: {CONVERSATIONS} conversations, {label}: {len(found)} match, first {len(drawn)} drawn;"
            f" {statistics.median(runs) * 1000:.0f} ms per key (median of {RUNS})"
        )


def _sqlite(folder: Path) -> None:
    path = folder / "tracker.db"
    started = time.perf_counter()
    with sqlite3.connect(path) as connection:
        connection.execute(_SCHEMA)
        connection.execute("CREATE INDEX ix_events_sender_id ON events (sender_id)")
        connection.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", _rows())
    print(
        f"sqlite: wrote {CONVERSATIONS} conversations ({CONVERSATIONS * 8} events)"
        f" in {time.perf_counter() - started:.1f} s"
    )
    store = SqlStore(StoreConfig(db=str(path)))
    for order, seconds in _time_listing(store).items():
        print(f"sqlite: list {CONVERSATIONS} conversations, {order} first, page 1: {seconds:.2f} s (median of {RUNS})")
    started = time.perf_counter()
    store.tracker("user-050000")
    print(f"sqlite: open one conversation: {(time.perf_counter() - started) * 1000:.1f} ms")
    _time_picker_keys(store.summaries())


def _postgres() -> None:
    try:
        import psycopg  # noqa: PLC0415 - measured only where the driver is installed

        from tests.postgres_server import postgres_server  # noqa: PLC0415 - as psycopg
    except ImportError as error:
        print(f"postgresql: not measured ({error})")
        return
    with postgres_server() as server:
        if server is None:
            print("postgresql: not measured (initdb/pg_ctl not installed)")
            return
        login = {"host": "127.0.0.1", "port": server.port, "user": server.user, "password": server.password}
        with psycopg.connect(**login, dbname="postgres", autocommit=True) as admin:
            admin.execute("CREATE DATABASE rasa")
        started = time.perf_counter()
        with psycopg.connect(**login, dbname="rasa") as connection:
            connection.execute(_SCHEMA.replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY"))
            connection.execute("CREATE INDEX ix_events_sender_id ON events (sender_id)")
            with connection.cursor() as cursor, cursor.copy("COPY events FROM STDIN") as copy:
                for row in _rows():
                    copy.write_row(row)
        print(f"postgresql: wrote {CONVERSATIONS} conversations in {time.perf_counter() - started:.1f} s")
        config = StoreConfig("postgresql", "rasa", "127.0.0.1", server.port, server.user, server.password)
        store = SqlStore(config)
        for order, seconds in _time_listing(store).items():
            print(
                f"postgresql: list {CONVERSATIONS} conversations, {order} first, page 1:"
                f" {seconds:.2f} s (median of {RUNS})"
            )
        store._connection.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        _sqlite(Path(folder))
    _postgres()


if __name__ == "__main__":
    main()
