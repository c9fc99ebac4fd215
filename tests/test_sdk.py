"""The SDK user actions are written against: rasa_sdk's names, signatures and wire dicts."""

from __future__ import annotations

import datetime
import subprocess
import sys

import pytest

from core.sdk import Action, ActionExecutionRejection, FormValidationAction, Tracker, ValidationAction, events
from core.sdk.executor import ActionExecutor, CollectingDispatcher
from core.sdk.forms import FormAction
from tests.conftest import ROOT


def make_tracker(
    slots=None, events_=None, latest_message=None, active_loop=None, latest_action_name="action_listen", **extra
) -> Tracker:
    state = {
        "sender_id": "tester",
        "slots": slots or {},
        "latest_message": latest_message or {},
        "events": events_ or [],
        "paused": False,
        "followup_action": None,
        "latest_action_name": latest_action_name,
        **extra,
    }
    if active_loop is not None:
        state["active_loop"] = active_loop
    return Tracker.from_dict(state)


def user_message(intent: str, text: str = "", entities=None) -> dict:
    return {"intent": {"name": intent, "confidence": 1.0}, "entities": entities or [], "text": text}


# -- events and dispatcher -------------------------------------------------------------------


def test_event_helpers_build_rasa_wire_dicts():
    when = datetime.datetime(2024, 5, 1, 12, 30)
    assert events.SlotSet("city", "Paris") == {"event": "slot", "timestamp": None, "name": "city", "value": "Paris"}
    assert events.Restarted() == {"event": "restart", "timestamp": None}
    assert events.UserUtteranceReverted()["event"] == "rewind"
    assert events.ActionReverted()["event"] == "undo"
    assert events.AllSlotsReset()["event"] == "reset_slots"
    assert events.FollowupAction("action_x") == {"event": "followup", "timestamp": None, "name": "action_x"}
    assert events.ReminderScheduled("remind", when, name="r1") == {
        "event": "reminder",
        "timestamp": None,
        "intent": "remind",
        "entities": None,
        "date_time": "2024-05-01T12:30:00",
        "name": "r1",
        "kill_on_user_msg": True,
    }
    assert events.ReminderCancelled(name="r1")["event"] == "cancel_reminder"
    assert events.ConversationPaused()["event"] == "pause" and events.ConversationResumed()["event"] == "resume"
    assert events.ActionExecuted("utter_hi") == {
        "event": "action",
        "name": "utter_hi",
        "policy": None,
        "confidence": None,
        "timestamp": None,
    }
    assert events.UserUttered("hi", {"intent": {"name": "greet"}})["event"] == "user"
    assert events.BotUttered("hey")["event"] == "bot"
    assert events.ActiveLoop("f") == {"event": "active_loop", "name": "f", "timestamp": None}
    assert events.LoopInterrupted(True)["is_interrupted"] is True
    assert events.ActionExecutionRejected("a")["event"] == "action_execution_rejected"
    assert events.SessionStarted()["event"] == "session_started"
    assert events.StoryExported()["event"] == "export"
    assert events.Form("f") == {"event": "form", "name": "f", "timestamp": None}
    assert events.FormValidation(False) == {"event": "form_validation", "validate": False, "timestamp": None}
    assert events.EventType is not None


def test_dispatcher_message_has_every_rasa_sdk_key():
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(
        text="hi",
        image="http://x/y.png",
        json_message={"a": 1},
        attachment="file",
        buttons=[{"title": "t", "payload": "/p"}],
        elements=[{"e": 1}],
        extra="kept",
    )
    dispatcher.utter_message(template="utter_old")
    first, second = dispatcher.messages
    assert first == {
        "text": "hi",
        "buttons": [{"title": "t", "payload": "/p"}],
        "elements": [{"e": 1}],
        "custom": {"a": 1},
        "template": None,
        "response": None,
        "image": "http://x/y.png",
        "attachment": "file",
        "extra": "kept",
    }
    assert second["response"] == second["template"] == "utter_old" and second["buttons"] == []


