"""The interactive session without any UI: conversations, the question being asked, and what the
person taught the bot so far.

The app shows one `Question` at a time and answers it through the methods here, which run in a
worker thread (they may parse, predict or call the action server). Every event a step appends is
written to the session journal under `.botcoach/` before the method returns, so nothing the screen
shows can be lost by a crash. Corrections (NLU examples, new intents, responses and actions) are
collected in `Teachings` for export.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.domain import Intent
from core.errors import DataError
from core.events import ActionExecuted, Event, UserUttered
from core.nlu.intent_message import is_intent_message, parse_intent_message
from core.runtime.agent import Agent, Prediction
from core.tracker import ACTION_LISTEN, DialogueStateTracker
from core.training_data.markup import parse_markup
from core.training_data.nlu_model import Example

USER_INPUT = "user_input"
NLU = "nlu"
ACTION = "action"
VALIDATE = "validate"


@dataclass
class Question:
    """What the person is asked now; `parse` for NLU, `prediction` for an action, `action` and
    `slot` for the form validation question, `warning` for a contradiction to acknowledge.
    Which keys answer it is the app's business (its bindings can be remapped)."""

    kind: str
    text: str
    parse: dict[str, Any] | None = None
    prediction: Prediction | None = None
    action: str | None = None
    slot: str | None = None
    warning: str | None = None


@dataclass
class Conversation:
    """One conversation of the session: the first one, a fork, or a fresh start."""

    name: str
    tracker: DialogueStateTracker


@dataclass
class Teachings:
    """What the person added during the session, in the order it was added (for export)."""

    examples: list[Example] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    responses: dict[str, str] = field(default_factory=dict)

    def add_example(self, text: str, intent: str, entities: list[dict]) -> None:
        if not any(e.text == text and e.intent == intent for e in self.examples):
            self.examples.append(Example(text, intent, [dict(e) for e in entities]))


