"""What interactive learning asks when a form is about to take the user's input: "should the form
validate this input to fill the slot?" (Rasa's `_form_is_restored` question), how the answer
becomes events, and the warning when the answer contradicts what the training stories teach.

The situation a story teaches is (form, the action before the user turn, the intent): the form
runs right after that user turn. It teaches *validation* when the form ran just before (the
happy path), when a 1.x story marks the turn `* form: intent`, or when it says so with a
`form_validation` / `loop_interrupted` event; it teaches *no validation* when another action
answered before the user spoke (the unhappy path that Rasa's RulePolicy and 1.x FormPolicy learn
as "do not validate"), or by an explicit event.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from typing import Any

from core.domain import REQUESTED_SLOT
from core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    Event,
    Form,
    FormValidation,
    LoopInterrupted,
    SlotSet,
    UserUttered,
)
from core.prediction import Prediction
from core.tracker import ACTION_LISTEN, DialogueStateTracker
from core.training_data.story_model import ActionStep, ActiveLoopStep, EventStep, OrStep, Story, UserStep

NO_VALIDATION_WARNING = (
    "FormPolicy predicted no form validation based on previous training stories. "
    "Make sure to remove contradictory stories from training data"
)
VALIDATION_WARNING = (
    "FormPolicy predicted form validation based on previous training stories. "
    "Make sure to remove contradictory stories from training data"
)


def needs_validation_question(
    tracker: DialogueStateTracker, action_name: str, required_slots: Collection[str] = ()
) -> tuple[str, Any] | None:
    """(form, requested slot) when `action_name` is the active form about to run on the user's
    latest input and that input is an interruption: it fills neither the requested slot nor
    another of the form's `required_slots` (what slot extraction set after it). A direct answer
    is never asked about, nor an input the form just rejected. None otherwise."""
    form = tracker.active_loop_name
    if form is None or action_name != form or tracker.latest_action_name != ACTION_LISTEN:
        return None
    if tracker.latest_message is None:
        return None
    last = tracker.events[-1] if tracker.events else None
    if isinstance(last, ActionExecutionRejected) and last.name == form:
        return None
    requested = tracker.get_slot(REQUESTED_SLOT)
    if filled_by_latest_message(tracker) & {requested, *required_slots}:
        return None
    return form, requested


def filled_by_latest_message(tracker: DialogueStateTracker) -> set[str]:
    """The slots given a value after the latest user message (by slot extraction, before any
    other action ran)."""
    filled: set[str] = set()
    for event in reversed(tracker.applied_events(collapse_loops=False)):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, SlotSet) and event.name != REQUESTED_SLOT and event.value is not None:
            filled.add(event.name)
    return filled


def apply_validation_answer(tracker: DialogueStateTracker, validate: bool) -> list[Event]:
    """Appends and returns the events for the answer. No: the form must not use the input
    (`loop_interrupted`, or `form_validation` for a 1.x form); yes: nothing, unless the loop was
    already marked interrupted, which the answer then lifts."""
    legacy = _is_legacy_activation(tracker)
    if not validate:
        events: list[Event] = [FormValidation(False) if legacy else LoopInterrupted(True)]
    elif tracker.is_active_loop_interrupted:
        events = [FormValidation(True) if legacy else LoopInterrupted(False)]
    else:
        events = []
    tracker.update_all(events)
    return events


def follow_answer(prediction: Prediction) -> Prediction:
    """The prediction without its own say on validation (a policy's `LoopInterrupted`), so that
    executing it does what the person answered with `apply_validation_answer`."""
    kept = tuple(e for e in prediction.events if not isinstance(e, (LoopInterrupted, FormValidation)))
    return replace(prediction, events=kept) if len(kept) != len(prediction.events) else prediction


def _is_legacy_activation(tracker: DialogueStateTracker) -> bool:
    activation = next(
        (e for e in reversed(tracker.applied_events(collapse_loops=False)) if isinstance(e, ActiveLoop) and e.name),
        None,
    )
    return isinstance(activation, Form)


# -- contradictions with the training data ---------------------------------------------------


@dataclass(frozen=True)
class _Lesson:
    form: str
    action_before: str | None
    intent: str | None
    validate: bool
    story: str


def contradiction_warning(training: Iterable[Any], tracker: DialogueStateTracker, validate: bool) -> str | None:
    """The warning when a training story teaches the opposite of `validate` for the tracker's
    situation; `training` holds Story objects, training trackers (`.name`, `.events`) or
    DialogueStateTrackers."""
    situation = _situation(tracker)
    if situation is None:
        return None
    for item in training:
        for lesson in _lessons(item):
            if (lesson.form, lesson.action_before, lesson.intent) == situation and lesson.validate != validate:
                warning = VALIDATION_WARNING if lesson.validate else NO_VALIDATION_WARNING
                return f"{warning}: contradicting story '{lesson.story}'"
    return None


def _situation(tracker: DialogueStateTracker) -> tuple[str, str | None, str | None] | None:
    form = tracker.active_loop_name
    message = tracker.latest_message
    if form is None or message is None:
        return None
    history = tracker.applied_events(collapse_loops=False)
    last_user = max((i for i, e in enumerate(history) if isinstance(e, UserUttered)), default=0)
    return form, _action_before(history[:last_user]), message.intent_name


def _action_before(events: list[Event]) -> str | None:
    return next((e.name for e in reversed(events) if isinstance(e, ActionExecuted) and e.name != ACTION_LISTEN), None)


def _lessons(item: Any) -> list[_Lesson]:
    if isinstance(item, Story):
        return _story_lessons(item)
    events = getattr(item, "events", None)
    name = getattr(item, "name", None) or getattr(item, "sender_id", "")
    return _event_lessons(list(events or []), str(name))


def _event_lessons(events: list[Event], story: str) -> list[_Lesson]:
    lessons: list[_Lesson] = []
    loop: str | None = None
    action_before: str | None = None
    pending: tuple[str | None, str | None, bool | None] | None = None  # action before, intent, explicit
    for event in events:
        if isinstance(event, ActiveLoop):
            loop = event.name
        elif isinstance(event, UserUttered):
            pending = (action_before, event.intent_name, None) if loop else None
        elif isinstance(event, (LoopInterrupted, FormValidation)) and pending is not None:
            explicit: bool | None = not event.is_interrupted if isinstance(event, LoopInterrupted) else event.validate
            pending = (pending[0], pending[1], explicit)
        elif isinstance(event, ActionExecuted) and event.name != ACTION_LISTEN:
            if pending is not None and loop and event.name == loop:
                before, intent, explicit = pending
                validates = explicit if explicit is not None else before == loop
                lessons.append(_Lesson(loop, before, intent, validates, story))
            pending = None
            action_before = event.name
    return lessons


def _story_lessons(story: Story) -> list[_Lesson]:
    lessons: list[_Lesson] = []
    loop: str | None = None
    action_before: str | None = None
    pending: list[tuple[str | None, str | None, bool | None]] = []
    for step in story.steps:
        if isinstance(step, ActiveLoopStep):
            loop = step.name
        elif isinstance(step, (UserStep, OrStep)):
            users = [s for s in (step.alternatives if isinstance(step, OrStep) else [step]) if isinstance(s, UserStep)]
            pending = [(action_before, u.intent, True if u.form else None) for u in users] if loop else []
        elif isinstance(step, EventStep) and pending and step.event in ("form_validation", "loop_interrupted"):
            explicit: bool | None = (
                bool(step.params.get("validate", True))
                if step.event == "form_validation"
                else not step.params.get("is_interrupted", False)
            )
            pending = [(before, intent, explicit) for before, intent, _ in pending]
        elif isinstance(step, ActionStep) and step.name and step.name != ACTION_LISTEN:
            if loop and step.name == loop:
                for before, intent, explicit in pending:
                    validates = explicit if explicit is not None else before == loop
                    lessons.append(_Lesson(loop, before, intent, validates, story.name))
            pending = []
            action_before = step.name
    return lessons
