"""Conversations -> stories: what interactive learning writes into the project.

A tracker's events in effect (undo, rewind and restart applied; loop turns NOT collapsed, so every
turn the person confirmed is kept) become the story model, which the Markdown and YAML writers
turn into text. Bot messages, listens and bookkeeping events are not story steps.

Two styles. "3.x" writes events in order (`slot_was_set` runs merged, `active_loop`). "1.x" marks
what the active form handled with `form:` exactly as Rasa 1.x's story writer did: a user turn
while a form is active, and the steps after it, are held back until it is known whether the form
took that input. If the form then runs without having been rejected, the turn is written
`* form: intent` and the form `- form: name`; slot events stay unprefixed. If the form was
rejected, the turn is written plain and the next action plain, except that a form running again
on validated input after a rejection gets an explicit `- action_listen` before `* form: intent`.
Deactivating the form, or the end of the story, writes what is held back with the prefix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeGuard

from core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    AllSlotsReset,
    ConversationPaused,
    ConversationResumed,
    Event,
    FormValidation,
    LoopInterrupted,
    SlotSet,
    UserUttered,
)
from core.tracker import ACTION_LISTEN, ACTION_SESSION_START, DialogueStateTracker
from core.training_data.stories_md import write_stories_md
from core.training_data.stories_yaml import write_stories_yaml
from core.training_data.story_model import (
    ActionStep,
    ActiveLoopStep,
    EventStep,
    SlotStep,
    Step,
    Story,
    UserStep,
)

StoryStyle = Literal["1.x", "3.x"]
ExportFormat = Literal["md", "yaml"]
# Events with a story line of their own (Markdown `- name`); everything else is not a story step.
_PLAIN_EVENTS: dict[type[Event], str] = {
    AllSlotsReset: "reset_slots",
    ConversationPaused: "pause",
    ConversationResumed: "resume",
}
_NOT_STORY_ACTIONS = (ACTION_LISTEN, ACTION_SESSION_START)


def tracker_to_story(tracker: DialogueStateTracker, name: str, style: StoryStyle = "3.x", e2e: bool = False) -> Story:
    """The conversation as a story; `e2e` keeps the user's text (and entity positions)."""
    events = tracker.applied_events(collapse_loops=False)
    steps = _form_prefixed_steps(events, e2e) if style == "1.x" else _plain_steps(events, e2e)
    return Story(name=name, steps=steps)


def export_stories(
    trackers: Iterable[DialogueStateTracker] | Mapping[str, DialogueStateTracker],
    fmt: ExportFormat,
    e2e: bool = False,
) -> str:
    """Stories text: 1.x Markdown (`md`, with `form:` prefixes) or 3.x YAML (`yaml`). Trackers
    given as a mapping are named by its keys, otherwise by their sender id."""
    named = trackers.items() if isinstance(trackers, Mapping) else ((t.sender_id, t) for t in trackers)
    style: StoryStyle = "1.x" if fmt == "md" else "3.x"
    stories = [tracker_to_story(tracker, name, style, e2e) for name, tracker in named]
    return write_stories_md(stories) if fmt == "md" else write_stories_yaml(stories)


# -- single steps ------------------------------------------------------------------------------


def user_step(event: UserUttered, e2e: bool, form: bool = False) -> UserStep:
    entities = [_entity(e, keep_position=e2e) for e in event.entities]
    return UserStep(intent=event.intent_name, entities=entities, text=event.text if e2e else None, form=form)


def _entity(entity: dict, keep_position: bool) -> dict:
    keys = ["entity", "value", "role", "group"] + (["start", "end"] if keep_position else [])
    return {k: entity[k] for k in keys if entity.get(k) is not None}


def _action_step(event: ActionExecuted, form: bool = False) -> ActionStep:
    if event.name is None:
        return ActionStep(bot_text=event.action_text)
    return ActionStep(name=event.name, form=form)


