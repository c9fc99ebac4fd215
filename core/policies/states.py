"""The dialogue state as the policies see it: what Rasa featurizes, as plain dicts.

A `State` describes the conversation just before the bot picks its next action:

    {"user": {"intent": "inform", "entities": ("cuisine", "city#destination")},
     "prev_action": {"action_name": "utter_ask_cuisine"},      # or {"action_text": "..."}
     "active_loop": {"name": "restaurant_form"},               # absent when no loop is active
     "slots": {"cuisine": (1.0,), "vegetarian": (1.0, 0.0)}}   # featurized, non-zero slots only

Empty parts are left out. Slot features follow Rasa 3: text/list `(is set,)`, bool and float
`(is set, value)`, categorical one-hot over its values plus "__other__"; a slot whose features are
all zero (unset) is absent, and a slot set to "should_not_be_set" (rule conditions) keeps that
string. Only the latest user message is in a state, and only until the bot's next `action_listen`.

`tracker_states()` gives one state per `ActionExecuted` in the loop-collapsed applied events: the
state right after that action (and whatever followed it before the next action). The action at
position k is therefore predicted from `states[:k]`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.domain import Domain, Slot
from core.events import ActionExecuted, AllSlotsReset, Event, SlotSet, UserUttered
from core.tracker import ACTION_LISTEN, SHOULD_NOT_BE_SET, DialogueStateTracker

if TYPE_CHECKING:
    from core.training_data.trackers import TrainingTracker

State = dict  # {"user"?, "prev_action"?, "active_loop"?, "slots"?}: see the module docstring
USER, PREV_ACTION, ACTIVE_LOOP, SLOTS = "user", "prev_action", "active_loop", "slots"
ENTITY_LABEL_SEPARATOR = "#"  # "city#destination": an entity with its role or group
CATEGORICAL_OTHER = "__other__"
RULE_ONLY_SLOTS, RULE_ONLY_LOOPS = "rule_only_slots", "rule_only_loops"


# -- slots ------------------------------------------------------------------------------------


def slot_features(slot: Slot, value: Any) -> tuple[float, ...]:
    """The numbers a policy sees for one slot value; () for slots that do not influence dialogue."""
    if not slot.featurized or slot.custom_class:
        return ()
    kind = slot.type
    if kind == "bool":
        flag = _as_bool(value)
        return (0.0, 0.0) if flag is None else (1.0, float(flag))
    if kind == "float":
        return _float_features(slot, value)
    if kind == "categorical":
        return _one_hot(categorical_values(slot), value)
    if kind == "list":
        return (1.0 if isinstance(value, (list, tuple)) and len(value) > 0 else 0.0,)
    return (0.0 if value is None else 1.0,)  # text and anything else: set or not


def categorical_values(slot: Slot) -> list[str]:
    """The one-hot positions of a categorical slot: its values lower-cased, then "__other__"."""
    values = [str(v).lower() for v in slot.values]
    return values if CATEGORICAL_OTHER in values else [*values, CATEGORICAL_OTHER]


def _one_hot(values: list[str], value: Any) -> tuple[float, ...]:
    features = [0.0] * len(values)
    if value is None:
        return tuple(features)
    key = str(value).lower()
    features[values.index(key) if key in values else values.index(CATEGORICAL_OTHER)] = 1.0
    return tuple(features)


def _float_features(slot: Slot, value: Any) -> tuple[float, ...]:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return (0.0, 0.0)
    low, high = slot.min_value, slot.max_value
    capped = max(low, min(high, number))
    span = abs(high - low) or 1.0
    return (1.0, (capped - low) / span)


def _as_bool(value: Any) -> bool | None:
    """Rasa's lenient reading of a bool slot value; None when it is unset or unreadable."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value == 1
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "1.0", "yes"):
            return True
        if lowered in ("false", "0", "0.0", "no"):
            return False
    return None


def slots_sub_state(slots: Mapping[str, Any], domain: Domain, set_slots: Iterable[str] | None = None) -> dict[str, Any]:
    """Featurized slots with a non-zero feature; with `set_slots`, only those (omit unset slots)."""
    allowed = None if set_slots is None else set(set_slots)
    result: dict[str, Any] = {}
    for name, slot in domain.all_slots.items():
        if allowed is not None and name not in allowed:
            continue
        value = slots.get(name)
        features = slot_features(slot, value)
        if not features:
            continue
        if value == SHOULD_NOT_BE_SET:
            result[name] = SHOULD_NOT_BE_SET
        elif any(features):
            result[name] = features
    return result


