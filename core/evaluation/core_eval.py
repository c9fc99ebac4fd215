"""Story evaluation (`botcoach test core`): replay test stories through the trained policies.

Each test story becomes a tracker (the same conversion training uses). The replay walks its events
in order, as Rasa's `rasa test` does: before every action the policies predict the next action on
the conversation so far, and the prediction is compared with the story's action; then the story's
own event is applied, so one mistake does not derail the rest of the story. No action runs.

- An active form predicted where the story has another action may be a form that rejected the
  input: Rasa cannot know, so it emulates the rejection and predicts again; so do we.
- A user step with text (an end-to-end test story) is parsed by the model's NLU when it has one;
  the story's intent is the expected intent, and a different predicted intent fails the story.
  Predicted entities that differ from the story's are not a failure but a warning (the story is
  listed in `stories_with_warnings.yml`).

A story fails when any action or intent was predicted wrong. See `failed_stories.py` for the
files written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.domain import Domain
from core.errors import DataError
from core.evaluation.metrics import classification_report
from core.events import ActionExecuted, ActionExecutionRejected, ActiveLoop, Event, SlotSet, UserUttered
from core.nlu.intent_message import is_intent_message, parse_intent_message
from core.nlu.parse import Parse, intent_name
from core.policies.ensemble import PolicyEnsemble
from core.prediction import Prediction
from core.tracker import ACTION_LISTEN, DialogueStateTracker
from core.training_data.loader import data_files, is_test_file, kinds_of
from core.training_data.markup import to_markup
from core.training_data.stories_md import read_stories_md
from core.training_data.stories_yaml import read_stories_yaml
from core.training_data.story_model import ActionStep, ActiveLoopStep, SlotStep, Step, Story, UserStep
from core.training_data.trackers import TrainingTracker, training_trackers
from core.yamlio import read_text

if TYPE_CHECKING:  # loads torch; the model that holds one has loaded it already
    from core.nlu.interpreter import Interpreter

MEMORY_POLICIES = ("MemoizationPolicy", "AugmentedMemoizationPolicy", "RulePolicy")


@dataclass
class ActionPrediction:
    target: str
    predicted: str
    policy: str | None = None
    confidence: float | None = None

    @property
    def is_correct(self) -> bool:
        return self.target == self.predicted


@dataclass
class StoryResult:
    """One replayed test story: the steps as the story has them, with the mistakes marked."""

    name: str
    source: str | None
    steps: list[Step] = field(default_factory=list)
    comments: dict[int, str] = field(default_factory=dict)  # step index -> "predicted: ..."
    actions: list[ActionPrediction] = field(default_factory=list)
    intents: list[tuple[str, str]] = field(default_factory=list)  # (expected, predicted)
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(not a.is_correct for a in self.actions) or any(t != p for t, p in self.intents)

    @property
    def mistakes(self) -> list[str]:
        """Readable lines, one per wrong prediction."""
        lines = [f"action {a.target!r} expected, {a.predicted!r} predicted" for a in self.actions if not a.is_correct]
        lines += [f"intent {t!r} expected, {p!r} predicted" for t, p in self.intents if t != p]
        return lines


@dataclass
class StoryEvaluation:
    stories: list[StoryResult] = field(default_factory=list)
    checked_intents: bool = False

    @property
    def actions(self) -> list[ActionPrediction]:
        return [a for story in self.stories for a in story.actions]

    @property
    def failed(self) -> list[StoryResult]:
        return [s for s in self.stories if s.failed]

    @property
    def with_warnings(self) -> list[StoryResult]:
        return [s for s in self.stories if s.warnings and not s.failed]

    @property
    def action_accuracy(self) -> float:
        actions = self.actions
        return sum(a.is_correct for a in actions) / len(actions) if actions else 0.0

    @property
    def conversation_accuracy(self) -> float:
        return (len(self.stories) - len(self.failed)) / len(self.stories) if self.stories else 0.0

    @property
    def in_training_data_fraction(self) -> float:
        """Share of actions a memorising policy (memoization, rules) predicted, as Rasa logs it."""
        actions = self.actions
        remembered = [a for a in actions if a.policy and a.policy.split("_")[0] in MEMORY_POLICIES]
        return len(remembered) / len(actions) if actions else 0.0

    def targets_and_predictions(self) -> tuple[list[str], list[str]]:
        """Actions, then (end to end) intents: the labels of Rasa's story report."""
        targets = [a.target for a in self.actions]
        predictions = [a.predicted for a in self.actions]
        for story in self.stories:
            targets += [t for t, _ in story.intents]
            predictions += [p for _, p in story.intents]
        return targets, predictions

    def report(self) -> dict[str, Any]:
        """`story_report.json`: per-label scores, averages and Rasa 3's `conversation_accuracy`."""
        targets, predictions = self.targets_and_predictions()
        report: dict[str, Any] = classification_report(targets, predictions) if targets else {}
        correct = len(self.stories) - len(self.failed)
        report["conversation_accuracy"] = {
            "accuracy": self.conversation_accuracy,
            "correct": correct,
            "with_warnings": len(self.with_warnings),
            "total": len(self.stories),
        }
        return report


