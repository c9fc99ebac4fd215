"""What a teaching session holds besides its model: the conversations, the domain entries the
person defined, and the record of what was exported where.

The conversations' events are the only record of what was taught: the examples, stories and the
domain entries an export writes are derived from the events in effect at export time (undo and
fork drop what they drop). `DomainAdditions` only defines what a new name means (a response's
text), so that it can run and be exported if an event still uses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.tracker import DialogueStateTracker


@dataclass
class Conversation:
    """One conversation of the session: the first one, a fork, a fresh start."""

    name: str
    tracker: DialogueStateTracker

    @property
    def id(self) -> str:
        return self.tracker.sender_id

    def has_user_turns(self) -> bool:
        return bool(self.tracker.user_turns())


@dataclass
class DomainAdditions:
    """Names the person created in the session, in order; a new response with its text."""

    intents: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    responses: dict[str, str] = field(default_factory=dict)


@dataclass
class ExportLedger:
    """What earlier exports of this session wrote, so that the next one updates it in place.

    `stories`: stories file -> conversation id -> the story's name there; `examples`: NLU file ->
    the example lines (intent, markup) this session added; `events`: conversation id -> how many
    of its events the latest export covered."""

    stories: dict[str, dict[str, str]] = field(default_factory=dict)
    examples: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)


@dataclass
class SessionState:
    """Everything a session's journal restores."""

    id: str
    e2e: bool = False
    conversations: list[Conversation] = field(default_factory=list)
    additions: DomainAdditions = field(default_factory=DomainAdditions)
    ledger: ExportLedger = field(default_factory=ExportLedger)
    discarded: bool = False

    def exportable(self) -> list[Conversation]:
        """Conversations with at least one user message in effect."""
        return [c for c in self.conversations if c.has_user_turns()]

    def unexported(self) -> bool:
        """Teaching that no export covers yet (a conversation changed since it was exported)."""
        return any(
            self.ledger.events.get(c.id) != len(c.tracker.events)
            for c in self.conversations
            if c.has_user_turns() or c.id in self.ledger.events
        )

    def user_turns(self) -> int:
        return sum(len(c.tracker.user_turns()) for c in self.conversations)
