"""Rasa's SQL tracker store (SQLite, PostgreSQL) and tracker JSON files, read as Rasa wrote them."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import psycopg
import pytest

from core.errors import DataError
from core.events import UserUttered
from core.tracker_store import open_source, store_config_from_endpoints
from tests.postgres_server import postgres_server

STORE = Path(__file__).resolve().parents[1].parent / "shared" / "compat" / "rasa-tracker-store"
TRACKERS = sorted(STORE.glob("tracker_user-*.json"))


def test_the_shared_sqlite_store_loads_through_its_endpoints_yml():
    source = open_source(endpoints=STORE / "endpoints.yml")
    summaries = {summary.sender: summary for summary in source.summaries()}
    assert sorted(summaries) == ["user-anna", "user-ben", "user-cleo"]
    assert all(summary.turns == 4 for summary in summaries.values())
    assert summaries["user-ben"].marks == []
    assert summaries["user-cleo"].unlikely_intent == 2
    anna = source.tracker("user-anna")
    sad = [e for e in anna.events if isinstance(e, UserUttered) and e.text == "I am feeling really sad today"]
    assert sad[0].intent_name == "mood_great"  # Rasa's own (wrong) parse, as stored


def test_json_trackers_give_the_same_conversations_as_the_store():
    store = open_source(endpoints=STORE / "endpoints.yml")
    files = open_source(trackers=TRACKERS)
    assert sorted(files.summaries(), key=lambda s: s.sender) == sorted(store.summaries(), key=lambda s: s.sender)
    for sender in ("user-anna", "user-ben", "user-cleo"):
        assert files.tracker(sender).events == store.tracker(sender).events


def test_the_store_is_opened_read_only(tmp_path):
    copy = tmp_path / "tracker.db"
    shutil.copy(STORE / "tracker.db", copy)
    source = open_source(store=str(copy))
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        source._connection.execute("DELETE FROM events")


def test_env_vars_in_endpoints_are_expanded_and_a_missing_one_is_named(tmp_path, monkeypatch):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: ${DB_HOST}\n  db: rasa\n"
        "  username: ${DB_USER}\n  password: ${DB_PASSWORD}\n  port: 5433\n"
    )
    monkeypatch.setenv("DB_HOST", "db.internal")
    monkeypatch.setenv("DB_USER", "rasa")
    monkeypatch.setenv("DB_PASSWORD", "s3cret")
    config = store_config_from_endpoints(endpoints)
    assert (config.host, config.username, config.password, config.port) == ("db.internal", "rasa", "s3cret", 5433)
    assert "s3cret" not in config.describe()
    monkeypatch.delenv("DB_PASSWORD")
    with pytest.raises(DataError, match="DB_PASSWORD is not set"):
        store_config_from_endpoints(endpoints)


def test_a_missing_store_file_is_a_clear_error(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: nowhere.db\n")
    with pytest.raises(DataError, match=r"nowhere.db does not exist") as caught:
        open_source(endpoints=endpoints)
    assert str(endpoints) in str(caught.value)


def test_a_table_that_is_not_rasas_is_a_clear_error(tmp_path):
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE events (id INTEGER, sender_id TEXT, payload TEXT)")
    with pytest.raises(DataError, match="not Rasa's: no column action_name, data, intent_name"):
        open_source(store=str(db))
    with sqlite3.connect(tmp_path / "empty.db") as connection:
        connection.execute("CREATE TABLE users (id INTEGER)")
    with pytest.raises(DataError, match="no `events` table"):
        open_source(store=str(tmp_path / "empty.db"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "data is not JSON"),
        (json.dumps({"event": "teleport", "timestamp": 1.0}), "unknown event type 'teleport'"),
        (json.dumps({"event": "action", "timestamp": 1.0, "name": "utter_x"}), "type_name 'user' but the event"),
    ],
)
def test_an_event_row_rasa_would_not_write_names_the_row(tmp_path, data, message):
    copy = tmp_path / "tracker.db"
    shutil.copy(STORE / "tracker.db", copy)
    with sqlite3.connect(copy) as connection:
        connection.execute(
            "INSERT INTO events (id, sender_id, type_name, timestamp, data) VALUES (999, 'user-anna', 'user', 2e9, ?)",
            (data,),
        )
    source = open_source(store=str(copy))
    with pytest.raises(DataError, match=message) as caught:
        source.tracker("user-anna")
    assert "row id 999" in str(caught.value)


def test_a_tracker_file_that_is_not_json_names_the_file(tmp_path):
    bad = tmp_path / "tracker.json"
    bad.write_text("{")
    with pytest.raises(DataError, match="not a JSON tracker") as caught:
        open_source(trackers=[bad])
    assert str(bad) in str(caught.value)


@pytest.fixture(scope="module")
def postgres():
    with postgres_server() as server:
        if server is None:
            pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed")
        yield server


def _copy_store_into(server) -> None:
    """Rasa's `events` table, created as Rasa's SQLAlchemy model does, with the shared store's rows."""
    with sqlite3.connect(STORE / "tracker.db") as source:
        rows = source.execute("SELECT * FROM events ORDER BY id").fetchall()
    with psycopg.connect(
        host="127.0.0.1", port=server.port, user=server.user, password=server.password, dbname="postgres",
        autocommit=True,
    ) as admin:  # fmt: skip
        admin.execute("DROP DATABASE IF EXISTS rasa")
        admin.execute("CREATE DATABASE rasa")
    with psycopg.connect(
        host="127.0.0.1", port=server.port, user=server.user, password=server.password, dbname=server.db
    ) as target:
        target.execute(
            "CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255)"
            " NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
        )
        with target.cursor() as cursor:
            cursor.executemany("INSERT INTO events VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)


def _endpoints(tmp_path, server) -> Path:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: 127.0.0.1\n"
        f"  port: {server.port}\n  db: rasa\n  username: rasa\n  password: ${{PG_PASSWORD}}\n"
    )
    return endpoints


def test_the_store_copied_into_postgresql_gives_the_same_conversations(postgres, tmp_path, monkeypatch):
    _copy_store_into(postgres)
    monkeypatch.setenv("PG_PASSWORD", postgres.password)
    source = open_source(endpoints=_endpoints(tmp_path, postgres))
    sqlite_source = open_source(endpoints=STORE / "endpoints.yml")
    assert sorted(source.summaries(), key=lambda s: s.sender) == sorted(
        sqlite_source.summaries(), key=lambda s: s.sender
    )
    for sender in ("user-anna", "user-ben", "user-cleo"):
        assert source.tracker(sender).events == sqlite_source.tracker(sender).events


def test_postgresql_wrong_password_and_unreachable_server_are_clear_errors(postgres, tmp_path, monkeypatch):
    monkeypatch.setenv("PG_PASSWORD", "Xyzzy-42")
    with pytest.raises(DataError, match="password authentication failed") as caught:
        open_source(endpoints=_endpoints(tmp_path, postgres))
    assert "Check `username:` and `password:`" in str(caught.value)
    assert "Xyzzy-42" not in str(caught.value)
    endpoints = tmp_path / "down.yml"
    endpoints.write_text(
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: 127.0.0.1\n  port: 1\n  db: rasa\n"
    )
    with pytest.raises(DataError, match="cannot connect to postgresql://127.0.0.1:1/rasa") as caught:
        open_source(endpoints=endpoints)
    assert "Check that the server runs" in str(caught.value)
