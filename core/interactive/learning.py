"""The bot learns while it is taught: after a correction the models are updated in the background
with what the conversations teach, and the updated models are swapped into the agent.

What is learned is derived from the conversations' events in effect, as export derives what it
writes. Each update starts from a snapshot: the models as they were after an earlier update (or as
loaded) whose conversations are each a beginning of the conversations now, so only what was taught
since is learned, on a copy (`fork`) while the live models go on answering. An undo or a discarded
conversation leaves the newest snapshots behind: the update starts from one taken before the
undone step, and when the conversations are exactly as they were then, that snapshot is simply
put back (no training). The models' `update` methods train only what they get wrong, beside a
rehearsal sample of their original training data, so nothing is forgotten.
"""

from __future__ import annotations

import copy
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.domain import Domain
from core.errors import BotcoachError
from core.events import ActionExecuted, Event, UserUttered
from core.fingerprint import digest, project_fingerprint
from core.interactive.export import taught
from core.interactive.questions import Question, QuestionKind
from core.interactive.state import Conversation
from core.nlu.parse import intent_name
from core.policies.ensemble import PolicyEnsemble
from core.runtime.agent import Agent
from core.story_export import tracker_to_story
from core.tracker import ACTION_LISTEN, DialogueStateTracker
from core.training_data.nlu_model import Example
from core.training_data.trackers import TrainingTracker, training_trackers

if TYPE_CHECKING:  # torch-backed: loaded when a model is, not when the session module is
    from core.nlu.interpreter import Interpreter
    from core.training import Project


@dataclass
class Lesson:
    """What the conversations teach at one moment: NLU examples and dialogue trackers."""

    examples: list[Example]
    trackers: list[TrainingTracker]
    actions: list[str]  # every action the conversations run (new custom ones join the domain)


@dataclass
class Learned:
    """The outcome of one update: the new models, what they now predict differently, and time."""

    interpreter: Interpreter | None
    ensemble: PolicyEnsemble | None
    changes: list[str]
    seconds: float
    lesson_key: str = ""  # which state of the conversations it learned (see `lesson_key`)

    def describe(self) -> str:
        shown = "; ".join(self.changes[:3]) + (f" and {len(self.changes) - 3} more" if len(self.changes) > 3 else "")
        return shown or "learned; no prediction changed"


def lesson(conversations: list[Conversation], domain: Domain, e2e: bool = False) -> Lesson:
    """The examples and stories the conversations in effect teach (a conversation training cannot
    read is skipped here: export and the consistency check name its problem)."""
    found = taught(conversations)
    trackers: list[TrainingTracker] = []
    for conversation in conversations:
        if not conversation.tracker.user_turns():
            continue
        story = tracker_to_story(conversation.tracker, conversation.name, e2e=e2e)
        try:
            taught_trackers = training_trackers([story], domain, augmentation_factor=0)
        except BotcoachError:
            continue
        if not _listening(conversation.tracker):
            # mid-turn (a form validation answer, a picked action): the bot acts again next, so
            # the listen a story implies at its end is not taught (as the consistency check)
            taught_trackers = [
                replace(t, events=t.events[:-1]) if _ends_listening(t.events) else t for t in taught_trackers
            ]
        trackers += taught_trackers
    return Lesson(found.examples, trackers, found.actions)


def _listening(tracker: DialogueStateTracker) -> bool:
    actions = [e.name for e in tracker.applied_events(collapse_loops=False) if isinstance(e, ActionExecuted)]
    return bool(actions) and actions[-1] == ACTION_LISTEN


def _ends_listening(events: list[Event]) -> bool:
    return bool(events) and isinstance(events[-1], ActionExecuted) and events[-1].name == ACTION_LISTEN


def lesson_key(conversations: list[Conversation]) -> str:
    """A digest of the events in effect: equal keys teach the same."""
    events = [[e.as_dict() for e in c.tracker.applied_events(collapse_loops=False)] for c in conversations]
    return digest(events)


Signature = tuple[tuple[str, tuple[str, ...]], ...]  # per conversation: its id and its events' digests
KEPT_SNAPSHOTS = 8
SNAPSHOTS_MB = 256  # the weights the kept snapshots may hold beside the live and loaded models
UPDATE_SWITCH_INTERVAL = 0.0005  # seconds; Python's default is 0.005 (see `ResponsiveTurns`)