# -- tracker ---------------------------------------------------------------------------------


def test_tracker_queries():
    history = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "old", "input_channel": "rest"},
        {"event": "restart"},
        {"event": "action", "name": "utter_hi"},
        {"event": "user", "text": "to Berlin", "input_channel": "socketio"},
        {"event": "slot", "name": "city", "value": "Berlin"},
        {"event": "slot", "name": "day", "value": "monday"},
    ]
    message = user_message(
        "travel",
        "from Paris to Berlin",
        [
            {"entity": "city", "value": "Paris", "role": "departure"},
            {"entity": "city", "value": "Berlin", "role": "destination", "group": "1"},
        ],
    )
    message["intent_ranking"] = [{"name": "nlu_fallback"}, {"name": "travel"}]
    tracker = make_tracker({"city": "Berlin"}, history, message, active_loop={"name": "trip_form"})
    assert list(tracker.get_latest_entity_values("city")) == ["Paris", "Berlin"]
    assert list(tracker.get_latest_entity_values("city", entity_role="destination")) == ["Berlin"]
    assert list(tracker.get_latest_entity_values("city", "destination", "2")) == []
    assert tracker.get_intent_of_latest_message() == "travel"
    assert tracker.get_intent_of_latest_message(skip_fallback_intent=False) == "nlu_fallback"
    assert tracker.get_latest_input_channel() == "socketio"
    assert tracker.idx_after_latest_restart() == 3
    assert tracker.events_after_latest_restart() == history[3:]
    assert tracker.slots_to_validate() == {"city": "Berlin", "day": "monday"}
    assert tracker.get_slot("city") == "Berlin" and tracker.get_slot("missing") is None
    assert tracker.active_loop_or_name() == "trip_form" and not tracker.is_paused()
    assert tracker.current_state()["active_loop"] == {"name": "trip_form"}
    assert Tracker.from_dict(tracker.current_state()) == tracker


def test_tracker_reads_rasa_1_active_form_and_undo():
    tracker = Tracker.from_dict(
        {
            "sender_id": "x",
            "active_form": {"name": "f", "validate": False},
            "events": [{"event": "action", "name": "a1"}, {"event": "action", "name": "a2"}, {"event": "undo"}],
        }
    )
    assert tracker.active_loop == {"name": "f", "validate": False}
    assert tracker.last_executed_action_has("a1")
    assert make_tracker().active_loop_or_name() is None


# -- 3.x validation actions ------------------------------------------------------------------

DOMAIN = {
    "slots": {
        "cuisine": {
            "type": "text",
            "mappings": [
                {"type": "from_entity", "entity": "cuisine", "conditions": [{"active_loop": "restaurant_form"}]}
            ],
        },
        "people": {"type": "float", "mappings": [{"type": "custom"}]},
        "mood": {"type": "text", "mappings": [{"type": "from_intent", "value": "happy", "intent": "cheer"}]},
    },
    "forms": {"restaurant_form": {"required_slots": ["cuisine", "people"]}},
}


class ValidateRestaurantForm(FormValidationAction):
    def name(self):
        return "validate_restaurant_form"

    def validate_cuisine(self, value, dispatcher, tracker, domain):
        if value in ("thai", "italian"):
            return {"cuisine": value}
        dispatcher.utter_message(text=f"We do not serve {value}.")
        return {"cuisine": None}

    async def extract_people(self, dispatcher, tracker, domain):
        digits = [w for w in tracker.latest_message.get("text", "").split() if w.isdigit()]
        return {"people": int(digits[0])} if digits else {}

    async def validate_people(self, value, dispatcher, tracker, domain):
        return {"people": value if value and value <= 10 else None}


async def run_via_executor(action: Action, tracker: Tracker, domain: dict):
    executor = ActionExecutor({action.name(): action})
    return await executor.run({"next_action": action.name(), "tracker": tracker.current_state(), "domain": domain})