class Session:
    """The conversations of one `botcoach interactive` run and the question being asked."""

    def __init__(
        self, agent: Agent, journal_dir: str | Path = ".botcoach", sender_id: str | None = None, e2e: bool = False
    ):
        self.agent = agent
        self.e2e = e2e
        self.session_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.journal = Path(journal_dir) / f"journal-{self.session_id}.jsonl"
        self.teachings = Teachings()
        self.conversations: list[Conversation] = []
        self.unsaved = False
        self.model_label = ""
        # The project's stories, for the form validation contradiction warning and the graph:
        # read (in a worker) on first use, and again after an export wrote new ones.
        self.load_training_stories: Callable[[], list] = list
        self._training_stories: list | None = None
        self._training_trackers: list | None = None
        self.exported: dict[str, int] = {}  # conversation id -> events already exported
        self._new_conversation(agent.create_tracker(sender_id or uuid.uuid4().hex), "conversation 1")
        self.question = Question(USER_INPUT, "Next user input")

    # -- state ----------------------------------------------------------------------------------

    @property
    def current(self) -> Conversation:
        return self.conversations[-1]

    @property
    def tracker(self) -> DialogueStateTracker:
        return self.current.tracker

    @property
    def domain(self):
        return self.agent.domain

    @property
    def training_stories(self) -> list:
        if self._training_stories is None:
            self._training_stories = self.load_training_stories()
        return self._training_stories

    @training_stories.setter
    def training_stories(self, stories: list) -> None:
        self._training_stories = stories
        self._training_trackers = None

    def training_trackers(self) -> list:
        """The stories as trackers (for the graph), computed once per version of the stories."""
        trackers = self._training_trackers
        if trackers is None:
            from core.training_data.trackers import training_trackers

            trackers = training_trackers(self.training_stories, self.domain, augmentation_factor=0)
            self._training_trackers = trackers
        return trackers

    def mark_training_changed(self) -> None:
        """The project's stories changed on disk (an export): read them again on next use."""
        self._training_stories = None
        self._training_trackers = None

    def intent_names(self) -> list[str]:
        return list(dict.fromkeys([*self.domain.all_intent_names, *self.teachings.intents]))

    def action_names(self) -> list[str]:
        return list(dict.fromkeys([*self.domain.action_names, *self.teachings.actions]))

    def latest_buttons(self) -> list[dict[str, Any]]:
        """Buttons of the bot's latest message while the bot listens: choosable as user input."""
        if self.question.kind != USER_INPUT:
            return []
        message = self.tracker.latest_bot_utterance
        history = self.tracker.applied_events()
        last_user = max((i for i, e in enumerate(history) if isinstance(e, UserUttered)), default=-1)
        if message is None or not any(e is message for e in history[last_user + 1 :]):
            return []
        return [b for b in (message.data or {}).get("buttons") or [] if isinstance(b, dict) and b.get("payload")]

    # -- the steps (called from a worker thread) ------------------------------------------------

    def submit(self, text: str) -> Question:
        """A user message typed (or a button's payload). `/intent{..}` states its own parse and
        skips the NLU question; an unknown `/intent` is refused with the known ones named."""
        text = text.strip()
        if not text:
            raise DataError("the message is empty", hint="type what the user says, or /intent_name")
        if is_intent_message(text):
            stated = parse_intent_message(text, self.intent_names())
            if stated is None:
                name = text[1:].split("{", 1)[0].split("@", 1)[0].strip()
                raise DataError(
                    f"unknown intent '{name}': the domain has no such intent",
                    hint="known intents: "
                    + ", ".join(self.intent_names())
                    + "; or type the message as text and create the intent when asked",
                )
            return self.confirm_parse(stated)
        parse = self.agent.parse(text)
        intent = (parse.get("intent") or {}).get("name") or "None"
        self.question = Question(
            NLU, f"Is the NLU classification for '{text}' with intent '{intent}' correct?", parse=parse
        )
        return self.question

    def correct_parse(self, intent: str | None = None, markup: str | None = None) -> dict[str, Any]:
        """The pending parse with another intent and/or entities given in markup (validated: the
        markup must read and give back the same text, entity names must be in the domain)."""
        parse = dict(self.question.parse or {})
        if intent is not None:
            ranking = parse.get("intent_ranking") or []
            confidence = next((r.get("confidence") for r in ranking if r.get("name") == intent), 1.0)
            parse["intent"] = {"name": intent, "confidence": confidence}
        if markup is not None:
            parse["entities"] = self.entities_from_markup(markup, parse.get("text") or "")
        return parse

    def entities_from_markup(self, markup: str, text: str) -> list[dict]:
        plain, entities = parse_markup(markup)
        if plain != text:
            raise DataError(
                f"the markup reads as '{plain}', not as the message '{text}'",
                hint="only add [brackets](entity) around words; do not change the text",
            )
        known = set(self.domain.entities) | set(self.teachings.entities)
        unknown = sorted({e["entity"] for e in entities} - known)
        if unknown:
            raise DataError(
                f"unknown entity {', '.join(repr(u) for u in unknown)}: not in the domain",
                hint="known entities: " + (", ".join(sorted(known)) or "(none)"),
            )
        return entities

    def add_intent(self, name: str) -> None:
        name = name.strip()
        if not name or any(c in name for c in " {}[]()/\"'"):
            raise DataError(f"'{name}' cannot be an intent name", hint="use letters, digits and _ only")
        if name not in self.intent_names():
            self.teachings.intents.append(name)
            self.unsaved = True
        # Known to the domain from now on: pickers list it and `/name` is understood. The trained
        # policies do not know it (their featurizer is fixed), so they predict as for no intent.
        self.domain.intents.setdefault(name, Intent())

    def confirm_parse(self, parse: dict[str, Any]) -> Question:
        """Log the (corrected) user message, keep it as an NLU example, then ask about actions."""
        text = parse.get("text") or ""
        intent = (parse.get("intent") or {}).get("name")
        if text and intent and not is_intent_message(text):
            self.teachings.add_example(text, intent, parse.get("entities") or [])
            self.unsaved = True
        self._record(self.agent.handle_user(self.tracker, parse))
        return self.ask_next_action()

    def ask_next_action(self) -> Question:
        prediction = self.agent.predict(self.tracker)
        self.question = Question(ACTION, f"The bot wants to run '{prediction.action}', correct?", prediction=prediction)
        return self.question

    def validation_question(self, action: str) -> Question | None:
        """The form's "should it validate?" question before `action` runs, when forms asks it."""
        from forms.validation_question import needs_validation_question

        asked = needs_validation_question(self.tracker, action)
        if asked is None:
            return None
        form, slot = asked
        self.question = Question(
            VALIDATE,
            f"Should '{form}' validate user input to fill the slot '{slot}'?",
            prediction=self.question.prediction,
            action=action,
            slot=str(slot),
        )
        return self.question

    def answer_validation(self, validate: bool) -> Question:
        """Apply the answer, run the form, and carry a warning when training stories say otherwise."""
        from forms.validation_question import apply_validation_answer, contradiction_warning, follow_answer

        asked = self.question
        self._record(apply_validation_answer(self.tracker, validate))
        warning = contradiction_warning(self.training_stories, self.tracker, validate)
        prediction = follow_answer(asked.prediction) if asked.prediction is not None else None
        self.question = Question(ACTION, asked.text, prediction=prediction)
        next_question = self.run_action(asked.action or "", ask_validation=False)
        next_question.warning = warning
        return next_question

    def run_action(self, name: str, ask_validation: bool = True) -> Question:
        """Run `name` (ActionServerError propagates with nothing appended); then the next question."""
        if ask_validation:
            asked = self.validation_question(name)
            if asked is not None:
                return asked
        prediction = self.question.prediction
        self._record(self.agent.execute(self.tracker, name, prediction))
        self.unsaved = True
        if name == ACTION_LISTEN:
            self.question = Question(USER_INPUT, "Next user input")
            return self.question
        return self.ask_next_action()

    def log_without_effect(self, name: str) -> Question:
        """Go on after a failed custom action: logged as run, without its events (as Rasa does)."""
        events = [ActionExecuted(name)]
        self.tracker.update_all(events)
        self._record(events)
        self.unsaved = True
        return self.ask_next_action()

    def add_action(self, name: str, response_text: str | None = None) -> None:
        """A new action for this session; an `utter_` one says `response_text` from now on."""
        name = name.strip()
        if not name.isidentifier():
            raise DataError(f"'{name}' cannot be an action name", hint="use letters, digits and _ only")
        if name.startswith("utter_"):
            if not (response_text or "").strip():
                raise DataError(f"'{name}' needs the text the bot says", hint="type the response text")
            self.domain.responses.setdefault(name, []).append({"text": response_text.strip()})
            self.teachings.responses[name] = response_text.strip()
        if name not in self.teachings.actions and name not in self.domain.action_names:
            self.teachings.actions.append(name)
        self.unsaved = True

    def can_undo(self) -> bool:
        return self.agent.can_undo(self.tracker)

    def undo(self) -> Question:
        """Take back the latest step; the question becomes the one that step answered."""
        self._record(self.agent.undo(self.tracker))
        steps = [
            e for e in self.tracker.applied_events(collapse_loops=False) if isinstance(e, (ActionExecuted, UserUttered))
        ]
        if not steps or (isinstance(steps[-1], ActionExecuted) and steps[-1].name == ACTION_LISTEN):
            self.question = Question(USER_INPUT, "Next user input")
            return self.question
        return self.ask_next_action()

    def user_messages(self) -> list[str]:
        return [m.text or f"/{m.intent_name}" for _, m in self.tracker.user_turns()]

    def fork(self, before_user_turn: int) -> Question:
        """A new conversation that branches off before user message `before_user_turn`."""
        forked = self.tracker.fork(before_user_turn)
        branch = DialogueStateTracker(uuid.uuid4().hex, forked.slot_defaults, forked.events)
        self._new_conversation(branch, f"conversation {len(self.conversations) + 1} (fork)")
        return self.undo_to_listen()

    def start_fresh(self) -> Question:
        self._new_conversation(
            self.agent.create_tracker(uuid.uuid4().hex), f"conversation {len(self.conversations) + 1}"
        )
        self.question = Question(USER_INPUT, "Next user input")
        return self.question

    def undo_to_listen(self) -> Question:
        self.question = Question(USER_INPUT, "Next user input")
        return self.question

    def exportable(self) -> list[Conversation]:
        """Conversations with at least one user message in effect."""
        return [c for c in self.conversations if c.tracker.user_turns()]

    # -- journal --------------------------------------------------------------------------------

    def _new_conversation(self, tracker: DialogueStateTracker, name: str) -> None:
        self.conversations.append(Conversation(name, tracker))
        self._journal(
            [{"conversation": tracker.sender_id, "started": name, "events": [e.as_dict() for e in tracker.events]}]
        )

    def _record(self, events: list[Event]) -> None:
        self._journal([{"conversation": self.tracker.sender_id, "event": e.as_dict()} for e in events])

    def _journal(self, lines: list[dict[str, Any]]) -> None:
        """Append to the journal and flush to disk; a failing disk must not end the session."""
        try:
            self.journal.parent.mkdir(parents=True, exist_ok=True)
            with self.journal.open("a", encoding="utf-8") as handle:
                for line in lines:
                    handle.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
                handle.flush()
        except OSError as error:
            self.journal_problem = f"cannot write the journal {self.journal}: {error.strerror or error}"

    journal_problem: str | None = None


def executed(tracker: DialogueStateTracker) -> list[str]:
    """Names of the actions in effect, in order (tests and the status line use it)."""
    return [e.name for e in tracker.applied_events() if isinstance(e, ActionExecuted) and e.name]
