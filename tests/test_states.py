"""Dialogue states as the policies see them, on a small hand-written domain."""

import pytest

from core.domain import read_domain
from core.events import (
    ActionExecuted,
    ActiveLoop,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from core.policies.states import (
    describe_states,
    slot_features,
    state_key,
    states_for_prediction,
    states_from_key,
    tracker_states,
    training_examples,
)
from core.tracker import DialogueStateTracker
from core.training_data.trackers import TrainingTracker

DOMAIN = read_domain(
    """
version: "3.1"
intents:
- greet:
    use_entities: [name]
- inform:
    ignore_entities: [secret]
- chitchat:
    use_entities: []
- book
entities:
- name
- secret
- quiet:
    influence_conversation: false
- city:
    roles: [from, to]
slots:
  name: {type: text, mappings: [{type: from_entity, entity: name}]}
  vip: {type: bool, mappings: [{type: custom}]}
  tier: {type: categorical, values: [Gold, silver], mappings: [{type: custom}]}
  temp: {type: float, min_value: 0, max_value: 50, mappings: [{type: custom}]}
  items: {type: list, mappings: [{type: custom}]}
  note: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  anything: {type: any, mappings: [{type: custom}]}
  mood: {type: text, initial_value: happy, mappings: [{type: custom}]}
forms:
  book_form:
    required_slots: [name]
responses:
  utter_greet: [{text: hi}]
  utter_ask_name: [{text: name?}]
  utter_done: [{text: done}]
actions: [action_check]
""",
    "domain.yml",
)


def listen():
    return ActionExecuted("action_listen")


def act(name):
    return ActionExecuted(name)


def user(intent, *entities):
    return UserUttered("...", intent={"name": intent}, entities=[dict(e) for e in entities])


def ent(name, **extra):
    return {"entity": name, "value": "x", **extra}


def last_state(*events):
    return tracker_states([listen(), *events], DOMAIN)[-1]


@pytest.mark.parametrize(
    ("intent", "entities", "expected"),
    [
        ("greet", [ent("name"), ent("secret")], ("name",)),
        ("inform", [ent("name"), ent("secret"), ent("city", role="from")], ("city", "city#from", "name")),
        ("chitchat", [ent("name")], None),
        ("book", [ent("quiet"), ent("unknown"), ent("city", group="g1")], ("city", "city#g1")),
        ("not_in_domain", [ent("unknown"), ent("name")], ("name", "unknown")),
    ],
)
def test_entities_are_filtered_by_the_intent(intent, entities, expected):
    state = last_state(user(intent, *entities))
    assert state["user"]["intent"] == intent
    assert state["user"].get("entities") == expected


def test_slot_features_per_type():
    slots = DOMAIN.all_slots
    assert slot_features(slots["name"], "peter") == (1.0,)
    assert slot_features(slots["name"], None) == (0.0,)
    assert slot_features(slots["vip"], False) == (1.0, 0.0)
    assert slot_features(slots["vip"], "true") == (1.0, 1.0)
    assert slot_features(slots["vip"], None) == (0.0, 0.0)
    assert slot_features(slots["tier"], "gold") == (1.0, 0.0, 0.0)
    assert slot_features(slots["tier"], "SILVER") == (0.0, 1.0, 0.0)
    assert slot_features(slots["tier"], "bronze") == (0.0, 0.0, 1.0)  # __other__
    assert slot_features(slots["temp"], 25) == (1.0, 0.5)
    assert slot_features(slots["temp"], 80) == (1.0, 1.0)
    assert slot_features(slots["temp"], "cold") == (0.0, 0.0)
    assert slot_features(slots["items"], []) == (0.0,)
    assert slot_features(slots["items"], ["a"]) == (1.0,)
    assert slot_features(slots["note"], "x") == ()
    assert slot_features(slots["anything"], "x") == ()


def test_only_set_featurized_slots_appear_and_initial_values_count():
    state = last_state(
        user("greet"), SlotSet("note", "n"), SlotSet("anything", 1), SlotSet("vip", False), SlotSet("items", [])
    )
    assert state["slots"] == {"vip": (1.0, 0.0), "mood": (1.0,)}
    omitted = tracker_states([listen(), user("greet"), SlotSet("vip", True)], DOMAIN, omit_unset_slots=True)
    assert omitted[-1]["slots"] == {"vip": (1.0, 1.0)}  # mood's initial value was never set by an event


def test_states_follow_the_actions_and_keep_the_latest_user_turn():
    events = [listen(), user("greet"), act("utter_greet"), listen(), user("book"), act("book_form"),
              ActiveLoop("book_form"), SlotSet("requested_slot", "name")]  # fmt: skip
    states = tracker_states(events, DOMAIN)
    assert len(states) == 4
    assert states[0] == {"user": {"intent": "greet"}, "prev_action": {"action_name": "action_listen"},
                         "slots": {"mood": (1.0,)}}  # fmt: skip
    assert states[1]["prev_action"] == {"action_name": "utter_greet"}
    assert states[1]["user"] == {"intent": "greet"}
    assert states[3]["active_loop"] == {"name": "book_form"}
    assert "requested_slot" not in states[3].get("slots", {})  # not featurized unless declared so


def test_loop_collapsed_turns_are_invisible():
    opening = [listen(), user("book"), act("book_form"), ActiveLoop("book_form")]
    closing = [act("book_form"), SlotSet("name", "ann"), ActiveLoop(None), act("utter_done")]
    asked = opening + [listen(), user("inform", ent("name")), *closing]
    direct = opening + closing
    assert tracker_states(asked, DOMAIN) == tracker_states(direct, DOMAIN)
    assert [s["prev_action"]["action_name"] for s in tracker_states(direct, DOMAIN)] == [
        "action_listen",
        "book_form",
        "utter_done",
    ]
    # an unhappy path (another action answered the user) stays visible, the loop's return too
    unhappy = opening + [listen(), user("chitchat"), act("utter_greet"), *closing]
    assert [s["prev_action"]["action_name"] for s in tracker_states(unhappy, DOMAIN)] == [
        "action_listen",
        "book_form",
        "action_listen",
        "utter_greet",
        "book_form",
        "utter_done",
    ]


def test_training_examples_pair_histories_with_the_next_action():
    tracker = TrainingTracker("t", [listen(), user("greet"), act("utter_greet"), listen(),
                                    user("inform"), ActionExecuted(action_text="Nice!"), listen()])  # fmt: skip
    examples = training_examples(tracker, DOMAIN)
    assert [action for _, action in examples] == ["utter_greet", "action_listen", "Nice!", "action_listen"]
    assert [len(states) for states, _ in examples] == [1, 2, 3, 4]
    assert examples[2][0][-1]["user"] == {"intent": "inform"}
    assert describe_states(examples[3][0]) == "intent greet, utter_greet, intent inform, bot 'Nice!'"


def test_prediction_states_use_the_applied_events_of_a_live_tracker():
    tracker = DialogueStateTracker("u", DOMAIN.slot_defaults())
    tracker.update_all([act("action_session_start"), SessionStarted(), SlotSet("vip", True), listen(),
                        user("greet", ent("name")), SlotSet("name", "ann")])  # fmt: skip
    states = states_for_prediction(tracker, DOMAIN)
    assert states == [
        {
            "user": {"intent": "greet", "entities": ("name",)},
            "prev_action": {"action_name": "action_listen"},
            "slots": {"vip": (1.0, 1.0), "name": (1.0,), "mood": (1.0,)},
        }
    ]


def test_state_keys_are_canonical_and_reversible():
    a = [{"user": {"intent": "greet", "entities": ("a", "b")}, "prev_action": {"action_name": "action_listen"}}]
    b = [{"prev_action": {"action_name": "action_listen"}, "user": {"entities": ("a", "b"), "intent": "greet"}}]
    assert state_key(a) == state_key(b)
    assert states_from_key(state_key(a)) == a
    assert state_key(a) != state_key([{"prev_action": {"action_name": "action_listen"}}])


def test_rule_only_turns_and_features_are_hidden_from_story_policies():
    hidden = ActionExecuted("utter_greet", hide_rule_turn=True)
    hidden_listen = ActionExecuted("action_listen", hide_rule_turn=True)
    events = [listen(), user("greet"), hidden, hidden_listen, user("book"), SlotSet("vip", True)]
    plain = tracker_states(events, DOMAIN)
    assert len(plain) == 3
    ml = tracker_states(events, DOMAIN, ignore_rule_only_turns=True, rule_only_data={"rule_only_slots": ["vip"]})
    # the whole greeting turn (user message and the rule's answer) is gone, and so is the rule-only slot
    assert ml == [
        {"user": {"intent": "book"}, "prev_action": {"action_name": "action_listen"}, "slots": {"mood": (1.0,)}},
    ]