# -- user message -----------------------------------------------------------------------------


def entity_labels(entities: Iterable[Mapping[str, Any]]) -> set[str]:
    """Entity names, plus "entity#role" and "entity#group" for entities that have them."""
    labels: set[str] = set()
    for entity in entities:
        name = entity.get("entity")
        if not isinstance(name, str):
            continue
        labels.add(name)
        for extra in ("role", "group"):
            if entity.get(extra):
                labels.add(f"{name}{ENTITY_LABEL_SEPARATOR}{entity[extra]}")
    return labels


def featurized_entities(domain: Domain, intent: str | None, entities: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The entity labels the policies see with `intent`: its use_entities/ignore_entities applied.

    Entities the domain does not know, or declares with `influence_conversation: false`, are
    dropped for a known intent; an unknown intent (e.g. from NLU only) keeps them all, as Rasa does.
    """
    labels = entity_labels(entities)
    config = domain.intents.get(intent or "")
    if config is None:
        return tuple(sorted(labels))

    def used(label: str) -> bool:
        base = label.split(ENTITY_LABEL_SEPARATOR, 1)[0]
        known = domain.entities.get(base)
        if known is None or not known.influence_conversation:
            return False
        if label in config.ignore_entities:
            return False
        if isinstance(config.use_entities, list) and label in config.use_entities:
            return True
        return config.uses_entity(base)

    return tuple(sorted(label for label in labels if used(label)))


def user_sub_state(message: UserUttered | None, domain: Domain) -> dict[str, Any]:
    """{"intent", "entities"} of a message; {"text"} for an end-to-end message without intent."""
    if message is None:
        return {}
    intent = message.intent_name
    if intent:
        sub: dict[str, Any] = {"intent": intent}
        entities = featurized_entities(domain, intent, message.entities)
        if entities:
            sub["entities"] = entities
        return sub
    return {"text": message.text} if message.text else {}


# -- whole states -----------------------------------------------------------------------------


def current_state(tracker: DialogueStateTracker, domain: Domain, set_slots: Iterable[str] | None = None) -> State:
    """The state of a tracker as it stands now (Rasa's `get_active_state`)."""
    state: State = {}
    user = user_sub_state(tracker.latest_message, domain)
    if user:
        state[USER] = user
    if tracker.latest_action:
        state[PREV_ACTION] = tracker.latest_action
    loop = (tracker.active_loop or {}).get("name")
    if loop:
        state[ACTIVE_LOOP] = {"name": loop}
    slots = slots_sub_state(tracker.slots, domain, set_slots)
    if slots:
        state[SLOTS] = slots
    return state


@dataclass
class _Snapshot:
    """The state just before an action (or at the end), as Rasa's `generate_all_prior_trackers`."""

    state: State
    action: ActionExecuted | None  # the action about to run; None for the final snapshot
    followup_action: str | None
    loop_just_ran: bool  # the latest action was the active loop: its happy-path turn


def _applied(source: DialogueStateTracker | Iterable[Event], domain: Domain) -> list[Event]:
    if isinstance(source, DialogueStateTracker):
        return source.applied_events()
    return DialogueStateTracker("states", domain.slot_defaults(), source).applied_events()


def _snapshots(
    source: DialogueStateTracker | Iterable[Event], domain: Domain, omit_unset_slots: bool
) -> list[_Snapshot]:
    """Replays the applied events, snapshotting the state before each action and at the end."""
    replay = DialogueStateTracker("states", domain.slot_defaults())
    set_slots: set[str] | None = set() if omit_unset_slots else None
    snapshots: list[_Snapshot] = []

    def snapshot(action: ActionExecuted | None) -> None:
        loop = replay.active_loop_name
        snapshots.append(
            _Snapshot(
                current_state(replay, domain, set_slots),
                action,
                replay.followup_action,
                loop is not None and replay.latest_action_name == loop,
            )
        )

    for event in _applied(source, domain):
        if isinstance(event, ActionExecuted):
            snapshot(event)
        elif set_slots is not None and isinstance(event, SlotSet):
            set_slots.add(event.name)
        elif set_slots is not None and isinstance(event, AllSlotsReset):
            set_slots.clear()
        replay.update(event)
    snapshot(None)
    return snapshots


def tracker_states(
    source: DialogueStateTracker | Iterable[Event],
    domain: Domain,
    *,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Mapping[str, list[str]] | None = None,
) -> list[State]:
    """One state per action in effect: the state right after it, see the module docstring.

    `omit_unset_slots` leaves out slots no event set (rules say nothing about them).
    `ignore_rule_only_turns` hides the turns a rule predicted with `hide_rule_turn`, and the slots
    and loops in `rule_only_data` ({"rule_only_slots": [...], "rule_only_loops": [...]}) that only
    rules use, so that a story-trained policy sees the history it was trained on.
    """
    snapshots = _snapshots(source, domain, omit_unset_slots)
    if not ignore_rule_only_turns:
        return [s.state for s in snapshots[1:]]
    return _without_rule_turns(snapshots, rule_only_data or {})


def _without_rule_turns(snapshots: list[_Snapshot], rule_only_data: Mapping[str, list[str]]) -> list[State]:
    """Rasa's idea: drop hidden turns, and show the last visible action as the previous one."""
    states: list[State] = []
    hidden = False
    last_ml_action: dict[str, str] | None = None
    for index, snap in enumerate(snapshots):
        if not hidden:
            last_ml_action = snap.state.get(PREV_ACTION)
        # a followup action or the loop's happy path does not change whether the turn is hidden
        if not snap.followup_action and not snap.loop_just_ran:
            hidden = bool(snap.action and snap.action.hide_rule_turn)
        if hidden or index == 0:  # the state before the opening action is not in our histories
            continue
        states.append(_ml_state(snap.state, states, last_ml_action, rule_only_data))
    return states


def _ml_state(
    state: State, previous: list[State], last_ml_action: dict[str, str] | None, rule_only: Mapping[str, list[str]]
) -> State:
    state = {part: _tuples(json.loads(json.dumps(value))) for part, value in state.items()}
    for slot in rule_only.get(RULE_ONLY_SLOTS, []):
        state.get(SLOTS, {}).pop(slot, None)
    if state.get(ACTIVE_LOOP, {}).get("name") in rule_only.get(RULE_ONLY_LOOPS, []):
        del state[ACTIVE_LOOP]
    if previous and not is_prev_action_listen(state):
        if previous[-1].get(USER):
            state[USER] = previous[-1][USER]
        else:
            state.pop(USER, None)
    if last_ml_action:
        state[PREV_ACTION] = dict(last_ml_action)
    return {part: value for part, value in state.items() if value}


def _tuples(value: Any) -> Any:
    """JSON round trips turn tuples into lists; states keep tuples so they stay hashable parts."""
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(value)
    return value


def training_examples(
    tracker: TrainingTracker | Iterable[Event], domain: Domain, *, omit_unset_slots: bool = False
) -> list[tuple[list[State], str]]:
    """(states before the action, the action) for every action but the opening `action_listen`.

    The label is the action's name, or its text for an end-to-end bot utterance.
    """
    events = tracker.events if hasattr(tracker, "events") else list(tracker)
    snapshots = _snapshots(events, domain, omit_unset_slots)
    states = [s.state for s in snapshots[1:]]
    return [
        (states[:index], _label(snap.action))
        for index, snap in enumerate(snapshots[:-1])
        if index > 0 and snap.action is not None
    ]


def _label(action: ActionExecuted) -> str:
    return action.name or action.action_text or ""


def states_for_prediction(tracker: DialogueStateTracker, domain: Domain, **options: Any) -> list[State]:
    """The history a policy predicts the next action from (the last state is the current one)."""
    return tracker_states(tracker, domain, **options)


# -- keys and text ----------------------------------------------------------------------------


def state_key(states: Iterable[State]) -> str:
    """A canonical JSON string for a state history: equal histories give equal keys."""
    return json.dumps(list(states), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def states_from_key(key: str) -> list[State]:
    """The states a `state_key` was made from (tuples restored)."""
    return [{part: _tuples(value) for part, value in state.items()} for state in json.loads(key)]


def is_prev_action_listen(state: State) -> bool:
    return state.get(PREV_ACTION, {}).get("action_name") == ACTION_LISTEN


def describe_state(state: State) -> str:
    """A state as a person reads it in a conflict report: "intent greet", "utter_greet", ..."""
    if is_prev_action_listen(state) and state.get(USER):
        user = state[USER]
        text = f"intent {user['intent']}" if "intent" in user else f"user '{user.get('text', '')}'"
        if user.get("entities"):
            text += "{" + ", ".join(user["entities"]) + "}"
        return text
    action = state.get(PREV_ACTION, {})
    return action.get("action_name") or (f"bot '{action['action_text']}'" if "action_text" in action else "(start)")


def describe_states(states: Iterable[State]) -> str:
    return ", ".join(describe_state(state) for state in states)