def _is_story_action(event: Event) -> TypeGuard[ActionExecuted]:
    return isinstance(event, ActionExecuted) and event.name not in _NOT_STORY_ACTIONS


# -- 3.x: events in order ----------------------------------------------------------------------


def _plain_steps(events: list[Event], e2e: bool) -> list[Step]:
    steps: list[Step] = []
    for event in events:
        if isinstance(event, UserUttered):
            steps.append(user_step(event, e2e))
        elif _is_story_action(event):
            steps.append(_action_step(event))
        elif isinstance(event, SlotSet):
            if steps and isinstance(steps[-1], SlotStep) and event.name not in steps[-1].slots:
                steps[-1].slots[event.name] = event.value
            else:
                steps.append(SlotStep(slots={event.name: event.value}))
        elif isinstance(event, ActiveLoop):
            steps.append(ActiveLoopStep(name=event.name))
        elif type(event) in _PLAIN_EVENTS:
            steps.append(EventStep(_PLAIN_EVENTS[type(event)]))
    return steps


# -- 1.x: form prefixes ------------------------------------------------------------------------


@dataclass
class _HeldBack:
    """Steps seen while a form is active, in both spellings, until the form's fate is known."""

    with_prefix: list[Step] = field(default_factory=list)
    without_prefix: list[Step] = field(default_factory=list)

    def add(self, prefixed: Step, plain: Step) -> None:
        self.with_prefix.append(prefixed)
        self.without_prefix.append(plain)

    def take(self, prefixed: bool) -> list[Step]:
        steps = self.with_prefix if prefixed else self.without_prefix
        self.with_prefix, self.without_prefix = [], []
        return steps


def _form_prefixed_steps(events: list[Event], e2e: bool) -> list[Step]:
    steps: list[Step] = []
    held = _HeldBack()
    form: str | None = None
    validate = True
    rejected = False
    for event in events:
        if isinstance(event, UserUttered):
            if form is None:
                steps.append(user_step(event, e2e))
            else:
                held.add(user_step(event, e2e, form=True), user_step(event, e2e))
        elif isinstance(event, ActiveLoop):  # `form` events of 1.x included
            form = event.name
            if form is None:
                steps += held.take(prefixed=True)
            steps.append(ActiveLoopStep(name=event.name))
        elif isinstance(event, (FormValidation, LoopInterrupted)):
            validate = event.validate if isinstance(event, FormValidation) else not event.is_interrupted
        elif isinstance(event, ActionExecutionRejected):
            rejected = rejected or event.name == form
        elif isinstance(event, ActionExecuted):
            if _is_story_action(event):
                if form is None:
                    steps.append(_action_step(event))
                else:
                    steps += _form_turn(event, form, held, rejected, validate)
                    rejected = rejected and event.name != form
            validate = True
        elif isinstance(event, SlotSet):
            step: Step = SlotStep(slots={event.name: event.value})
            if form is None:
                steps.append(step)
            else:
                held.add(step, SlotStep(slots={event.name: event.value}))
        elif type(event) in _PLAIN_EVENTS:
            step = EventStep(_PLAIN_EVENTS[type(event)])
            if form is None:
                steps.append(step)
            else:  # 1.x wrote `- form: reset_slots`, which no reader takes back: kept plain
                held.add(step, EventStep(_PLAIN_EVENTS[type(event)]))
    if form is not None:
        steps += held.take(prefixed=True)
    return steps


def _form_turn(event: ActionExecuted, form: str, held: _HeldBack, rejected: bool, validate: bool) -> list[Step]:
    """The held-back steps and this action, once an action runs while `form` is active."""
    if not rejected:
        return [*held.take(prefixed=True), _action_step(event, form=True)]
    if held.with_prefix and validate and event.name == form:
        # the form took input it had rejected before: 1.x readers need the listen spelled out
        return [ActionStep(name=ACTION_LISTEN), *held.take(prefixed=True), _action_step(event)]
    return [*held.take(prefixed=False), _action_step(event)]