async def test_form_validation_rejects_with_none_and_accepts_good_values():
    bad = make_tracker(
        {"cuisine": "sushi"},
        [{"event": "user"}, {"event": "slot", "name": "cuisine", "value": "sushi"}],
        user_message("inform", "sushi please"),
        active_loop={"name": "restaurant_form"},
    )
    answer = await run_via_executor(ValidateRestaurantForm(), bad, DOMAIN)
    assert answer["events"] == [events.SlotSet("cuisine", None)]
    assert answer["responses"][0]["text"] == "We do not serve sushi."

    good = make_tracker(
        {"cuisine": "thai"},
        [{"event": "user"}, {"event": "slot", "name": "cuisine", "value": "thai"}],
        user_message("inform", "thai for 4 people"),
        active_loop={"name": "restaurant_form"},
    )
    answer = await run_via_executor(ValidateRestaurantForm(), good, DOMAIN)
    assert answer["events"] == [events.SlotSet("cuisine", "thai"), events.SlotSet("people", 4)]
    assert answer["responses"] == []


async def test_form_validation_extract_then_validate_custom_slot_and_override_required_slots():
    class Bigger(ValidateRestaurantForm):
        def required_slots(self, domain_slots, dispatcher, tracker, domain):  # sync override works too
            return domain_slots + ["outdoor"]

    tracker = make_tracker({}, [{"event": "user"}], user_message("inform", "table for 40"))
    result = await Bigger().run(CollectingDispatcher(), tracker, DOMAIN)
    assert result == [events.SlotSet("people", None), events.SlotSet("requested_slot", "cuisine")]


async def test_global_validation_action_only_sees_slots_not_tied_to_a_form():
    class Global(ValidationAction):
        def validate_mood(self, value, dispatcher, tracker, domain):
            return {"mood": value.upper()}

        def validate_cuisine(self, value, dispatcher, tracker, domain):
            raise AssertionError("cuisine belongs to the form")

    tracker = make_tracker(
        {},
        [
            {"event": "user"},
            {"event": "slot", "name": "mood", "value": "happy"},
            {"event": "slot", "name": "cuisine", "value": "thai"},
        ],
    )
    assert Global().name() == "action_validate_slot_mappings"
    assert await Global().run(CollectingDispatcher(), tracker, DOMAIN) == [events.SlotSet("mood", "HAPPY")]


# -- Rasa 1.x FormAction ---------------------------------------------------------------------


class RestaurantForm(FormAction):
    submitted_with: dict | None = None

    def name(self):
        return "restaurant_form"

    @staticmethod
    def required_slots(tracker):
        return ["cuisine", "num_people", "outdoor", "feedback"]

    def slot_mappings(self):
        return {
            "num_people": [self.from_entity(entity="number", intent=["inform", "request_restaurant"])],
            "outdoor": [
                self.from_entity(entity="seating"),
                self.from_intent(intent="affirm", value=True),
                self.from_intent(intent="deny", value=False),
            ],
            "feedback": [self.from_entity(entity="feedback"), self.from_text(not_intent="chitchat")],
        }

    def validate_cuisine(self, value, dispatcher, tracker, domain):
        if value.lower() in ("thai", "italian"):
            return {"cuisine": value.lower()}
        dispatcher.utter_message(response="utter_wrong_cuisine")
        return {"cuisine": None}

    def submit(self, dispatcher, tracker, domain):
        RestaurantForm.submitted_with = dict(tracker.slots)
        dispatcher.utter_message(response="utter_submit")
        return []


FORM = {"name": "restaurant_form", "validate": True, "rejected": False}


async def test_form_action_activation_asks_first_empty_slot():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"cuisine": None, "requested_slot": None}, [], user_message("request_restaurant", "book"))
    result = await RestaurantForm().run(dispatcher, tracker, {})
    assert result == [events.Form("restaurant_form"), events.SlotSet("requested_slot", "cuisine")]
    assert dispatcher.messages[0]["response"] == "utter_ask_cuisine"