# ---- reading test stories -------------------------------------------------------------------


def load_test_stories(paths: list[str | Path]) -> list[Story]:
    """Stories from test-story files: a file named on its own is always read; in a folder, the
    files named `test_*` or inside `tests/` are, or every story file when it holds none of those
    (1.x projects kept test stories as plain story files in a folder of their own)."""
    stories: list[Story] = []
    for raw in paths:
        path = Path(raw)
        files = data_files([path])
        if path.is_dir() and any(is_test_file(f.relative_to(path.parent)) for f in files):
            files = [f for f in files if is_test_file(f.relative_to(path.parent))]
        for file in files:
            text = read_text(file)
            if "stories" not in kinds_of(file, text):
                continue
            reader = read_stories_md if file.suffix.lower() == ".md" else read_stories_yaml
            stories += [s for s in reader(text, file) if not s.is_rule]
    return stories


def test_trackers(stories: list[Story], domain: Domain) -> list[tuple[TrainingTracker, str | None]]:
    """One tracker per path through each story (checkpoints, `or`), with the story's file."""
    result = []
    for story in stories:
        source = str(story.location.file) if story.location and story.location.file else None
        result += [(tracker, source) for tracker in training_trackers([story], domain, augmentation_factor=0)]
    return result


# ---- replaying ------------------------------------------------------------------------------


