"""The in-memory model of stories, rules and test stories, shared by the Markdown and YAML formats.

A story is a list of steps in the order they were written. The model is a faithful syntax tree, not
yet a dialogue: checkpoints stay where they stand and `form:` prefixes stay on their steps, so that
read -> write -> read is the identity in either format. Turning stories into trackers for training
is done elsewhere (core/training_data/trackers.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.errors import Location

# The 1.x prefix on a user or action line that the active form handled (`* form: inform`); YAML keeps
# it inside the name (`intent: "form: inform"`).
FORM_PREFIX = "form: "


@dataclass
class UserStep:
    """A user turn: an intent with entities, and/or the user's text (end-to-end stories).

    `entities` are dicts in Rasa's wire format; `start`/`end` are present only when `text` is.
    `form` is the 1.x `* form: intent` prefix: the active form handled this input itself.
    """

    intent: str | None = None
    entities: list[dict] = field(default_factory=list)
    text: str | None = None
    form: bool = False
    location: Location | None = field(default=None, compare=False, repr=False)


@dataclass
class ActionStep:
    """A bot action by name, or a bot utterance by text (`bot:` in end-to-end stories).

    `form` is the 1.x `- form: action` prefix: the step was run by the active form's loop.
    """

    name: str | None = None
    bot_text: str | None = None
    form: bool = False
    location: Location | None = field(default=None, compare=False, repr=False)


@dataclass
class SlotStep:
    """Slots set at this point (`- slot{...}` in Markdown, `slot_was_set` in YAML), in order.

    `by_name` lists the slots written by name only (YAML `- slot_name`): their value in `slots` is
    None and the domain decides the real one (Rasa uses "filled" for text, True for bool slots).
    """

    slots: dict[str, Any] = field(default_factory=dict)
    by_name: list[str] = field(default_factory=list)
    location: Location | None = field(default=None, compare=False, repr=False)


@dataclass
class ActiveLoopStep:
    """A loop (form) becoming active, or None when it ends (`form{"name": ..}` / `active_loop`)."""

    name: str | None = None
    location: Location | None = field(default=None, compare=False, repr=False)


@dataclass
class EventStep:
    """Any other event written in a story by its story name (`- restart`, `- form_validation{..}`)."""

    event: str
    params: dict[str, Any] = field(default_factory=dict)
    location: Location | None = field(default=None, compare=False, repr=False)


@dataclass
class CheckpointStep:
    """A checkpoint (`> name` / `checkpoint: name`), optionally with slot conditions."""

    name: str
    conditions: dict[str, Any] = field(default_factory=dict)
    location: Location | None = field(default=None, compare=False, repr=False)


@dataclass
class OrStep:
    """Alternatives at one position: `* a OR b` in Markdown, `or:` in YAML."""

    alternatives: list[UserStep | SlotStep] = field(default_factory=list)
    location: Location | None = field(default=None, compare=False, repr=False)


Step = UserStep | ActionStep | SlotStep | ActiveLoopStep | EventStep | CheckpointStep | OrStep


@dataclass
class Story:
    """A story, a rule (`kind="rule"`) or a test story; test stories are stories read from tests.

    Rules carry their `condition` steps, `conversation_start` and `wait_for_user_input` flags.
    """

    name: str
    steps: list[Step] = field(default_factory=list)
    kind: str = "story"
    condition: list[Step] = field(default_factory=list)
    conversation_start: bool = False
    wait_for_user_input: bool = True
    metadata: dict[str, Any] = field(default_factory=dict)
    location: Location | None = field(default=None, compare=False, repr=False)

    @property
    def is_rule(self) -> bool:
        return self.kind == "rule"