class ResponsiveTurns:
    """While an update runs, Python hands its interpreter lock between threads every 0.5 ms
    instead of every 5 ms: a turn (parse + predict, on another thread) asks for the lock at
    each step of Python between torch calls, and waited up to 5 ms at each while the update
    held it. Updates may overlap: the first to start shortens the interval, the last to end
    gives it back."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._previous = sys.getswitchinterval()

    @contextmanager
    def during_update(self) -> Iterator[None]:
        with self._lock:
            self._running += 1
            if self._running == 1:
                self._previous = sys.getswitchinterval()
                sys.setswitchinterval(min(self._previous, UPDATE_SWITCH_INTERVAL))
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0:
                    sys.setswitchinterval(self._previous)


RESPONSIVE_TURNS = ResponsiveTurns()


@dataclass
class Snapshot:
    """The models as they were after learning what the conversations of `signature` teach."""

    signature: Signature
    interpreter: Interpreter | None
    ensemble: PolicyEnsemble | None
    examples: frozenset[str]  # digests of the NLU examples learned
    stories: frozenset[str] = frozenset()  # ids of the conversations whose stories the policies learned

    def begins(self, signature: Signature) -> bool:
        """Is each of this snapshot's conversations the beginning of the same conversation in
        `signature` (what it learned is all still taught there)?"""
        now = dict(signature)
        return all(events == now.get(key, ())[: len(events)] for key, events in self.signature)

    def changed(self, conversations: list[Conversation], signature: Signature) -> list[Conversation]:
        """The conversations whose events differ from what this snapshot learned (new or longer)."""
        before = dict(self.signature)
        return [c for c, (_, events) in zip(conversations, signature) if before.get(c.id) != events]

    def learned_no_beginning_of(self, changed: list[Conversation]) -> bool:
        """Did the policies learn none of `changed` as they were earlier? A story cut short
        teaches what its end implies (the bot listens there), which the longer story does not:
        the policies learn each conversation whole, from a snapshot without it."""
        return not self.stories & {c.id for c in changed}


def _weights(snapshot: Snapshot) -> list[Any]:
    return [
        *(snapshot.interpreter.weights() if snapshot.interpreter is not None else []),
        *(snapshot.ensemble.weights() if snapshot.ensemble is not None else []),
    ]


def _storage(weight: Any) -> int:
    """Where a tensor's memory lives: weights shared between snapshots are counted once."""
    return int(weight.untyped_storage().data_ptr())


NOT_TAUGHT = ("timestamp", "policy", "confidence", "metadata", "parse_data", "input_channel", "message_id")
ENTITY_KEYS = ("entity", "value", "start", "end", "role", "group")


def signature(conversations: list[Conversation]) -> Signature:
    """What each conversation in effect teaches, event by event: an action logged again after an
    undo (another time, no policy) teaches the same."""
    return tuple(
        (c.id, tuple(digest(_taught_part(e)) for e in c.tracker.applied_events(collapse_loops=False)))
        for c in conversations
    )


def _taught_part(event: Event) -> dict[str, Any]:
    data = {k: v for k, v in event.as_dict().items() if k not in NOT_TAUGHT}
    if isinstance(event, UserUttered):
        data["intent"] = event.intent_name
        data["entities"] = [{k: e[k] for k in ENTITY_KEYS if k in e} for e in event.entities]
    return data


def example_key(example: Example) -> str:
    return digest([example.text, example.intent, example.entities])