async def test_form_action_activation_fills_slots_named_like_entities_then_extracts_mapped_entity():
    dispatcher = CollectingDispatcher()
    message = user_message(
        "request_restaurant", "thai for 3", [{"entity": "cuisine", "value": "Thai"}, {"entity": "number", "value": 3}]
    )
    result = await RestaurantForm().run(dispatcher, make_tracker({}, [], message), {})
    # as in rasa_sdk, an unrequested slot is filled only from the entity of its own name
    assert result == [
        events.Form("restaurant_form"),
        events.SlotSet("cuisine", "thai"),
        events.SlotSet("requested_slot", "num_people"),
    ]
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_num_people"]
    assert dispatcher.messages[0]["cuisine"] == "thai"  # slot values travel for the template

    slots = {"cuisine": "thai", "requested_slot": "num_people"}
    message = user_message("inform", "3 of us", [{"entity": "number", "value": 3}])
    result = await RestaurantForm().run(CollectingDispatcher(), make_tracker(slots, [], message, active_loop=FORM), {})
    assert result == [events.SlotSet("num_people", 3), events.SlotSet("requested_slot", "outdoor")]


async def test_form_action_extracts_requested_slot_from_intent_and_text():
    slots = {"cuisine": "thai", "num_people": 3, "requested_slot": "outdoor"}
    result = await RestaurantForm().run(
        CollectingDispatcher(), make_tracker(slots, [], user_message("deny", "no"), active_loop=FORM), {}
    )
    assert result == [events.SlotSet("outdoor", False), events.SlotSet("requested_slot", "feedback")]

    slots = {"cuisine": "thai", "num_people": 3, "outdoor": False, "requested_slot": "feedback"}
    dispatcher = CollectingDispatcher()
    RestaurantForm.submitted_with = None
    result = await RestaurantForm().run(
        dispatcher, make_tracker(slots, [], user_message("inform", "great service"), active_loop=FORM), {}
    )
    assert result == [
        events.SlotSet("feedback", "great service"),
        events.Form(None),
        events.SlotSet("requested_slot", None),
    ]
    assert RestaurantForm.submitted_with["feedback"] == "great service"
    assert [m["response"] for m in dispatcher.messages] == ["utter_submit"]


async def test_form_action_rejects_when_requested_slot_cannot_be_filled():
    slots = {"cuisine": "thai", "num_people": None, "requested_slot": "num_people"}
    with pytest.raises(ActionExecutionRejection) as caught:
        await RestaurantForm().run(
            CollectingDispatcher(),
            make_tracker(slots, [], user_message("chitchat", "how are you?"), active_loop=FORM),
            {},
        )
    assert caught.value.action_name == "restaurant_form"


async def test_form_action_skips_validation_when_validate_is_false():
    slots = {"cuisine": None, "requested_slot": "cuisine"}
    message = user_message("inform", "sushi", [{"entity": "cuisine", "value": "sushi"}])
    dispatcher = CollectingDispatcher()
    paused = {**FORM, "validate": False}
    result = await RestaurantForm().run(dispatcher, make_tracker(slots, [], message, active_loop=paused), {})
    assert result == [events.SlotSet("requested_slot", "cuisine")]
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_cuisine"]

    dispatcher = CollectingDispatcher()
    result = await RestaurantForm().run(dispatcher, make_tracker(slots, [], message, active_loop=FORM), {})
    assert result == [events.SlotSet("cuisine", None), events.SlotSet("requested_slot", "cuisine")]
    assert [m["response"] for m in dispatcher.messages] == ["utter_wrong_cuisine", "utter_ask_cuisine"]


def test_sdk_imports_without_textual_or_aiohttp():
    code = (
        "import core.sdk, core.sdk.forms, core.sdk.events, core.sdk.types, sys; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tui', 'forms', 'aiohttp')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
