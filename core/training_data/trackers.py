"""Stories and rules -> training trackers: the event lists the dialogue policies learn from.

Stories are cut into blocks at checkpoints, the way Rasa's story graph does it: a block that ends
in a checkpoint continues with every block that starts with it (if the checkpoint's slot
conditions hold), a block with no start checkpoint starts a story, and a path never visits a block
twice (cycles are cut). `or:` steps give one tracker per alternative. Each complete path becomes
one tracker that opens with `action_listen`, has an `action_listen` before every user turn, and
ends with one when the story ends. After a user turn come the slots its entities fill, as in Rasa.

Rules become rule trackers: their condition first, then their steps; the rule flags ride along.
Augmentation glues complete stories end to start at random (seeded), as Rasa does, for the ML
policy only.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from core.domain import Domain
from core.errors import DataError
from core.events import (
    EVENT_TYPES,
    ActionExecuted,
    ActiveLoop,
    Event,
    SlotSet,
    UserUttered,
    event_from_dict,
)
from core.tracker import ACTION_LISTEN, DialogueStateTracker
from core.training_data.story_model import (
    ActionStep,
    ActiveLoopStep,
    CheckpointStep,
    EventStep,
    OrStep,
    SlotStep,
    Step,
    Story,
    UserStep,
)

MAX_PATHS_PER_STORY = 1000
# Rasa 1.x deactivated a form with this action; Rasa 2+ calls it action_deactivate_loop.
LEGACY_DEACTIVATE = {"action_deactivate_form": "action_deactivate_loop"}


@dataclass
class TrainingTracker:
    """One training dialogue. Rule flags are meaningful only when `is_rule`.

    Every tracker opens with `action_listen`. For a rule that is not `conversation_start`, that
    opening listen stands for "whatever happened before": the rule matches anywhere.
    `condition_length` counts the events right after it that come from the rule's condition.
    """

    name: str
    events: list[Event]
    is_rule: bool = False
    is_augmented: bool = False
    conversation_start: bool = False
    wait_for_user_input: bool = True
    condition_length: int = 0

    def dialogue_tracker(self, domain: Domain) -> DialogueStateTracker:
        return DialogueStateTracker(self.name, domain.slot_defaults(), self.events)


@dataclass
class _Block:
    """A piece of a story between checkpoints (Rasa's story step)."""

    story: str
    index: int
    starts: list[CheckpointStep]
    steps: list[Step]
    ends: list[str]


@dataclass
class _Builder:
    domain: Domain
    warnings: list[str] = field(default_factory=list)

    # -- steps -> events ----------------------------------------------------------------------

    def events_for(self, steps: Iterable[Step], events: list[Event] | None = None) -> list[Event]:
        """Appends the events of plain steps (no checkpoint, no `or`) to `events`."""
        events = [] if events is None else events
        for step in steps:
            if isinstance(step, UserStep):
                if _last_action(events) != ACTION_LISTEN:
                    events.append(ActionExecuted(ACTION_LISTEN, timestamp=0.0))
                events.append(self.user_event(step))
                events.extend(self.entity_slot_events(step))
            elif isinstance(step, ActionStep):
                name = LEGACY_DEACTIVATE.get(step.name or "", step.name)
                events.append(ActionExecuted(name, action_text=step.bot_text, timestamp=0.0))
            elif isinstance(step, SlotStep):
                events.extend(self.slot_events(step))
            elif isinstance(step, ActiveLoopStep):
                events.append(ActiveLoop(step.name, timestamp=0.0))
            elif isinstance(step, EventStep):
                events.append(self.other_event(step))
        return events

    @staticmethod
    def user_event(step: UserStep) -> UserUttered:
        intent = {"name": step.intent, "confidence": 1.0} if step.intent else {}
        return UserUttered(step.text or "", intent=intent, entities=[dict(e) for e in step.entities], timestamp=0.0)

    def entity_slot_events(self, step: UserStep) -> list[SlotSet]:
        """The slots the turn's entities fill (Rasa 2.x auto-fill, 3.x from_entity mappings),
        as Rasa adds them after each user message of a story or rule."""
        return [
            SlotSet(name, value, timestamp=0.0) for name, value in self.domain.slots_for_entities(step.entities).items()
        ]

    def slot_events(self, step: SlotStep) -> list[SlotSet]:
        return [
            SlotSet(name, self.filled_value(name) if name in step.by_name else value, timestamp=0.0)
            for name, value in step.slots.items()
        ]

    def filled_value(self, name: str) -> Any:
        """The value for a slot written by name only, as Rasa 3 fills it: text "filled", list
        ["filled"]; other featurized types need a value and count as unset (with a warning)."""
        slot = self.domain.all_slots.get(name)
        kind = slot.type if slot else "text"
        if kind == "list":
            return ["filled"]
        if kind in ("text", "any") or slot is None or not slot.featurized:
            return "filled"
        self.warnings.append(
            f"slot '{name}' of type {kind} is set by name only in a story: it is treated as unset; give it a value"
        )
        return None

    @staticmethod
    def other_event(step: EventStep) -> Event:
        if step.event not in EVENT_TYPES:
            raise DataError(
                f"unknown event '{step.event}' in a story",
                step.location,
                f"Known events: {', '.join(sorted(EVENT_TYPES))}.",
            )
        try:
            return event_from_dict({"event": step.event, "timestamp": 0.0, **step.params})
        except DataError as error:
            raise DataError(error.message, step.location, error.hint) from None

    # -- stories -> paths ---------------------------------------------------------------------

    def variants(self, steps: Sequence[Step], what: str) -> list[list[Step]]:
        """Every way through the `or:` steps of `steps`, capped at MAX_PATHS_PER_STORY."""
        choices = [step.alternatives if isinstance(step, OrStep) else [step] for step in steps]
        result: list[list[Step]] = []
        for combination in product(*choices):
            if len(result) == MAX_PATHS_PER_STORY:
                self.warnings.append(
                    f"{what}: more than {MAX_PATHS_PER_STORY} `or` combinations; the rest are left out"
                )
                break
            result.append(list(combination))
        return result

    def story_trackers(self, stories: list[Story]) -> list[TrainingTracker]:
        blocks = [block for story in stories for block in _blocks(story)]
        by_start: dict[str, list[_Block]] = {}
        for block in blocks:
            for checkpoint in block.starts:
                by_start.setdefault(checkpoint.name, []).append(block)
        ended = {name for block in blocks for name in block.ends}
        for name in sorted(set(by_start) - ended):
            self.warnings.append(f"checkpoint '{name}' is never reached: no story part ends with it")
        for name in sorted(ended - set(by_start)):
            self.warnings.append(f"checkpoint '{name}' is never continued: no story part starts with it")
        trackers: list[TrainingTracker] = []
        for block in blocks:
            if not block.starts:
                trackers.extend(self.paths_from(block, by_start))
        return trackers

    def paths_from(self, root: _Block, by_start: dict[str, list[_Block]]) -> list[TrainingTracker]:
        """Depth-first over the checkpoint graph; each finished path is one tracker."""
        finished: list[TrainingTracker] = []
        opening: list[Event] = [ActionExecuted(ACTION_LISTEN, timestamp=0.0)]
        stack: list[tuple[_Block, list[Event], list[str], tuple[int, ...]]] = [(root, opening, [], ())]
        while stack:
            block, events, names, visited = stack.pop()
            if len(finished) >= MAX_PATHS_PER_STORY:
                self.warnings.append(
                    f"story '{root.story}': more than {MAX_PATHS_PER_STORY} paths through checkpoints and "
                    f"`or` steps; the rest are left out"
                )
                break
            names = names if names and names[-1] == block.story else [*names, block.story]
            visited = (*visited, id(block))
            for steps in reversed(self.variants(block.steps, f"story '{block.story}'")):
                path_events = self.events_for(steps, list(events))
                nexts = [
                    following
                    for checkpoint in block.ends
                    for following in by_start.get(checkpoint, [])
                    if id(following) not in visited and self.conditions_hold(following, checkpoint, path_events)
                ]
                if not nexts:
                    finished.append(TrainingTracker(" > ".join(names), _with_final_listen(path_events)))
                for following in reversed(nexts):
                    stack.append((following, path_events, names, visited))
        return finished

    def conditions_hold(self, block: _Block, checkpoint: str, events: list[Event]) -> bool:
        conditions = [c.conditions for c in block.starts if c.name == checkpoint]
        if not any(conditions):
            return True
        # any slot counts here, declared in the domain or not: the story itself names it
        slots = {**self.domain.slot_defaults(), **DialogueStateTracker("conditions", None, events).slots}
        return any(all(slots.get(k) == v for k, v in condition.items()) for condition in conditions)

    # -- rules --------------------------------------------------------------------------------

    def rule_trackers(self, rule: Story) -> list[TrainingTracker]:
        trackers = []
        steps = [s for s in rule.steps if not isinstance(s, CheckpointStep)]
        for condition in self.variants(rule.condition, f"rule '{rule.name}'"):
            for body in self.variants(steps, f"rule '{rule.name}'"):
                events: list[Event] = [ActionExecuted(ACTION_LISTEN, timestamp=0.0)]
                self.events_for(condition, events)
                condition_length = len(events) - 1
                self.events_for(body, events)
                if rule.wait_for_user_input:
                    events = _with_final_listen(events)
                trackers.append(
                    TrainingTracker(
                        rule.name,
                        events,
                        is_rule=True,
                        conversation_start=rule.conversation_start,
                        wait_for_user_input=rule.wait_for_user_input,
                        condition_length=condition_length,
                    )
                )
        return trackers


def _blocks(story: Story) -> list[_Block]:
    """Cuts a story at its checkpoints: leading ones start it, later ones end a block."""
    blocks: list[_Block] = []
    starts: list[CheckpointStep] = []
    steps: list[Step] = []
    ends: list[str] = []
    for step in story.steps:
        if isinstance(step, CheckpointStep):
            if steps:
                ends.append(step.name)
            else:
                starts.append(step)
            continue
        if ends:  # a step after end checkpoints: they were intermediate, a new block starts
            blocks.append(_Block(story.name, len(blocks), starts, steps, ends))
            starts, steps = [CheckpointStep(name) for name in ends], []
            ends = []
        steps.append(step)
    blocks.append(_Block(story.name, len(blocks), starts, steps, ends))
    return blocks


def _last_action(events: list[Event]) -> str | None:
    for event in reversed(events):
        if isinstance(event, ActionExecuted):
            return event.name
    return None


def _with_final_listen(events: list[Event]) -> list[Event]:
    """A story ends by waiting for the user, unless it ends on a user message or a listen."""
    for event in reversed(events):
        if isinstance(event, UserUttered):
            return events
        if isinstance(event, ActionExecuted):
            if event.name == ACTION_LISTEN:
                return events
            break
    return [*events, ActionExecuted(ACTION_LISTEN, timestamp=0.0)]


def augmented_trackers(stories: list[TrainingTracker], count: int, seed: int) -> list[TrainingTracker]:
    """`count` trackers, each a complete story followed by another one, picked at random."""
    complete = [t for t in stories if not t.is_rule and not t.is_augmented]
    if not complete or count <= 0:
        return []
    rng = random.Random(seed)
    glued = []
    for _ in range(count):
        first, second = rng.choice(complete), rng.choice(complete)
        tail = second.events[1:] if _last_action(first.events) == ACTION_LISTEN else second.events
        glued.append(TrainingTracker(f"{first.name} + {second.name}", [*first.events, *tail], is_augmented=True))
    return glued


def training_trackers(
    stories: list[Story],
    domain: Domain,
    augmentation_factor: int = 20,
    seed: int = 42,
    warnings: list[str] | None = None,
) -> list[TrainingTracker]:
    """Story trackers, rule trackers, then `augmentation_factor` augmented story trackers.

    Messages about unused checkpoints and capped combinations are appended to `warnings`.
    """
    builder = _Builder(domain)
    story_list = builder.story_trackers([s for s in stories if not s.is_rule])
    rule_list = [tracker for rule in stories if rule.is_rule for tracker in builder.rule_trackers(rule)]
    if warnings is not None:
        warnings.extend(dict.fromkeys(builder.warnings))
    return [*story_list, *rule_list, *augmented_trackers(story_list, augmentation_factor, seed)]