class OnlineLearning:
    """Updates forks of the agent's models with each lesson, and swaps them in. The models as
    loaded and the last `KEPT_SNAPSHOTS` updates (as many as fit in `SNAPSHOTS_MB`) are kept, so an
    undo needs no retraining."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self.base = Snapshot((), agent.interpreter, agent.ensemble, frozenset())
        self.snapshots: list[Snapshot] = []
        self._lock = threading.Lock()
        self._generation = 0
        self.last: Learned | None = None

    @property
    def base_interpreter(self) -> Interpreter | None:
        return self.base.interpreter

    @property
    def base_ensemble(self) -> PolicyEnsemble | None:
        return self.base.ensemble

    def learn(self, conversations: list[Conversation], e2e: bool = False) -> Learned:
        """Update from the latest snapshot that the conversations go on from with what they teach
        since, and swap the models in."""
        with self._lock:
            self._generation += 1
            generation = self._generation
            now = signature(conversations)
            candidates = [*(s for s in reversed(self.snapshots) if s.begins(now)), self.base]
        start = candidates[0]
        policies_start = next(s for s in candidates if s.learned_no_beginning_of(s.changed(conversations, now)))
        with RESPONSIVE_TURNS.during_update():
            learned, snapshot = self._update(conversations, now, start, policies_start, e2e)
        with self._lock:
            if generation == self._generation:  # a later lesson wins over a slower earlier one
                self.agent.interpreter = learned.interpreter
                self.agent.ensemble = learned.ensemble
                self.last = learned
                if snapshot is not start:
                    self.snapshots = self._within_budget([*self.snapshots, snapshot][-KEPT_SNAPSHOTS:])
        return learned

    def _within_budget(self, snapshots: list[Snapshot]) -> list[Snapshot]:
        """The newest snapshots whose own weights (not shared with the models loaded or live)
        fit in SNAPSHOTS_MB: on SNIPS-size NLU an update copies ~90 MB of weights, and eight
        snapshots held 650 MB. An undo past the oldest kept learns again from an earlier one."""
        held = {_storage(w) for s in (self.base, snapshots[-1]) for w in _weights(s)}
        kept: list[Snapshot] = [snapshots[-1]]
        total = 0
        for snapshot in reversed(snapshots[:-1]):
            own = {_storage(w): w.untyped_storage().nbytes() for w in _weights(snapshot)}
            total += sum(size for key, size in own.items() if key not in held)
            if total > SNAPSHOTS_MB * 2**20:
                break
            held |= own.keys()
            kept.insert(0, snapshot)
        return kept

    def save(self, conversations: list[Conversation], project: Project, out_dir: str | Path, e2e: bool = False) -> Path:
        """Learn what `conversations` teach unless that is what was learned last, then save the
        models for `project` as exported (see `save_learned`)."""
        if self.last is None or self.last.lesson_key != lesson_key(conversations):
            self.learn(conversations, e2e)
        return save_learned(self.agent, project, out_dir)

    def learn_in_background(
        self, conversations: list[Conversation], done: Callable[[Learned | Exception], None], e2e: bool = False
    ) -> threading.Thread:
        """`learn` on a daemon thread over a copy of the conversations; `done` gets the outcome
        (an error leaves the models in place)."""
        snapshot = [copy.deepcopy(c) for c in conversations]

        def run() -> None:
            try:
                outcome: Learned | Exception = self.learn(snapshot, e2e)
            except Exception as error:  # noqa: BLE001 - handed to the caller, which shows it
                outcome = error
            done(outcome)

        thread = threading.Thread(target=run, name="botcoach-online-learning", daemon=True)
        thread.start()
        return thread

    def _update(
        self, conversations: list[Conversation], now: Signature, start: Snapshot, policies_start: Snapshot, e2e: bool
    ) -> tuple[Learned, Snapshot]:
        """The NLU model learns the examples `start` lacks; the policies learn, from
        `policies_start`, the conversations it lacks or learned shorter."""
        started = time.perf_counter()
        key = lesson_key(conversations)
        if start.signature == now:  # nothing taught since that snapshot: put it back
            changes = ["took back what was undone"] if self.agent.ensemble is not start.ensemble else []
            seconds = time.perf_counter() - started
            return Learned(start.interpreter, start.ensemble, changes, seconds, key), start
        domain = self.agent.domain
        for name in taught(conversations).actions:
            if name not in domain.action_names:
                domain.actions.append(name)  # a new custom action: the policies may predict it
        changed = policies_start.changed(conversations, now)
        taught_now = lesson(changed, domain, e2e)
        new_examples = [e for e in taught(conversations).examples if example_key(e) not in start.examples]
        interpreter, ensemble = start.interpreter, policies_start.ensemble
        if interpreter is not None and new_examples:
            interpreter = interpreter.fork()
            interpreter.update(new_examples)
        if ensemble is not None and taught_now.trackers:
            ensemble = ensemble.fork()
            ensemble.update(taught_now.trackers, domain)
        changes = self._intent_changes(new_examples, interpreter)
        changes += self._action_changes(start.changed(conversations, now), ensemble)
        seconds = time.perf_counter() - started
        learned = Learned(interpreter, ensemble, list(dict.fromkeys(changes)), seconds, key)
        keys = start.examples | {example_key(e) for e in new_examples}
        stories = policies_start.stories | {c.id for c in changed if c.tracker.user_turns()}
        return learned, Snapshot(now, interpreter, ensemble, frozenset(keys), frozenset(stories))

    def _intent_changes(self, examples: list[Example], interpreter: Interpreter | None) -> list[str]:
        before = self.agent.interpreter
        if before is None or interpreter is None or interpreter is before:
            return []
        changes = []
        for example in examples:
            old = intent_name(before.parse(example.text))
            new = intent_name(interpreter.parse(example.text))
            if old != new and new == example.intent:
                changes.append(f"now understands '{example.text}' as {new}")
        return changes

    def _action_changes(self, conversations: list[Conversation], ensemble: PolicyEnsemble | None) -> list[str]:
        """Taught steps the new policies predict and the current ones did not."""
        before, domain = self.agent.ensemble, self.agent.domain
        if before is None or ensemble is None or ensemble is before:
            return []
        changes = []
        for conversation in conversations:
            events = conversation.tracker.applied_events(collapse_loops=False)
            intent = ""
            for i, event in enumerate(events):
                if isinstance(event, UserUttered):
                    intent = event.intent_name or ""
                if not isinstance(event, ActionExecuted) or not intent or not event.name:
                    continue
                prefix = DialogueStateTracker(conversation.tracker.sender_id, domain.slot_defaults(), events[:i])
                new = ensemble.predict(prefix, domain).action
                if new == event.name and before.predict(prefix, domain).action != new:
                    changes.append(f"now predicts {new} after {intent}")
        return changes


def corrects(asked: Question, tracker: DialogueStateTracker) -> bool:
    """Did answering `asked` teach something the model did not predict (another intent or other
    entities than the parse, another action than the ranking's first, a form validation answer)?"""
    events = tracker.applied_events(collapse_loops=False)
    if asked.kind == QuestionKind.VALIDATE:
        return True
    if asked.kind == QuestionKind.NLU and asked.parse is not None:
        said = next((e for e in reversed(events) if isinstance(e, UserUttered)), None)
        entities = [(e.get("entity"), e.get("value")) for e in asked.parse.get("entities") or []]
        return said is not None and (
            said.intent_name != intent_name(asked.parse)
            or [(e.get("entity"), e.get("value")) for e in said.entities] != entities
        )
    if asked.kind == QuestionKind.ACTION and asked.prediction is not None:
        ran = next((e for e in reversed(events) if isinstance(e, ActionExecuted)), None)
        return ran is not None and ran.name != asked.prediction.action
    return False


def save_learned(agent: Agent, project: Project, out_dir: str | Path) -> Path:
    """Save the agent's (learned) models as `<out_dir>/<timestamp>-interactive.tar.gz`, marked with
    the fingerprint of the project as exported: `botcoach train` (and the next session) reuse it
    instead of training again, and every command loads it like any other archive."""
    from core.model import TrainedModel, save_model  # noqa: PLC0415 - loads torch: not at app start
    from core.model_archive import new_archive_path  # noqa: PLC0415 - with core.model
    from core.training import parts_to_train  # noqa: PLC0415 - loads torch: not at app start

    parts = parts_to_train(project, None)
    domain = project.domain if "core" in parts else None
    fingerprint = project_fingerprint(
        project.config, domain, project.data.nlu_files, project.data.story_files, project.lookups(), parts
    )
    model = TrainedModel(
        project.config,
        domain,
        interpreter=agent.interpreter if "nlu" in parts else None,
        ensemble=agent.ensemble if "core" in parts else None,
        fingerprint=fingerprint,
    )
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return save_model(model, new_archive_path(out_dir, f"{stamp}-interactive"))
