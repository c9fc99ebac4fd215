"""A teaching session without any UI: its conversations and the question being asked.

The app shows one `Question` at a time and answers it through the methods here, which run in a
worker thread (they may parse, predict or call the action server). Every event a step appends is
written to the session journal before the method returns, so nothing the screen shows can be lost
by a crash, and `Session.resume` rebuilds the session from it.

What the person teaches is in the conversations' events and nowhere else: examples, stories and
new domain entries are derived from the events in effect when exporting (core.interactive.export).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from core.domain import Domain, Intent
from core.errors import DataError
from core.events import ActionExecuted, Event, UserUttered
from core.interactive.consistency import ConsistencyCheck
from core.interactive.export import ExportPaths, ExportPlan, Progress, apply_to_state, plan_export, write_plan
from core.interactive.journal import JOURNAL_DIR, Journal, Record, journal_path, new_session_id, replay
from core.interactive.questions import Question, QuestionKind, user_input
from core.interactive.replay import StoredConversation, StoredTurn, action_note, parse_note, stored_conversation
from core.interactive.state import Conversation, SessionState
from core.interactive.validation_question import (
    apply_validation_answer,
    contradiction_warning,
    follow_answer,
    needs_validation_question,
)
from core.nlu.intent_message import is_intent_message, parse_intent_message
from core.nlu.parse import Entity, Parse, intent_name
from core.runtime.agent import Agent
from core.tracker import ACTION_LISTEN, DialogueStateTracker
from core.training_data.markup import parse_markup, to_markup
from core.training_data.story_model import Story
from core.training_data.trackers import TrainingTracker, training_trackers


@dataclass
class ProjectFiles:
    """Where the session's project lives (recorded in the journal, for `botcoach sessions`)."""

    data: list[str]
    domain: str
    model: str = ""


def nlu_question_text(text: str, parse: Parse) -> str:
    """The NLU question, the message in markup so that the entities found show in it (as Rasa
    asks it): 'a [mexican](cuisine) place'."""
    shown = intent_name(parse) or "None"
    return (
        f"Is the NLU classification for '{to_markup(text, parse.get('entities') or [])}' with intent '{shown}' correct?"
    )


