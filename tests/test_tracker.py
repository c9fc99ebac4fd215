"""The tracker: Rasa's applied-events semantics and the state it derives, checked against Rasa's own dump."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import DataError
from core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    EntitiesAdded,
    FollowupAction,
    Form,
    FormValidation,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
    event_from_dict,
)
from core.tracker import DialogueStateTracker

REQUEST = Path(__file__).resolve().parents[1].parent / "shared" / "compat" / "rasa-sdk" / "request_rasa3.6.21.json"

DEFAULTS = {"cuisine": None, "city": "berlin", "requested_slot": None}
EMPTY_MESSAGE = {"intent": {}, "entities": [], "text": None, "message_id": None, "metadata": {}}


def listen():
    return ActionExecuted("action_listen")


def user(intent, text=None, entities=(), channel=None):
    return UserUttered(text or intent, {"name": intent, "confidence": 1.0}, list(entities), input_channel=channel)


def tracker(*events, defaults=DEFAULTS):
    return DialogueStateTracker("u1", defaults, events)


def names(events):
    return [getattr(e, "name", None) or getattr(e, "intent_name", None) or type(e).__name__ for e in events]


# -- Rasa's own dump ------------------------------------------------------------------------


def test_rebuilding_the_captured_rasa_tracker_gives_rasas_dump_key_by_key():
    request = json.loads(REQUEST.read_text())
    captured = request["tracker"]
    domain_slots = request["domain"]["slots"]
    # Rasa adds session_started_metadata to every domain by itself
    defaults = {name: spec.get("initial_value") for name, spec in domain_slots.items()}
    defaults["session_started_metadata"] = None

    rebuilt = DialogueStateTracker.from_dict(captured, defaults)
    ours = rebuilt.as_dict()

    assert set(ours) == set(captured)
    for key in captured:
        assert ours[key] == captured[key], key
    assert rebuilt.active_loop_name == "restaurant_form"
    assert rebuilt.latest_message.intent_name == "request_restaurant"


def test_as_dict_event_verbosity():
    t = tracker(
        listen(), user("greet"), Restarted(), listen(), user("bye"), ActionExecuted("utter_a"), ActionReverted()
    )
    assert len(t.as_dict()["events"]) == 7
    assert [d["event"] for d in t.as_dict("after_restart")["events"]] == ["action", "user", "action", "undo"]
    assert [d["event"] for d in t.as_dict("applied")["events"]] == ["action", "user"]
    assert t.as_dict("none")["events"] is None


def test_as_dict_is_a_copy():
    t = tracker(listen(), user("greet"), SlotSet("cuisine", ["thai"]))
    t.as_dict()["slots"]["cuisine"].append("x")
    assert t.get_slot("cuisine") == ["thai"]


# -- restart, session start, rewind, undo ---------------------------------------------------


def test_restart_drops_everything_and_asks_for_session_start():
    t = tracker(listen(), user("greet"), SlotSet("cuisine", "thai"), ConversationPaused(), Restarted())
    assert t.applied_events() == []
    assert t.slots == DEFAULTS
    assert t.latest_message is None and t.is_paused is False
    assert t.followup_action == "action_session_start"
    assert t.as_dict()["latest_message"] == EMPTY_MESSAGE
    assert len(t.events) == 5  # nothing is deleted from the log


def test_session_start_resets_state_and_history():
    t = tracker(
        listen(),
        user("request"),
        ActionExecuted("form_a"),
        ActiveLoop("form_a"),
        SlotSet("city", "rome"),
        ActionExecuted("action_session_start"),
        SessionStarted(),
        SlotSet("cuisine", "carried over"),
        ActionExecuted("action_listen"),
    )
    assert names(t.applied_events()) == ["cuisine", "action_listen"]
    assert t.slots == {**DEFAULTS, "cuisine": "carried over"}
    assert t.active_loop is None and t.latest_message is None
    assert t.latest_action_name == "action_listen"


def test_rewind_removes_the_latest_user_message_and_what_followed():
    t = tracker(
        listen(),
        user("greet"),
        ActionExecuted("utter_greet"),
        listen(),
        user("inform", channel="web"),
        SlotSet("cuisine", "thai"),
        UserUtteranceReverted(),
    )
    assert names(t.applied_events()) == ["action_listen", "greet", "utter_greet"]
    assert t.latest_message.intent_name == "greet"
    assert t.latest_action_name == "utter_greet"
    assert t.get_slot("cuisine") is None
    # Rasa reports the channel of the latest logged message, reverted or not
    assert t.latest_input_channel == "web"


def test_undo_is_repeatable_and_removes_the_action_and_its_events():
    t = tracker(
        listen(),
        user("greet"),
        ActionExecuted("utter_a"),
        SlotSet("cuisine", "thai"),
        ActionExecuted("utter_b"),
        SlotSet("city", "rome"),
        ActionReverted(),
    )
    assert names(t.applied_events()) == ["action_listen", "greet", "utter_a", "cuisine"]
    assert t.slots == {**DEFAULTS, "cuisine": "thai"} and t.latest_action_name == "utter_a"

    t.update(ActionReverted())
    assert names(t.applied_events()) == ["action_listen", "greet"]
    assert t.slots == DEFAULTS
    assert t.latest_action_name == "action_listen"
    assert t.latest_message.intent_name == "greet"

    t.update(ActionReverted())  # undoing past the user message takes the listen with it
    assert names(t.applied_events()) == []
    assert t.latest_action_name is None and t.latest_action == {}


def test_undo_after_restart_only_sees_the_new_conversation():
    t = tracker(listen(), user("greet"), ActionExecuted("utter_a"), Restarted(), ActionReverted())
    assert t.applied_events() == []
    assert t.followup_action == "action_listen"  # the replay after undo starts from a fresh state


def test_reset_slots_restores_defaults_only():
    t = tracker(listen(), user("greet"), SlotSet("city", "rome"), SlotSet("cuisine", "thai"), AllSlotsReset())
    assert t.slots == DEFAULTS
    assert t.latest_message.intent_name == "greet"
    assert len(t.applied_events()) == 5


# -- slots, messages, followups -------------------------------------------------------------


def test_unknown_slots_are_ignored_unless_there_are_no_defaults():
    assert "color" not in tracker(SlotSet("color", "red")).slots
    free = tracker(SlotSet("color", "red"), defaults=None)
    assert free.slots == {"color": "red"} and free.get_slot("color") == "red"
    assert free.get_slot("missing") is None


def test_followup_pause_and_bot_utterance():
    t = tracker(
        listen(), user("greet"), FollowupAction("utter_b"), ConversationPaused(), BotUttered("hi", {"image": "u"})
    )
    assert t.followup_action == "utter_b" and t.is_paused
    assert t.latest_bot_utterance.data == {"image": "u"}
    t.update(ActionExecuted("utter_b"))
    assert t.followup_action is None
    t.update(ConversationResumed())
    assert not t.is_paused


def test_entities_added_join_the_latest_message_only_after_listen():
    city = {"entity": "city", "value": "rome", "start": 0, "end": 4}
    cuisine = {"entity": "cuisine", "value": "thai", "start": 5, "end": 9}
    t = tracker(listen(), user("inform", entities=[city]), EntitiesAdded([city, cuisine]))
    assert t.latest_message.entities == [city, cuisine]
    assert t.as_dict()["latest_message"]["entities"] == [city, cuisine]
    assert t.events[1].entities == [city]  # the logged event is not changed
    t.update(ActionExecuted("utter_x"))
    t.update(EntitiesAdded([{"entity": "late", "value": 1}]))
    assert t.latest_message.entities == [city, cuisine]


def test_latest_event_time_and_input_channel():
    t = tracker(ActionExecuted("action_listen", timestamp=3.0), user("greet", channel="cli"))
    t.update(SlotSet("city", "x", timestamp=42.0))
    assert t.latest_event_time == 42.0 and t.latest_input_channel == "cli"
    assert tracker().latest_event_time is None and tracker().latest_input_channel is None


# -- active loop ----------------------------------------------------------------------------


def _form_started():
    return tracker(
        listen(),
        user("request", "find thai food"),
        ActionExecuted("form_a"),
        ActiveLoop("form_a"),
        SlotSet("requested_slot", "cuisine"),
        listen(),
    )


def test_activating_a_loop_records_its_trigger_message_and_requested_slot():
    t = _form_started()
    assert t.active_loop_name == "form_a"
    assert t.active_loop == {
        "name": "form_a",
        "is_interrupted": False,
        "rejected": False,
        "trigger_message": {
            **EMPTY_MESSAGE,
            "intent": {"name": "request", "confidence": 1.0},
            "text": "find thai food",
        },
    }
    assert t.requested_slot == "cuisine"


def test_reject_interrupt_and_recover():
    t = _form_started()
    t.update_all([user("chitchat"), ActionExecutionRejected("other_action")])
    assert not t.is_active_loop_rejected
    t.update(ActionExecutionRejected("form_a"))
    assert t.is_active_loop_rejected
    t.update(LoopInterrupted(True))
    assert t.is_active_loop_interrupted
    t.update(ActionExecuted("utter_chitchat"))  # any action clears the interruption...
    assert not t.is_active_loop_interrupted and t.is_active_loop_rejected  # ...only the loop clears rejection
    t.update(FormValidation(validate=False))
    assert t.active_loop["is_interrupted"] is True
    t.update(ActionExecuted("form_a"))
    assert t.active_loop["rejected"] is False and t.active_loop["is_interrupted"] is False


def test_deactivating_the_loop_hides_the_requested_slot():
    t = _form_started()
    t.update(ActiveLoop(None))
    assert t.active_loop is None and t.active_loop_name is None
    assert t.requested_slot is None and t.get_slot("requested_slot") == "cuisine"
    assert t.as_dict()["active_loop"] == {}


def test_rasa_1x_form_events_act_like_active_loop():
    t = tracker(listen(), user("request"), ActionExecuted("form_a"), Form("form_a"), SlotSet("requested_slot", "city"))
    assert t.active_loop_name == "form_a" and t.requested_slot == "city"
    t.update(Form(None))
    assert t.active_loop_name is None


def test_should_not_be_set_is_never_an_active_loop():
    assert tracker(ActiveLoop("should_not_be_set")).active_loop_name is None


def _happy_form_turn():
    return [
        *_form_started().events,
        user("inform", "thai"),
        SlotSet("cuisine", "thai"),
        ActionExecuted("form_a"),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
    ]


def test_happy_loop_turns_collapse_in_applied_events_like_rasa():
    t = tracker(*_happy_form_turn())
    assert names(t.applied_events()) == [
        "action_listen",
        "request",
        "form_a",
        "form_a",
        "requested_slot",
        "cuisine",
        "requested_slot",
        "ActiveLoop",
    ]
    # the uncollapsed history keeps every turn a person saw
    assert len(t.applied_events(collapse_loops=False)) == len(t.events)
    assert [m.intent_name for _, m in t.user_turns()] == ["request", "inform"]


def test_unhappy_loop_turns_do_not_collapse():
    events = _form_started().events + (
        user("chitchat"),
        ActionExecutionRejected("form_a"),
        ActionExecuted("utter_chitchat"),
        ActionExecuted("form_a"),
    )
    t = tracker(*events)
    assert [e.name for e in t.applied_events() if isinstance(e, ActionExecuted)] == [
        "action_listen",
        "form_a",
        "action_listen",
        "utter_chitchat",
        "form_a",
    ]


# -- forking --------------------------------------------------------------------------------


def _three_turns():
    return tracker(
        listen(),
        user("greet"),
        ActionExecuted("utter_greet"),
        listen(),
        user("inform"),
        SlotSet("cuisine", "thai"),
        ActionExecuted("utter_ok"),
        listen(),
        user("bye"),
        ActionExecuted("utter_bye"),
    )


def test_fork_before_a_user_turn():
    t = _three_turns()
    assert [(i, m.intent_name) for i, m in t.user_turns()] == [(1, "greet"), (4, "inform"), (8, "bye")]
    fork = t.fork(before_user_turn=2)
    assert names(fork.events) == names(t.events[:8])
    assert fork.latest_action_name == "action_listen" and fork.get_slot("cuisine") == "thai"
    assert t.fork(1).get_slot("cuisine") is None
    assert t.fork(0).events == (listen(),)
    assert len(t.events) == 10  # the original is untouched


def test_fork_skips_undone_events_and_rejects_missing_turns():
    t = _three_turns()
    t.update(UserUtteranceReverted())
    assert [m.intent_name for _, m in t.user_turns()] == ["greet", "inform"]
    assert not any(isinstance(e, UserUtteranceReverted) for e in t.fork(1).events)
    with pytest.raises(ValueError, match="no user turn 2"):
        t.fork(2)
    with pytest.raises(ValueError):
        t.fork(-1)


# -- reading trackers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad, words",
    [
        ([], "must be a JSON object"),
        ({"events": []}, "no 'sender_id'"),
        ({"sender_id": "a"}, "no 'events'"),
        ({"sender_id": "a", "events": [{"event": "slot"}]}, "event #1: event 'slot' has no 'name'"),
        ({"sender_id": "a", "events": "x"}, "must be a JSON list"),
    ],
)
def test_bad_tracker_dicts_raise_data_error(bad, words):
    with pytest.raises(DataError, match=words):
        DialogueStateTracker.from_dict(bad, DEFAULTS)


# -- property: any sequence of events -------------------------------------------------------

ACTIONS = ["action_listen", "utter_a", "form_a", "action_session_start"]
SLOTS = ["cuisine", "requested_slot", "unknown"]

valid_event_dicts = st.one_of(
    st.builds(lambda n: {"event": "action", "name": n}, st.sampled_from(ACTIONS)),
    st.builds(
        lambda i, ents: {"event": "user", "text": i, "parse_data": {"intent": {"name": i}, "entities": ents}},
        st.sampled_from(["greet", "inform"]),
        st.lists(
            st.fixed_dictionaries({"entity": st.sampled_from(["e1", "e2"]), "value": st.integers(0, 2)}), max_size=2
        ),
    ),
    st.builds(
        lambda n, v: {"event": "slot", "name": n, "value": v}, st.sampled_from(SLOTS), st.integers(0, 3) | st.none()
    ),
    st.builds(lambda n: {"event": "active_loop", "name": n}, st.sampled_from(["form_a", None])),
    st.builds(lambda n: {"event": "form", "name": n}, st.sampled_from(["form_a", None])),
    st.builds(lambda n: {"event": "action_execution_rejected", "name": n}, st.sampled_from(ACTIONS)),
    st.builds(lambda b: {"event": "loop_interrupted", "is_interrupted": b}, st.booleans()),
    st.builds(lambda b: {"event": "form_validation", "validate": b}, st.booleans()),
    st.builds(lambda n: {"event": "followup", "name": n}, st.sampled_from(ACTIONS)),
    st.builds(lambda: {"event": "entities", "entities": [{"entity": "e3", "value": 1}]}),
    st.sampled_from(
        [
            {"event": t}
            for t in ("restart", "rewind", "undo", "session_started", "reset_slots", "pause", "resume", "bot")
        ]
    ),
)
junk_dicts = st.dictionaries(
    st.sampled_from(["event", "name", "value", "parse_data", "is_interrupted"]),
    st.none() | st.integers() | st.text(max_size=4) | st.sampled_from(["slot", "action", "user", "undo"]),
    max_size=4,
)


def _is_subsequence(part, whole):
    it = iter(whole)
    return all(any(item is candidate for candidate in it) for item in part)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(valid_event_dicts, valid_event_dicts, junk_dicts), max_size=40))
def test_random_event_sequences_only_ever_raise_data_error(dicts):
    t = DialogueStateTracker("prop", DEFAULTS)
    for d in dicts:
        try:
            event = event_from_dict(d)
        except DataError:
            continue
        t.update(event)
        for collapse in (True, False):
            assert _is_subsequence(t.applied_events(collapse), t.events)
        if isinstance(event, (ActionReverted, UserUtteranceReverted)):
            # Rasa's definition of undo and rewind: the state is a replay of the applied events
            replayed = DialogueStateTracker("prop", DEFAULTS, t.applied_events())
            for name in ("slots", "latest_message", "latest_action", "active_loop", "is_paused", "followup_action"):
                assert getattr(replayed, name) == getattr(t, name), name
    state = t.as_dict()
    assert set(state["slots"]) == set(DEFAULTS)
    assert DialogueStateTracker.from_dict(json.loads(json.dumps(state)), DEFAULTS).as_dict() == state
    for turn in range(len(t.user_turns())):
        assert len(t.fork(turn).user_turns()) == turn