@dataclass
class _Replay:
    domain: Domain
    ensemble: PolicyEnsemble
    interpreter: Interpreter | None = None

    def story(self, tracker: TrainingTracker, source: str | None) -> StoryResult:
        result = StoryResult(tracker.name, source)
        events = list(tracker.events)
        partial = DialogueStateTracker(tracker.name, self.domain.slot_defaults(), events[:1])
        for event in events[1:]:
            if isinstance(event, ActionExecuted):
                self.action(partial, event, result)
            elif isinstance(event, UserUttered):
                self.user(partial, event, result)
            else:
                partial.update(event)
                self.other_step(event, result)
        return result

    def predict(self, partial: DialogueStateTracker) -> Prediction:
        try:
            return self.ensemble.predict(partial, self.domain)
        except (KeyError, IndexError, ValueError) as exc:
            raise DataError(
                f"the dialogue model cannot predict on test story '{partial.sender_id}': {exc}",
                hint="does the test story use intents, slots or actions the model's domain "
                "lacks? check it with `botcoach data validate`",
            ) from exc

    def action(self, partial: DialogueStateTracker, event: ActionExecuted, result: StoryResult) -> None:
        gold = event.name or event.action_text or ""
        prediction = self.predict(partial)
        predicted = prediction.action
        if predicted != gold and predicted == partial.active_loop_name and predicted in self.domain.form_names:
            partial.update(ActionExecutionRejected(predicted))  # the form may have rejected the input
            prediction = self.predict(partial)
            predicted = prediction.action
        result.actions.append(ActionPrediction(gold, predicted, prediction.policy_name, prediction.confidence))
        if predicted == gold:
            partial.update_all(
                [
                    *prediction.events,
                    ActionExecuted(gold, prediction.policy_name, prediction.confidence, action_text=event.action_text),
                ]
            )
        else:
            partial.update(ActionExecuted(event.name, action_text=event.action_text))
        if gold != ACTION_LISTEN or predicted != gold:
            if predicted != gold:
                result.comments[len(result.steps)] = f"predicted: {predicted}"
            result.steps.append(ActionStep(name=event.name, bot_text=None if event.name else event.action_text))

    def user(self, partial: DialogueStateTracker, event: UserUttered, result: StoryResult) -> None:
        step = UserStep(intent=event.intent_name, entities=[dict(e) for e in event.entities], text=event.text or None)
        parse = self.parse(event.text) if event.text and self.interpreter is not None else None
        if parse is None:
            partial.update(event)
        elif event.intent_name is None:  # text only: the model's reading stands in for the story's
            partial.update(
                UserUttered(
                    event.text,
                    dict(parse.get("intent") or {}),
                    [dict(e) for e in parse.get("entities") or []],
                    timestamp=event.timestamp,
                )
            )
        else:
            partial.update(event)
            expected = event.intent_name.split("/", 1)[0]
            predicted = str(intent_name(parse))
            result.intents.append((expected, predicted))
            predicted_entities: list[dict] = [dict(e) for e in parse.get("entities") or []]
            if predicted != expected:
                result.comments[len(result.steps)] = (
                    f"predicted: {predicted}: {to_markup(event.text or '', predicted_entities)}"
                )
            elif _entity_spans(event.entities) != _entity_spans(predicted_entities):
                result.warnings.append(
                    f"'{event.text}': entities {_show(event.entities)} expected, {_show(predicted_entities)} predicted"
                )
                result.comments[len(result.steps)] = (
                    f"predicted entities: {to_markup(event.text or '', predicted_entities)}"
                )
        result.steps.append(step)

    def parse(self, text: str) -> Parse:
        if is_intent_message(text):
            stated = parse_intent_message(text, self.domain.all_intent_names)
            if stated is not None:
                return stated
        assert self.interpreter is not None  # only asked for text when there is one
        return self.interpreter.parse(text)

    @staticmethod
    def other_step(event: Event, result: StoryResult) -> None:
        steps = result.steps
        if isinstance(event, SlotSet):
            if steps and isinstance(steps[-1], SlotStep) and event.name not in steps[-1].slots:
                steps[-1].slots[event.name] = event.value
            else:
                steps.append(SlotStep(slots={event.name: event.value}))
        elif isinstance(event, ActiveLoop):
            steps.append(ActiveLoopStep(event.name))


def _entity_spans(entities: list[dict]) -> set[tuple]:
    return {(e.get("start"), e.get("end"), e.get("entity"), e.get("role"), e.get("group")) for e in entities}


def _show(entities: list[dict]) -> str:
    return "[" + ", ".join(f"{e.get('entity')}={e.get('value')!r}" for e in entities) + "]"


def evaluate_stories(
    stories: list[Story], domain: Domain, ensemble: PolicyEnsemble | None, interpreter: Interpreter | None = None
) -> StoryEvaluation:
    """Replay every test story; `interpreter` (the model's NLU) checks the intents of user text."""
    if ensemble is None:
        raise DataError(
            "the model has no dialogue part, so test stories cannot be evaluated",
            hint="train it with stories and a domain (`botcoach train`)",
        )
    replay = _Replay(domain, ensemble, interpreter)
    results = [replay.story(tracker, source) for tracker, source in test_trackers(stories, domain)]
    checked = interpreter is not None and any(r.intents for r in results)
    return StoryEvaluation(results, checked)