class Session:
    """The conversations of one teaching session and the question being asked."""

    def __init__(
        self,
        agent: Agent,
        journal_dir: str | Path = JOURNAL_DIR,
        sender_id: str | None = None,
        e2e: bool = False,
        project: ProjectFiles | None = None,
        state: SessionState | None = None,
    ):
        self.agent = agent
        resumed = state is not None
        self.state = state or SessionState(new_session_id(), e2e)
        self.journal = Journal(journal_path(journal_dir, self.state.id))
        self.model_label = ""
        # The project's stories and rules: for the form validation warning, the consistency check
        # and the graph. Read (in a worker) on first use, and again after an export wrote new ones.
        self.load_training_stories: Callable[[], list[Story]] = list
        self._training_stories: list[Story] | None = None
        self._training_trackers: list[TrainingTracker] | None = None
        self._consistency: ConsistencyCheck | None = None
        self._warned: set[tuple[str, str]] = set()  # (conversation, problem) already shown
        self.replays: dict[str, StoredConversation] = {}  # conversation id -> the stored one it replays
        self._edits: dict[str, _Edit] = {}  # conversation id -> the edit whose replay is running
        self.question = user_input()
        if not resumed:
            header = {"id": self.state.id, "created": time.time(), "e2e": e2e, **vars(project or ProjectFiles([], ""))}
            self.journal.write([{"session": header}])
            self._new_conversation(agent.create_tracker(sender_id or uuid.uuid4().hex), "conversation 1")

    @classmethod
    def resume(cls, agent: Agent, path: Path) -> Session:
        """The session journaled at `path`, with the question it was asking (the parse and the
        prediction are made again by `agent`)."""
        replayed = replay(path, agent.domain.slot_defaults())
        session = cls(agent, path.parent, state=replayed.state)
        for intent in replayed.state.additions.intents:
            agent.domain.intents.setdefault(intent, Intent())
        for name, text in replayed.state.additions.responses.items():
            agent.domain.responses.setdefault(name, [{"text": text}])
        session.question = session._ask_again(replayed.asked)
        return session

    def _ask_again(self, asked: Record | None) -> Question:
        if not self.state.conversations:
            self._new_conversation(self.agent.create_tracker(uuid.uuid4().hex), "conversation 1")
        kind = (asked or {}).get("kind")
        if kind == QuestionKind.NLU.value:
            return self.submit(str(asked["text"]))  # type: ignore[index]
        if kind == QuestionKind.VALIDATE.value:
            self.ask_next_action()
            return self.validation_question(str(asked["action"])) or self.question  # type: ignore[index]
        if kind == QuestionKind.ACTION.value:
            return self.ask_next_action()
        return self._ask(user_input())

    # -- state ----------------------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self.state.id

    @property
    def conversations(self) -> list[Conversation]:
        return self.state.conversations

    @property
    def current(self) -> Conversation:
        return self.state.conversations[-1]

    @property
    def tracker(self) -> DialogueStateTracker:
        return self.current.tracker

    @property
    def domain(self) -> Domain:
        return self.agent.domain

    @property
    def e2e(self) -> bool:
        return self.state.e2e

    @property
    def unsaved(self) -> bool:
        """Teaching that no export has written yet."""
        return self.state.unexported()

    @property
    def journal_problem(self) -> str | None:
        return self.journal.problem

    @property
    def training_stories(self) -> list[Story]:
        """The project's stories and rules, without the stories this session exported (those are
        its own conversations: checking them against themselves would find old versions). Read
        once: an export writes only this session's stories, so the rest stays as read."""
        if self._training_stories is None:
            own = {name for names in self.state.ledger.stories.values() for name in names.values()}
            self._training_stories = [s for s in self.load_training_stories() if s.name not in own]
        return self._training_stories

    def training_trackers(self) -> list[TrainingTracker]:
        """The project's stories and rules as trackers, computed once per version of the files."""
        if self._training_trackers is None:
            self._training_trackers = training_trackers(self.training_stories, self.domain, augmentation_factor=0)
        return self._training_trackers

    def intent_names(self) -> list[str]:
        return list(dict.fromkeys([*self.domain.all_intent_names, *self.state.additions.intents]))

    def entity_names(self) -> list[str]:
        return list(dict.fromkeys([*self.domain.entities, *self.state.additions.entities]))

    def action_names(self) -> list[str]:
        return list(dict.fromkeys([*self.domain.action_names, *self.state.additions.actions]))

    def latest_buttons(self) -> list[dict[str, Any]]:
        """Buttons of the bot's latest message while the bot listens: choosable as user input."""
        if self.question.kind != QuestionKind.USER_INPUT:
            return []
        message = self.tracker.latest_bot_utterance
        history = self.tracker.applied_events()
        last_user = max((i for i, e in enumerate(history) if isinstance(e, UserUttered)), default=-1)
        if message is None or not any(e is message for e in history[last_user + 1 :]):
            return []
        return [b for b in (message.data or {}).get("buttons") or [] if isinstance(b, dict) and b.get("payload")]

    def user_messages(self) -> list[str]:
        return [m.text or f"/{m.intent_name}" for _, m in self.tracker.user_turns()]

    def can_undo(self) -> bool:
        return self.question.kind == QuestionKind.NLU or self.agent.can_undo(self.tracker)

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
        return self._ask(Question(QuestionKind.NLU, nlu_question_text(text, parse), parse))

    def correct_parse(self, intent: str | None = None, markup: str | None = None) -> Parse:
        """The pending parse with another intent and/or entities given in markup (validated: the
        markup must read and give back the same text, entity names must be known)."""
        parse: Parse = dict(self.question.parse or {})  # type: ignore[assignment]
        if intent is not None:
            ranking = parse.get("intent_ranking") or []
            confidence = next((r.get("confidence") for r in ranking if r.get("name") == intent), 1.0)
            parse["intent"] = {"name": intent, "confidence": confidence}
        if markup is not None:
            parse["entities"] = self.entities_from_markup(markup, parse.get("text") or "")
        return parse

    def entities_from_markup(self, markup: str, text: str) -> list[Entity]:
        plain, entities = parse_markup(markup)
        if plain != text:
            raise DataError(
                f"the markup reads as '{plain}', not as the message '{text}'",
                hint="only add [brackets](entity) around words; do not change the text",
            )
        known = set(self.entity_names())
        unknown = sorted({e["entity"] for e in entities} - known)
        if unknown:
            raise DataError(
                f"unknown entity {', '.join(repr(u) for u in unknown)}: not in the domain",
                hint="known entities: " + (", ".join(sorted(known)) or "(none)"),
            )
        return entities  # type: ignore[return-value]

    def add_intent(self, name: str) -> None:
        """A new intent, known from now on: pickers list it and `/name` is understood. The trained
        policies do not know it (their featurizer is fixed), so they predict as for no intent."""
        name = name.strip()
        if not name or any(c in name for c in " {}[]()/\"'"):
            raise DataError(f"'{name}' cannot be an intent name", hint="use letters, digits and _ only")
        if name not in self.intent_names():
            self.state.additions.intents.append(name)
            self.journal.write([{"define": {"intent": name}}])
        self.domain.intents.setdefault(name, Intent())

    def add_entity(self, name: str) -> None:
        name = name.strip()
        if not name.isidentifier():
            raise DataError(f"'{name}' cannot be an entity name", hint="use letters, digits and _ only")
        if name not in self.entity_names():
            self.state.additions.entities.append(name)
            self.journal.write([{"define": {"entity": name}}])

    def add_action(self, name: str, response_text: str | None = None) -> None:
        """A new action for this session; an `utter_` one says `response_text` from now on."""
        name = name.strip()
        if not name.isidentifier():
            raise DataError(f"'{name}' cannot be an action name", hint="use letters, digits and _ only")
        records: list[Record] = []
        if name.startswith("utter_"):
            text = (response_text or "").strip()
            if not text:
                raise DataError(f"'{name}' needs the text the bot says", hint="type the response text")
            self.domain.responses.setdefault(name, []).append({"text": text})
            self.state.additions.responses.setdefault(name, text)
            records.append({"define": {"response": name, "text": text}})
        if name not in self.action_names():
            self.state.additions.actions.append(name)
            records.append({"define": {"action": name}})
        self.journal.write(records)

    def confirm_parse(self, parse: Parse) -> Question:
        """Log the (corrected) user message, then ask about the next action."""
        self._record(self.agent.handle_user(self.tracker, parse))
        return self.ask_next_action()

    def ask_next_action(self) -> Question:
        prediction = self.agent.predict(self.tracker)
        text = f"The bot wants to run '{prediction.action}', correct?"
        question = Question(QuestionKind.ACTION, text, prediction=prediction)
        stored = self.replays.get(self.current.id)
        turns = self.tracker.user_turns()
        if stored is not None and 0 < len(turns) <= len(stored.turns):
            turn = stored.turns[len(turns) - 1]
            question.disagreement = action_note(turn, self._actions_since_user(), prediction.action)
            if question.disagreement:
                question.text += f" ({question.disagreement})"
        return self._ask(question)

    def _actions_since_user(self) -> int:
        count = 0
        for event in reversed(self.tracker.applied_events()):
            if isinstance(event, UserUttered):
                break
            if isinstance(event, ActionExecuted):
                count += 1
        return count

    # -- stored conversations -------------------------------------------------------------------

    def replay_stored(self, stored: StoredConversation) -> Question:
        """A new conversation that replays `stored` turn by turn: each message is asked with the
        deployed bot's parse, noting where the current model now disagrees."""
        self._new_conversation(self.agent.create_tracker(uuid.uuid4().hex), f"from {stored.origin}")
        self.replays[self.current.id] = stored
        return self._next_stored_turn()

    def _next_stored_turn(self) -> Question:
        stored = self.replays.get(self.current.id)
        done = len(self.tracker.user_turns())
        if stored is None or done >= len(stored.turns):
            self._edits.pop(self.current.id, None)  # the edit's replay is over: undo steps again
            return self._ask(user_input())
        turn = stored.turns[done]
        model = self.agent.parse(turn.text)
        parse = cast(Parse, {**model, **turn.parse})
        text = nlu_question_text(turn.text, parse)
        question = Question(QuestionKind.NLU, text, parse, disagreement=parse_note(turn.parse, dict(model)))
        if question.disagreement:
            question.text += f" ({question.disagreement})"
        return self._ask(question)

    def validation_question(self, action: str) -> Question | None:
        """The form's "should it validate?" question before `action` runs, when it is asked."""
        spec = self.domain.forms.get(action)
        asked = needs_validation_question(self.tracker, action, (spec.required_slots or []) if spec else [])
        if asked is None:
            return None
        form, slot = asked
        text = f"Should '{form}' validate user input to fill the slot '{slot}'?"
        prediction = self.question.prediction
        return self._ask(Question(QuestionKind.VALIDATE, text, prediction=prediction, action=action, slot=str(slot)))

    def answer_validation(self, validate: bool) -> Question:
        """Apply the answer, run the form, and carry a warning when training stories say otherwise."""
        asked = self.question
        self._record(apply_validation_answer(self.tracker, validate))
        warning = contradiction_warning(self.training_stories, self.tracker, validate)
        prediction = follow_answer(asked.prediction) if asked.prediction is not None else None
        self.question = Question(QuestionKind.ACTION, asked.text, prediction=prediction)
        following = self.run_action(asked.action or "", ask_validation=False)
        following.warning = "\n\n".join(w for w in (warning, following.warning) if w) or None
        return following

    def run_action(self, name: str, ask_validation: bool = True) -> Question:
        """Run `name` (ActionServerError propagates with nothing appended); then the next question,
        carrying a warning when the step contradicts a rule or a training story."""
        if ask_validation:
            asked = self.validation_question(name)
            if asked is not None:
                return asked
        self._record(self.agent.execute(self.tracker, name, self.question.prediction))
        problems = [p for p in self.contradictions() if (self.current.id, p) not in self._warned]
        self._warned.update((self.current.id, p) for p in problems)
        following = self._next_stored_turn() if name == ACTION_LISTEN else self.ask_next_action()
        if problems:
            following.warning = "\n".join(problems)
        return following

    def log_without_effect(self, name: str) -> Question:
        """Go on after a failed custom action: logged as run, without its events (as Rasa does)."""
        events: list[Event] = [ActionExecuted(name)]
        self.tracker.update_all(events)
        self._record(events)
        return self.ask_next_action()

    def undo(self) -> Question:
        """Take back the latest step; the question becomes the one that step answered. While the
        replay started by an edit (`edit_turn`, `edit_action`) runs, undo takes the whole edit back.
        At the NLU question the message is not in the conversation yet: undo goes back to typing it."""
        if self.question.kind == QuestionKind.NLU:
            return self._ask(user_input())
        edit = self._edits.get(self.current.id)
        if edit is not None:
            return self._take_back(edit)
        self._record(self.agent.undo(self.tracker))
        steps = [
            e for e in self.tracker.applied_events(collapse_loops=False) if isinstance(e, (ActionExecuted, UserUttered))
        ]
        if not steps or (isinstance(steps[-1], ActionExecuted) and steps[-1].name == ACTION_LISTEN):
            return self._ask(user_input())
        return self.ask_next_action()

    def edit_turn(self, turn: int, intent: str | None = None, markup: str | None = None) -> Question:
        """Change the parse of past user message number `turn` (1-based): the conversation is taken
        back to before it (revert events), the edited message is logged, and the rest of the
        conversation is replayed, each later turn asked again with a note where the model's new
        predictions differ from what happened before."""
        turns = self.tracker.user_turns()
        if not 1 <= turn <= len(turns):
            raise DataError(f"no user turn {turn}: the conversation has {len(turns)}", hint="pick a row with a message")
        original = turns[turn - 1][1]
        parse = cast(Parse, {**original.parse_data, "text": original.text, "intent": original.intent})
        parse["entities"] = original.entities  # type: ignore[typeddict-item]
        asked, self.question = self.question, Question(QuestionKind.NLU, "", parse)
        try:
            edited = self.correct_parse(intent, markup)
        finally:
            self.question = asked
        self._start_edit(turns[turn - 1][0], f"edit of turn {turn}")
        return self.confirm_parse(edited)

    def bot_actions(self) -> list[tuple[int, ActionExecuted]]:
        """(index in `applied_events(collapse_loops=False)`, action) for every bot action in effect;
        `edit_action` numbers them in this order."""
        history = self.applied_events(collapse_loops=False)
        return [(i, e) for i, e in enumerate(history) if isinstance(e, ActionExecuted) and e.name]

    def edit_action(self, position: int, action: str) -> Question:
        """Run `action` instead of past bot action number `position` (0-based, as `bot_actions`
        lists them): the conversation is taken back to before that action, `action` runs, and the
        rest is replayed, each later step asked again with a note where the model's new
        predictions differ from what happened before. Undo during that replay takes it all back."""
        actions = self.bot_actions()
        if not 0 <= position < len(actions):
            raise DataError(f"no bot action {position + 1}: the conversation has {len(actions)}", hint="pick a bot row")
        if action not in self.action_names():
            raise DataError(f"unknown action '{action}'", hint="pick one of the domain's actions or create it first")
        index, ran = actions[position]
        if not any(isinstance(e, UserUttered) for e in self.applied_events(collapse_loops=False)[:index]):
            raise DataError(
                f"'{ran.name}' starts the conversation, before any user message", hint="pick an action after one"
            )
        self._start_edit(index, f"edit of action {position + 1}")
        self.ask_next_action()
        return self.run_action(action)

    def applied_events(self, collapse_loops: bool = True) -> list[Event]:
        return self.tracker.applied_events(collapse_loops=collapse_loops)

    def _start_edit(self, index: int, label: str) -> None:
        """Take the conversation back to its first `index` events in effect, remembering what
        followed (for undo) and replaying it from there: the steps after the edited one as they
        were, then whatever stored turns a replay had still to ask."""
        history = self.applied_events(collapse_loops=False)
        script = stored_conversation(DialogueStateTracker(self.current.id, None, history), label)
        replaying, asked = self.replays.get(self.current.id), self.question
        if replaying is not None:
            script = StoredConversation(script.origin, script.turns + replaying.turns[len(script.turns) :])
        elif asked.kind == QuestionKind.NLU and asked.parse is not None:  # typed, not yet confirmed
            script.turns.append(StoredTurn(asked.parse.get("text") or "", dict(asked.parse)))
        self._revert_to(index)
        self._edits[self.current.id] = _Edit(index, history[index:], replaying, asked)
        self.replays[self.current.id] = script

    def _revert_to(self, kept: int) -> None:
        """Undo steps until only the first `kept` events (collapse_loops=False) are in effect."""
        while len(self.applied_events(collapse_loops=False)) > kept:
            events = self.agent.undo(self.tracker)
            if not events:
                break
            self._record(events)

    def _take_back(self, edit: _Edit) -> Question:
        """The conversation as it was before the edit: the replay reverted, the original events
        from the edited step on logged again."""
        self._revert_to(edit.kept)
        del self._edits[self.current.id]
        if edit.replay is None:
            self.replays.pop(self.current.id, None)
        else:
            self.replays[self.current.id] = edit.replay
        self.tracker.update_all(edit.original)
        self._record(list(edit.original))
        last = [e for e in edit.original if isinstance(e, ActionExecuted)]
        if last and last[-1].name == ACTION_LISTEN:
            return self._ask(edit.asked) if edit.asked.kind == QuestionKind.NLU else self._next_stored_turn()
        return self.ask_next_action()

    def fork(self, before_user_turn: int) -> Question:
        """A new conversation that branches off before user message `before_user_turn`."""
        forked = self.tracker.fork(before_user_turn)
        branch = DialogueStateTracker(uuid.uuid4().hex, forked.slot_defaults, forked.events)
        self._new_conversation(branch, f"conversation {len(self.conversations) + 1} (fork)")
        return self._ask(user_input())

    def start_fresh(self) -> Question:
        tracker = self.agent.create_tracker(uuid.uuid4().hex)
        self._new_conversation(tracker, f"conversation {len(self.conversations) + 1}")
        return self._ask(user_input())

    def export(self, paths: ExportPaths, progress: Progress | None = None) -> ExportPlan:
        """Write what the session taught into `paths` (see core.interactive.export); ExportError
        with every file as it was. The plan lists the contradictions kept in the conversations."""
        plan = plan_export(self.state, self.domain, paths, self.contradictions, progress)
        write_plan(plan, self.journal.write)
        apply_to_state(plan, self.state)
        return plan

    def discard(self) -> None:
        """The person threw the session away: it is finished without an export."""
        self.state.discarded = True
        self.journal.write([{"discarded": True}])

    # -- consistency ----------------------------------------------------------------------------

    def contradictions(self, conversation: Conversation | None = None) -> list[str]:
        """What in a conversation (the current one by default) training would refuse (a rule says
        otherwise), or a training story continues differently after the same history."""
        conversation = conversation or self.current
        if self._consistency is None:
            self._consistency = ConsistencyCheck(self.agent, self.training_trackers())
        return self._consistency.problems(conversation.tracker, conversation.name, self.e2e)

    # -- journal --------------------------------------------------------------------------------

    def _ask(self, question: Question) -> Question:
        """Make `question` the one asked, journaled so that a resumed session asks it again."""
        self.question = question
        asked: Record = {"kind": question.kind.value}
        if question.kind == QuestionKind.NLU:
            asked["text"] = (question.parse or {}).get("text", "")
        elif question.kind == QuestionKind.VALIDATE:
            asked["action"] = question.action
        self.journal.write([{"asked": asked}])
        return question

    def _new_conversation(self, tracker: DialogueStateTracker, name: str) -> None:
        self.state.conversations.append(Conversation(name, tracker))
        events = [e.as_dict() for e in tracker.events]
        self.journal.write([{"conversation": tracker.sender_id, "started": name, "events": events}])

    def _record(self, events: list[Event]) -> None:
        self.journal.write({"conversation": self.tracker.sender_id, "event": e.as_dict()} for e in events)


@dataclass(frozen=True)
class _Edit:
    """A past step edited: how many events in effect came before it, the events in effect from
    it on before the edit, the stored conversation the conversation was replaying then, and the
    question pending then."""

    kept: int
    original: list[Event]
    replay: StoredConversation | None
    asked: Question  # the question pending then (a message typed but not confirmed is asked again)


def executed(tracker: DialogueStateTracker) -> list[str]:
    """Names of the actions in effect, in order (tests and the status line use it)."""
    return [e.name for e in tracker.applied_events() if isinstance(e, ActionExecuted) and e.name]
