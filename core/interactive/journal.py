"""The session journal: every step of a teaching session, on disk before the screen shows it.

One JSON object per line in `.botcoach/journal-<id>.jsonl`. The records:

    {"session": {"id", "created", "e2e", "model", "data", "domain"}}   first line
    {"conversation": id, "started": name, "events": [...]}             a new conversation
    {"conversation": id, "event": {...}}                               an event in it
    {"define": {"intent" | "entity" | "action": name}}                 a name the person created
    {"define": {"response": name, "text": text}}
    {"asked": {"kind": "nlu", "text": ...} | {"kind": "validate", "action": ...} | {"kind": ...}}
    {"exporting": {"stories": {path: {conversation: name}}}}           before an export writes
    {"exported": {"events": {...}, "examples": {path: [[intent, markup], ...]}}}  after it wrote
    {"discarded": true}

A session is finished when it was discarded, or when its latest export covers every
conversation. Replaying the lines gives the `SessionState` back; a torn last line (the process
was killed while writing it) is ignored, since the screen never showed what it held.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import DataError, Location
from core.events import event_from_dict, events_from_dicts
from core.interactive.state import Conversation, SessionState
from core.tracker import DialogueStateTracker

JOURNAL_DIR = ".botcoach"
_PREFIX, _SUFFIX = "journal-", ".jsonl"
Record = dict[str, Any]


def new_session_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]


def journal_path(folder: str | Path, session_id: str) -> Path:
    return Path(folder) / f"{_PREFIX}{session_id}{_SUFFIX}"


class Journal:
    """Appends records, flushed and fsynced before `write` returns. A failing disk does not end
    the session: `problem` says what went wrong (the app shows it at once), and later writes
    try again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problem: str | None = None

    def write(self, records: Iterable[Record]) -> None:
        lines = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records)
        if not lines:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(lines)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:
            self.problem = f"cannot write the session journal {self.path}: {error.strerror or error}"
            return
        self.problem = None


def read_records(path: Path) -> list[Record]:
    """The journal's records; a torn last line is dropped, a damaged line elsewhere is an error."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"cannot read the session journal: {error}", Location(path)) from error
    records: list[Record] = []
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            if number == last:
                break
            raise DataError(
                "a damaged line in the session journal", Location(path, number + 1), "discard the session"
            ) from None
        if isinstance(record, dict):
            records.append(record)
    return records


@dataclass
class Replayed:
    """A journal read back: the state, the question last asked, and what the header says."""

    state: SessionState
    header: Record
    asked: Record | None


def replay(path: Path, slot_defaults: dict[str, Any] | None = None) -> Replayed:
    """The session as its journal left it."""
    records = read_records(path)
    header: dict[str, Any] = next((r["session"] for r in records if isinstance(r.get("session"), dict)), {})
    state = SessionState(str(header.get("id") or _session_id_of(path)), bool(header.get("e2e")))
    trackers: dict[str, DialogueStateTracker] = {}
    asked: Record | None = None
    try:
        for record in records:
            asked = _apply(record, state, trackers, slot_defaults or {}) or asked
    except (KeyError, TypeError, ValueError, DataError) as error:
        raise DataError(
            f"the session journal cannot be replayed ({error})", Location(path), "discard the session"
        ) from error
    return Replayed(state, header, asked)


def _apply(
    record: Record, state: SessionState, trackers: dict[str, DialogueStateTracker], slot_defaults: dict[str, Any]
) -> Record | None:
    """Apply one record; returns it when it is a question asked."""
    if "started" in record:
        tracker = DialogueStateTracker(record["conversation"], slot_defaults, events_from_dicts(record["events"]))
        trackers[tracker.sender_id] = tracker
        state.conversations.append(Conversation(record["started"], tracker))
    elif "event" in record:
        trackers[record["conversation"]].update(event_from_dict(record["event"]))
    elif "define" in record:
        _define(record["define"], state)
    elif "asked" in record:
        return record["asked"]
    elif "exporting" in record:
        for path, names in record["exporting"].get("stories", {}).items():
            state.ledger.stories.setdefault(path, {}).update(names)
    elif "exported" in record:
        state.ledger.events.update(record["exported"].get("events", {}))
        for path, lines in record["exported"].get("examples", {}).items():
            state.ledger.examples[path] = [(str(intent), str(markup)) for intent, markup in lines]
    elif record.get("discarded"):
        state.discarded = True
    return None


def _define(definition: Record, state: SessionState) -> None:
    additions = state.additions
    if "response" in definition:
        additions.responses[definition["response"]] = definition["text"]
    for kind, names in (("intent", additions.intents), ("entity", additions.entities), ("action", additions.actions)):
        name = definition.get(kind)
        if name and name not in names:
            names.append(name)


def _session_id_of(path: Path) -> str:
    return path.name.removeprefix(_PREFIX).removesuffix(_SUFFIX)


@dataclass
class SessionSummary:
    """One journal, as `botcoach sessions` lists it."""

    id: str
    path: Path
    changed: float  # when the journal was last written (epoch seconds)
    conversations: int
    user_turns: int
    exported: bool  # some export happened
    finished: bool
    problem: str | None = None  # a journal that cannot be read

    @property
    def status(self) -> str:
        if self.problem:
            return "unreadable"
        if self.finished:
            return "discarded" if not self.exported else "exported"
        return "partly exported" if self.exported else "not exported"


def summarize(path: Path) -> SessionSummary:
    changed = path.stat().st_mtime
    try:
        replayed = replay(path)
    except DataError as error:
        return SessionSummary(_session_id_of(path), path, changed, 0, 0, False, False, error.message)
    state = replayed.state
    return SessionSummary(
        state.id,
        path,
        changed,
        len(state.exportable()),
        state.user_turns(),
        bool(state.ledger.events),
        is_finished(state),
    )


def is_finished(state: SessionState) -> bool:
    return state.discarded or not state.unexported()


def list_sessions(folder: str | Path) -> list[SessionSummary]:
    """Every session journal in `folder`, the most recently changed first."""
    paths = sorted(Path(folder).glob(f"{_PREFIX}*{_SUFFIX}")) if Path(folder).is_dir() else []
    summaries = []
    for path in paths:
        with contextlib.suppress(OSError):  # a journal deleted meanwhile
            summaries.append(summarize(path))
    return sorted(summaries, key=lambda s: -s.changed)


def find_session(folder: str | Path, wanted: str | None) -> SessionSummary:
    """The unfinished session `wanted` (an id or its unique start), or the newest unfinished one."""
    sessions = [s for s in list_sessions(folder) if wanted or not s.finished]
    if wanted:
        sessions = [s for s in sessions if s.id == wanted] or [s for s in sessions if s.id.startswith(wanted)]
    if len(sessions) == 1 or (sessions and not wanted):
        return sessions[0]
    known = ", ".join(s.id for s in list_sessions(folder)) or "none"
    what = f"no session '{wanted}'" if not sessions else f"'{wanted}' matches {len(sessions)} sessions"
    if not wanted:
        what = "no unfinished session"
    raise DataError(f"{what} in {folder}", hint=f"sessions there: {known} (see `botcoach sessions`)")
