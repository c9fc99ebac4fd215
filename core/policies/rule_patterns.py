"""What rules are made of, shared by the rule policy and its training checks: the patterns a
rule tracker teaches, the built-in rules' names, and the decision a rule lookup returns."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.domain import Domain
from core.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    SlotSet,
    UserUttered,
)
from core.policies.states import (
    ACTIVE_LOOP,
    PREV_ACTION,
    SLOTS,
    State,
    state_key,
    states_from_key,
    training_examples,
)
from core.tracker import SHOULD_NOT_BE_SET

if TYPE_CHECKING:
    from core.training_data.trackers import TrainingTracker

# Rasa's built-in intents whose action overrules everything else.
DEFAULT_ACTION_MAPPINGS = {
    "restart": "action_restart",
    "back": "action_back",
    "session_start": "action_session_start",
}
# Names of the built-in "rules", as Rasa words them in its contradiction report.
DEFAULT_RULES = "predicting default action with intent "
LOOP_RULES = "handling active loops and forms - "
LOOP_RULES_SEPARATOR = " - "
# What the stories teach about a loop's unhappy paths (Rasa's negative rules).
LOOP_WAS_INTERRUPTED = "loop_was_interrupted"
DO_NOT_PREDICT_LOOP_ACTION = "do_not_predict_loop_action"
CONVERSATION_START: State = {}  # first state of a `conversation_start` pattern: nothing before


# -- patterns ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def pattern_of(key: str) -> tuple[State, ...]:
    """The states of a rule key (cached: the contradiction check matches keys very often)."""
    return tuple(states_from_key(key))


def state_matches(rule_state: State, state: State) -> bool:
    """True when every feature the rule state names has the same value in `state`."""
    for part, rule_sub in rule_state.items():
        actual = state.get(part) or {}
        for feature, wanted in rule_sub.items():
            have = actual.get(feature)
            if wanted == SHOULD_NOT_BE_SET:
                if have and have != SHOULD_NOT_BE_SET:
                    return False
            elif wanted and have != wanted:
                return False
    return True


def pattern_matches(pattern: tuple[State, ...], states: list[State]) -> bool:
    """True when `pattern` matches the end of `states` (all of them for a conversation start)."""
    anchored = bool(pattern) and pattern[0] == CONVERSATION_START
    body = pattern[1:] if anchored else pattern
    if not body or len(body) > len(states) or (anchored and len(body) != len(states)):
        return False
    offset = len(states) - len(body)
    return all(state_matches(rule_state, states[offset + i]) for i, rule_state in enumerate(body))


def specificity(key: str) -> tuple[int, int, int, str]:
    """Order of preference among matching rules: most features, then longest, then stable."""
    pattern = pattern_of(key)
    features = sum(len(sub) if isinstance(sub, dict) else 1 for state in pattern for sub in state.values())
    return (features, len(pattern), len(key), key)


def last_action_key(pattern: tuple[State, ...] | list[State]) -> str:
    return state_key([pattern[-1].get(PREV_ACTION, {})]) if pattern else ""


# -- rule trackers -> patterns ----------------------------------------------------------------


def rule_events(tracker: TrainingTracker) -> list[Event]:
    """A rule's events with `null` slots and loops turned into "must not be set"."""
    events: list[Event] = []
    for event in tracker.events:
        if isinstance(event, SlotSet) and event.value is None:
            event = SlotSet(event.name, SHOULD_NOT_BE_SET, timestamp=event.timestamp)
        elif isinstance(event, ActiveLoop) and event.name is None:
            event = ActiveLoop(SHOULD_NOT_BE_SET, timestamp=event.timestamp)
        events.append(event)
    return events


def pattern_start(tracker: TrainingTracker) -> int:
    """Index of the first state that belongs to a rule's pattern.

    The opening `action_listen` of a rule stands for "whatever came before". When the rule's
    steps start with a user message, the state after it is a real listen turn and the pattern
    starts there; when they start with an action, that state is only the condition and is left
    out, like the state after Rasa's `...` marker (its slots and loop carry into the next state).
    """
    if tracker.conversation_start:
        return 0
    for event in tracker.events[1 + tracker.condition_length :]:
        if isinstance(event, UserUttered):
            return 0
        if isinstance(event, ActionExecuted):
            return 1
    return 0


def rule_patterns(tracker: TrainingTracker, domain: Domain) -> list[tuple[int, str | None, str]]:
    """(event index of the action, pattern key or None when unpredictable, action) for a rule."""
    events = rule_events(tracker)
    start = pattern_start(tracker)
    action_indices = [i for i, e in enumerate(events) if isinstance(e, ActionExecuted)]
    result = []
    for position, (states, action) in enumerate(training_examples(events, domain, omit_unset_slots=True), 1):
        pattern = states[start:]
        if pattern and tracker.conversation_start:
            pattern = [CONVERSATION_START, *pattern]
        result.append((action_indices[position], state_key(pattern) if pattern else None, action))
    return result


def unhappy_loop_key(states: list[State]) -> str | None:
    """Rasa's key for loop unhappy-path conditions: the action before the last turn, and the last state."""
    if not states:
        return None
    if len(states) == 1 or not states[-2].get(PREV_ACTION):
        return state_key([states[-1]])
    return state_key([{PREV_ACTION: states[-2][PREV_ACTION]}, states[-1]])


def slots_and_loops(patterns: Iterable[list[State]]) -> tuple[set[str], set[str]]:
    slots: set[str] = set()
    loops: set[str] = set()
    for states in patterns:
        for state in states:
            slots.update(state.get(SLOTS, {}))
            loop = state.get(ACTIVE_LOOP, {}).get("name")
            if loop:
                loops.add(loop)
    return slots - {SHOULD_NOT_BE_SET}, loops - {SHOULD_NOT_BE_SET}


# -- the decision -----------------------------------------------------------------------------


@dataclass
class RuleDecision:
    """What the rules say about the next action, and why (`source`: the rule key or a built-in)."""

    action: str | None = None
    source: str | None = None
    is_no_user_prediction: bool = False
    returning_from_unhappy_path: bool = False
    matched: list[str] = field(default_factory=list)
