"""The bot learns while it is taught: after a correction the models are updated in the background
with what the conversations teach, and the updated models are swapped into the agent.

What is learned is derived from the conversations' events in effect, as export derives what it
writes, and always applied to the models as loaded: an undo or a discarded conversation simply
drops out of the next update, so the model never keeps a correction the person took back. The
models' own `update` methods replay their original training data, so nothing is forgotten.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core.domain import Domain
from core.errors import BotcoachError
from core.events import ActionExecuted, UserUttered
from core.fingerprint import digest, project_fingerprint
from core.interactive.export import taught
from core.interactive.questions import Question, QuestionKind
from core.interactive.state import Conversation
from core.nlu.parse import intent_name
from core.policies.ensemble import PolicyEnsemble
from core.runtime.agent import Agent
from core.story_export import tracker_to_story
from core.tracker import DialogueStateTracker
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
            trackers += training_trackers([story], domain, augmentation_factor=0)
        except BotcoachError:
            continue
    return Lesson(found.examples, trackers, found.actions)


def lesson_key(conversations: list[Conversation]) -> str:
    """A digest of the events in effect: equal keys teach the same."""
    events = [[e.as_dict() for e in c.tracker.applied_events(collapse_loops=False)] for c in conversations]
    return digest(events)


class OnlineLearning:
    """Updates copies of the agent's models as loaded with each lesson, and swaps them in."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self.base_interpreter = copy.deepcopy(agent.interpreter)
        self.base_ensemble = copy.deepcopy(agent.ensemble)
        self._lock = threading.Lock()
        self._generation = 0
        self.last: Learned | None = None

    def learn(self, conversations: list[Conversation], e2e: bool = False) -> Learned:
        """Update from the models as loaded with what `conversations` teach, and swap them in."""
        with self._lock:
            self._generation += 1
            generation = self._generation
        learned = self._update(conversations, e2e)
        with self._lock:
            if generation == self._generation:  # a later lesson wins over a slower earlier one
                self.agent.interpreter = learned.interpreter
                self.agent.ensemble = learned.ensemble
                self.last = learned
        return learned

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

    def _update(self, conversations: list[Conversation], e2e: bool) -> Learned:
        started = time.perf_counter()
        domain = self.agent.domain
        for name in taught(conversations).actions:
            if name not in domain.action_names:
                domain.actions.append(name)  # a new custom action: the policies may predict it
        taught_now = lesson(conversations, domain, e2e)
        interpreter = copy.deepcopy(self.base_interpreter)
        ensemble = copy.deepcopy(self.base_ensemble)
        if interpreter is not None and taught_now.examples:
            interpreter.update(taught_now.examples)
        if ensemble is not None and taught_now.trackers:
            ensemble.update(taught_now.trackers, domain)
        changes = self._intent_changes(taught_now, interpreter)
        changes += self._action_changes(conversations, ensemble)
        seconds = time.perf_counter() - started
        return Learned(interpreter, ensemble, list(dict.fromkeys(changes)), seconds, lesson_key(conversations))

    def _intent_changes(self, taught_now: Lesson, interpreter: Interpreter | None) -> list[str]:
        before = self.agent.interpreter
        if before is None or interpreter is None:
            return []
        changes = []
        for example in taught_now.examples:
            old = intent_name(before.parse(example.text))
            new = intent_name(interpreter.parse(example.text))
            if old != new and new == example.intent:
                changes.append(f"now understands '{example.text}' as {new}")
        return changes

    def _action_changes(self, conversations: list[Conversation], ensemble: PolicyEnsemble | None) -> list[str]:
        """Taught steps the new policies predict and the current ones did not."""
        before, domain = self.agent.ensemble, self.agent.domain
        if before is None or ensemble is None:
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
