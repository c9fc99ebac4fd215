"""Events: Rasa wire JSON in and out, equality, and clear errors for malformed dicts."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import DataError
from core.events import (
    EVENT_TYPES,
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Form,
    ReminderScheduled,
    SlotSet,
    UserUttered,
    event_from_dict,
    events_from_dicts,
)

REQUEST = Path(__file__).resolve().parents[1].parent / "shared" / "compat" / "rasa-sdk" / "request_rasa3.6.21.json"

ENTITY = {"entity": "cuisine", "value": "thai", "start": 10, "end": 14, "role": "main"}
PARSE = {
    "intent": {"name": "inform", "confidence": 0.91},
    "entities": [ENTITY],
    "text": "I want thai",
    "message_id": "m-1",
    "metadata": {"channel_data": 1},
    "intent_ranking": [{"name": "inform", "confidence": 0.91}, {"name": "greet", "confidence": 0.09}],
    "response_selector": {"all_retrieval_intents": []},
}

# One dict per wire type, written the way Rasa 3.x writes it (keys with defaults included).
WIRE_EVENTS = [
    {
        "event": "user",
        "timestamp": 1.5,
        "metadata": {"channel_data": 1},
        "text": "I want thai",
        "parse_data": PARSE,
        "input_channel": "rest",
        "message_id": "m-1",
    },
    {"event": "user_featurization", "timestamp": 2.0, "use_text_for_featurization": False},
    {"event": "entities", "timestamp": 2.0, "entities": [ENTITY]},
    {
        "event": "bot",
        "timestamp": 3.0,
        "text": "Which city?",
        "metadata": {"utter_action": "utter_ask_city"},
        "data": {
            "elements": None,
            "quick_replies": None,
            "attachment": None,
            "image": "http://x/y.png",
            "custom": {"k": [1, 2]},
            "buttons": [{"title": "Berlin", "payload": "/inform"}],
        },
    },
    {
        "event": "action",
        "timestamp": 4.0,
        "name": "utter_ask_city",
        "policy": "TEDPolicy",
        "confidence": 0.8,
        "action_text": None,
        "hide_rule_turn": False,
    },
    {
        "event": "action",
        "timestamp": 4.0,
        "name": None,
        "policy": None,
        "confidence": None,
        "action_text": "Sure, here you go",
        "hide_rule_turn": True,
        "metadata": {"model_id": "abc"},
    },
    {"event": "slot", "timestamp": 5.0, "name": "city", "value": {"nested": ["berlin", 1, None]}},
    {"event": "slot", "timestamp": 5.0, "name": "city", "value": None},
    {"event": "reset_slots", "timestamp": 6.0},
    {"event": "restart", "timestamp": 6.0},
    {"event": "rewind", "timestamp": 6.0},
    {"event": "undo", "timestamp": 6.0},
    {"event": "session_started", "timestamp": 6.0, "metadata": {"source": "web"}},
    {"event": "pause", "timestamp": 6.0},
    {"event": "resume", "timestamp": 6.0},
    {"event": "active_loop", "timestamp": 7.0, "name": "restaurant_form"},
    {"event": "active_loop", "timestamp": 7.0, "name": None},
    {"event": "form", "timestamp": 7.0, "name": "restaurant_form"},
    {"event": "form", "timestamp": 7.0, "name": None},
    {"event": "loop_interrupted", "timestamp": 8.0, "is_interrupted": True},
    {"event": "form_validation", "timestamp": 8.0, "validate": False},
    {
        "event": "action_execution_rejected",
        "timestamp": 8.0,
        "name": "restaurant_form",
        "policy": "RulePolicy",
        "confidence": 1.0,
    },
    {"event": "followup", "timestamp": 9.0, "name": "action_search"},
    {
        "event": "reminder",
        "timestamp": 9.0,
        "intent": "EXTERNAL_remind",
        "date_time": "2024-05-01T18:30:00+00:00",
        "entities": [ENTITY],
        "name": "remind_1",
        "kill_on_user_msg": False,
    },
    {
        "event": "reminder",
        "timestamp": 9.0,
        "intent": "EXTERNAL_remind",
        "date_time": "2024-05-01T18:30:00",
        "entities": {"cuisine": "thai"},
        "name": None,
        "kill_on_user_msg": True,
    },
    {"event": "cancel_reminder", "timestamp": 9.0, "name": "remind_1", "intent": None, "entities": None},
    {"event": "agent", "timestamp": 9.0, "text": "hi", "data": {"a": 1}},
    {"event": "export", "timestamp": 9.0, "path": "stories.yml"},
    {"event": "stack", "timestamp": 9.0, "update": '[{"op": "add", "path": "/0", "value": {}}]'},
]


@pytest.mark.parametrize("wire", WIRE_EVENTS, ids=lambda d: d["event"])
def test_every_event_round_trips_dict_event_dict(wire):
    event = event_from_dict(wire)
    assert type(event).type_name == wire["event"]
    assert event.as_dict() == wire
    # and survives JSON, the way journals and action servers carry it
    again = event_from_dict(json.loads(json.dumps(event.as_dict())))
    assert again == event and again.timestamp == event.timestamp


def test_every_registered_type_is_exercised():
    assert {d["event"] for d in WIRE_EVENTS} == set(EVENT_TYPES)


def test_captured_rasa_request_events_parse_and_reserialize_unchanged():
    events = json.loads(REQUEST.read_text())["tracker"]["events"]
    parsed = events_from_dicts(events)
    assert [type(e).__name__ for e in parsed] == [
        "ActionExecuted",
        "SessionStarted",
        "ActionExecuted",
        "UserUttered",
        "ActionExecuted",
        "ActiveLoop",
        "SlotSet",
    ]
    assert [e.as_dict() for e in parsed] == events
    user = parsed[3]
    assert user.intent_name == "request_restaurant"
    assert user.entities == [{"entity": "cuisine", "value": "thai", "start": 20, "end": 37}]


def test_rasa_sdk_shapes_with_missing_and_null_keys_read_with_defaults():
    # what rasa_sdk.events builds: timestamp None, no action_text/hide_rule_turn, parse_data None
    action = event_from_dict(
        {"event": "action", "name": "utter_x", "policy": None, "confidence": None, "timestamp": None}
    )
    assert isinstance(action.timestamp, float) and action.hide_rule_turn is False
    user = event_from_dict(
        {"event": "user", "timestamp": None, "text": "hi", "parse_data": None, "input_channel": None}
    )
    assert user.intent == {} and user.entities == [] and user.text == "hi"
    assert user.as_dict()["parse_data"] == {
        "intent": {},
        "entities": [],
        "text": "hi",
        "message_id": None,
        "metadata": {},
    }
    bot = event_from_dict({"event": "bot", "text": "yo", "data": None, "metadata": None, "timestamp": None})
    assert bot.data == {} and bot.metadata == {}
    loop = event_from_dict({"event": "active_loop", "timestamp": 1})
    assert loop == ActiveLoop(None)


def test_reminder_date_is_a_datetime():
    event = event_from_dict(WIRE_EVENTS[23])
    assert isinstance(event, ReminderScheduled)
    assert event.trigger_date_time == datetime(2024, 5, 1, 18, 30, tzinfo=UTC)
    assert event.kill_on_user_message is False


def test_equality_ignores_timestamp_and_run_to_run_details():
    assert SlotSet("a", 1, timestamp=1.0) == SlotSet("a", 1, timestamp=99.0)
    assert SlotSet("a", 1) != SlotSet("a", 2)
    assert ActionExecuted("x", policy="A", confidence=0.1) == ActionExecuted("x", policy="B", confidence=0.9)
    assert ActionExecuted("x") != ActionExecuted("y")
    low = UserUttered("hi", {"name": "greet", "confidence": 0.5}, parse_data={"intent_ranking": []})
    high = UserUttered("hi", {"name": "greet", "confidence": 0.99}, message_id="other")
    assert low == high and hash(low) == hash(high)
    assert low != UserUttered("hi", {"name": "bye"})
    assert BotUttered("a", {"buttons": []}) != BotUttered("a", {"buttons": [{"title": "t"}]})
    assert Form("f") != ActiveLoop("f")  # different wire types
    assert len({SlotSet("a", [1]), SlotSet("a", [1], timestamp=5.0)}) == 1


def test_events_are_frozen():
    event = SlotSet("a", 1)
    with pytest.raises(AttributeError):
        event.value = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    "bad, words",
    [
        ({"event": "teleport"}, "unknown event type 'teleport'"),
        ({"timestamp": 1.0}, "no 'event' type name"),
        ({"event": 3}, "no 'event' type name"),
        ([1, 2], "must be a JSON object"),
        ({"event": "slot", "value": 1}, "event 'slot' has no 'name'"),
        ({"event": "slot", "name": 7}, "field 'name' must be a string"),
        ({"event": "action", "policy": "p"}, "neither 'name' nor 'action_text'"),
        ({"event": "action", "name": "a", "confidence": "high"}, "field 'confidence' must be a number"),
        ({"event": "action", "name": "a", "hide_rule_turn": "yes"}, "must be true or false"),
        ({"event": "action", "name": "a", "timestamp": "yesterday"}, "field 'timestamp' must be a number"),
        ({"event": "action", "name": "a", "timestamp": True}, "field 'timestamp' must be a number"),
        ({"event": "user", "parse_data": []}, "field 'parse_data' must be an object"),
        ({"event": "user", "parse_data": {"entities": ["x"]}}, "parse_data: field 'entities' must be a list"),
        ({"event": "user", "parse_data": {"intent": {"name": 4}}}, "field 'name' must be a string"),
        ({"event": "bot", "data": "buttons"}, "field 'data' must be an object"),
        ({"event": "bot", "metadata": [1]}, "field 'metadata' must be an object"),
        ({"event": "followup"}, "event 'followup' has no 'name'"),
        ({"event": "action_execution_rejected"}, "has no 'name'"),
        ({"event": "user_featurization"}, "has no 'use_text_for_featurization'"),
        ({"event": "loop_interrupted", "is_interrupted": "no"}, "must be true or false"),
        ({"event": "form_validation", "validate": 0}, "must be true or false"),
        ({"event": "reminder", "intent": "x"}, "has no 'date_time'"),
        ({"event": "reminder", "intent": "x", "date_time": "next tuesday"}, "ISO 8601"),
        ({"event": "reminder", "intent": "x", "date_time": 12}, "ISO 8601"),
        ({"event": "reminder", "intent": "x", "date_time": "2024-01-01", "entities": "e"}, "list of objects"),
        ({"event": "entities", "entities": {"a": 1}}, "list of objects"),
    ],
)
def test_malformed_dicts_raise_data_error_naming_the_problem(bad, words):
    with pytest.raises(DataError) as caught:
        event_from_dict(bad)
    assert words in caught.value.message
    assert caught.value.hint


def test_events_from_dicts_names_the_bad_position():
    with pytest.raises(DataError, match=r"event #2: event 'slot' has no 'name'"):
        events_from_dicts([{"event": "restart"}, {"event": "slot"}])
    with pytest.raises(DataError, match="must be a JSON list"):
        events_from_dicts({"event": "restart"})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
field_names = st.sampled_from(
    [
        "name",
        "value",
        "text",
        "parse_data",
        "data",
        "metadata",
        "timestamp",
        "policy",
        "confidence",
        "intent",
        "entities",
        "date_time",
        "validate",
        "is_interrupted",
        "action_text",
        "hide_rule_turn",
        "use_text_for_featurization",
        "kill_on_user_msg",
        "path",
        "update",
        "input_channel",
        "message_id",
    ]
)


@given(
    type_name=st.sampled_from(sorted(EVENT_TYPES)) | st.text(max_size=6),
    payload=st.dictionaries(field_names, json_values, max_size=6),
)
def test_any_dict_either_parses_and_round_trips_or_raises_data_error(type_name, payload):
    wire = {**payload, "event": type_name}
    try:
        event = event_from_dict(wire)
    except DataError:
        return
    out = event.as_dict()
    assert event_from_dict(out) == event
    assert event_from_dict(out).as_dict() == out
