"""The form loop (forms/): the sample formbot and Rasa's formbot (3.x and 1.x) run through the
runtime Agent step by step, with their validation actions on our own action server."""

from __future__ import annotations

import asyncio
import random
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from textwrap import dedent

import pytest
from aiohttp import web

from core.action_server import create_app, load_actions
from core.domain import load_domain, read_domain
from core.errors import ActionServerError
from core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    BotUttered,
    Form,
    SlotSet,
    UserUttered,
)
from core.interactive.validation_question import apply_validation_answer, needs_validation_question
from core.runtime import Agent, EndpointConfig
from core.sdk import Action as SdkAction
from core.sdk.forms import FormAction
from core.tracker import DialogueStateTracker
from forms.extraction import extract_slots
from forms.loop import GAVE_UP_KEY
from forms.registry import register_forms
from tests.conftest import COMPAT, ROOT

FORMBOT = ROOT / "sample_data" / "formbot"


# -- an action server in this process ---------------------------------------------------------


@contextmanager
def serving(actions: Mapping[str, SdkAction]) -> Iterator[str]:
    """`actions` on our action server at a free 127.0.0.1 port; yields the webhook URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(create_app(dict(actions)))
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@pytest.fixture(scope="module")
def formbot_server() -> Iterator[str]:
    with serving(load_actions(str(FORMBOT / "actions"))) as url:
        yield url


def form_agent(domain, url: str | None = None) -> Agent:
    agent = Agent(domain, action_endpoint=EndpointConfig(url) if url else None, rng=random.Random(0))
    register_forms(agent, domain)
    return agent


def say(agent: Agent, tracker, message: str):
    return agent.handle_user(tracker, agent.parse(message))


def run(agent: Agent, tracker, *actions: str):
    """Execute `actions` in order (the choice a person or the policies would make)."""
    events = []
    for action in actions:
        events += agent.execute(tracker, action)
    return events


def asked(events) -> list[str]:
    return [e.text for e in events if isinstance(e, BotUttered)]


def slot_sets(events) -> dict:
    return {e.name: e.value for e in events if isinstance(e, SlotSet)}


# -- the sample formbot ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def formbot_domain():
    return load_domain(FORMBOT / "domain.yml")


def test_formbot_fills_every_slot_through_a_stop_continue_detour(formbot_domain, formbot_server):
    agent = form_agent(formbot_domain, formbot_server)
    tracker = agent.tracker_for("diner")
    say(agent, tracker, '/request_restaurant{"cuisine": "Thai"}')
    events = run(agent, tracker, "restaurant_form")
    assert isinstance(events[1], ActiveLoop) and events[1].name == "restaurant_form"
    assert tracker.get_slot("cuisine") == "thai"  # validate_restaurant_form normalised it
    assert tracker.requested_slot == "num_people" and asked(events) == ["How many people is the table for?"]
    run(agent, tracker, "action_listen")

    say(agent, tracker, '/inform{"number": "four"}')
    events = run(agent, tracker, "restaurant_form", "action_listen")
    assert tracker.get_slot("num_people") == 4 and tracker.requested_slot == "outdoor_seating"
    assert asked(events) == ["Would you like to sit outside?"]

    # the detour: stop inside the form, "do you want to continue?", yes
    say(agent, tracker, "/stop")
    rejected = run(agent, tracker, "restaurant_form")
    assert rejected == [ActionExecutionRejected("restaurant_form")]
    run(agent, tracker, "utter_ask_continue", "action_listen")
    extracted = say(agent, tracker, "/affirm")
    assert "outdoor_seating" not in slot_sets(extracted)  # the affirm answers the detour, not the slot
    assert needs_validation_question(tracker, "restaurant_form") == ("restaurant_form", "outdoor_seating")
    apply_validation_answer(tracker, validate=False)  # "no, don't validate"
    events = run(agent, tracker, "restaurant_form", "action_listen")
    assert tracker.get_slot("outdoor_seating") is None and tracker.requested_slot == "outdoor_seating"
    assert asked(events) == ["Would you like to sit outside?"]

    say(agent, tracker, "/affirm")
    run(agent, tracker, "restaurant_form", "action_listen")
    assert tracker.get_slot("outdoor_seating") is True and tracker.requested_slot == "preferences"
    say(agent, tracker, "/deny")
    run(agent, tracker, "restaurant_form", "action_listen")
    assert tracker.get_slot("preferences") == "no additional preferences"
    agent.handle_user(tracker, {"text": "very smooth", "intent": {"name": "inform"}, "entities": []})
    events = run(agent, tracker, "restaurant_form")
    assert tracker.get_slot("feedback") == "very smooth"  # from_text while feedback is requested
    assert [type(e).__name__ for e in events[-2:]] == ["SlotSet", "ActiveLoop"]
    assert tracker.active_loop_name is None and tracker.get_slot("requested_slot") is None
    final = run(agent, tracker, "utter_submit", "utter_slots_values")
    assert "cuisine: thai" in asked(final)[1] and "outdoor seating: True" in asked(final)[1]


def test_ignored_intents_and_other_slots_in_one_answer(formbot_domain, formbot_server):
    agent = form_agent(formbot_domain, formbot_server)
    tracker = agent.tracker_for("busy")
    say(agent, tracker, "/request_restaurant")
    run(agent, tracker, "restaurant_form", "action_listen")
    assert tracker.requested_slot == "cuisine"
    say(agent, tracker, "/chitchat")  # ignored by the form: its from_text/from_entity mappings stay quiet
    assert run(agent, tracker, "restaurant_form") == [ActionExecutionRejected("restaurant_form")]
    run(agent, tracker, "utter_chitchat", "restaurant_form", "action_listen")
    assert tracker.requested_slot == "cuisine" and tracker.active_loop_name == "restaurant_form"
    say(agent, tracker, '/inform{"cuisine": "greek", "number": "2", "seating": "on the terrace"}')
    run(agent, tracker, "restaurant_form")
    assert (tracker.get_slot("cuisine"), tracker.get_slot("num_people"), tracker.get_slot("outdoor_seating")) == (
        "greek",
        2,
        True,
    )
    assert tracker.requested_slot == "preferences"


def test_invalid_value_is_rejected_by_the_validation_action_and_asked_again(formbot_domain, formbot_server):
    agent = form_agent(formbot_domain, formbot_server)
    tracker = agent.tracker_for("typo")
    say(agent, tracker, "/request_restaurant")
    run(agent, tracker, "restaurant_form", "action_listen")
    say(agent, tracker, '/inform{"cuisine": "martian"}')
    events = run(agent, tracker, "restaurant_form")
    assert tracker.get_slot("cuisine") is None and tracker.requested_slot == "cuisine"
    assert asked(events)[0].startswith("Sorry, I don't know any restaurants serving that")


def test_a_form_that_never_gets_a_usable_answer_stops_with_a_message(formbot_domain, formbot_server):
    problems = []
    agent = form_agent(formbot_domain, formbot_server)
    agent.on_problem = problems.append
    tracker = agent.tracker_for("stuck")
    say(agent, tracker, "/request_restaurant")
    run(agent, tracker, "restaurant_form", "action_listen")
    for _ in range(2):
        say(agent, tracker, '/inform{"cuisine": "martian"}')
        events = run(agent, tracker, "restaurant_form", "action_listen")
        assert tracker.requested_slot == "cuisine" and tracker.active_loop_name == "restaurant_form"
        assert asked(events)[0].startswith("Sorry, I don't know any restaurants") and len(asked(events)) == 2
    say(agent, tracker, '/inform{"cuisine": "lunar"}')
    events = run(agent, tracker, "restaurant_form")
    message = next(e for e in events if isinstance(e, BotUttered) and GAVE_UP_KEY in e.metadata)
    assert message.text == "Sorry, I still could not get your cuisine after 3 tries, so I stopped this form."
    assert tracker.active_loop_name is None and tracker.get_slot("requested_slot") is None
    assert tracker.followup_action == "action_listen"  # not the submit rule: nothing was submitted
    assert len(problems) == 1 and "got no usable answer 3 times in a row" in problems[0].message


def test_side_questions_do_not_count_as_useless_answers(formbot_domain, formbot_server):
    agent = form_agent(formbot_domain, formbot_server)
    tracker = agent.tracker_for("chatty")
    say(agent, tracker, "/request_restaurant")
    run(agent, tracker, "restaurant_form", "action_listen")
    for _ in range(5):
        say(agent, tracker, "/chitchat")
        run(agent, tracker, "restaurant_form", "utter_chitchat", "restaurant_form", "action_listen")
    assert tracker.active_loop_name == "restaurant_form" and tracker.requested_slot == "cuisine"


# -- mappings ---------------------------------------------------------------------------------


def tracker_in_form(domain, requested: str, intent: str, text: str = "", entities=()):
    return DialogueStateTracker(
        "m",
        domain.slot_defaults(),
        [
            ActionExecuted("action_listen"),
            UserUttered("/request_restaurant", {"name": "request_restaurant"}),
            ActionExecuted("restaurant_form"),
            ActiveLoop("restaurant_form"),
            SlotSet("requested_slot", requested),
            ActionExecuted("action_listen"),
            UserUttered(text, {"name": intent}, list(entities)),
        ],
    )


def test_conditions_ignored_intents_and_roles(formbot_domain):
    assert extract_slots(tracker_in_form(formbot_domain, "feedback", "inform", "quick"), formbot_domain) == {
        "feedback": "quick"
    }
    assert extract_slots(tracker_in_form(formbot_domain, "feedback", "chitchat", "nice weather"), formbot_domain) == {}
    assert extract_slots(tracker_in_form(formbot_domain, "cuisine", "affirm"), formbot_domain) == {}
    assert extract_slots(tracker_in_form(formbot_domain, "outdoor_seating", "affirm"), formbot_domain) == {
        "outdoor_seating": True
    }
    assert extract_slots(tracker_in_form(formbot_domain, "preferences", "deny", "no"), formbot_domain) == {
        "preferences": "no additional preferences"
    }
    roles = read_domain(
        dedent("""\
        version: "3.1"
        intents: [inform, request_restaurant]
        entities: [{city: {roles: [from, to]}}]
        slots:
          origin: {type: text, mappings: [{type: from_entity, entity: city, role: from,
                                           conditions: [{active_loop: restaurant_form}]}]}
          where: {type: text, mappings: [{type: from_trigger_intent, intent: request_restaurant, value: here,
                                          conditions: [{active_loop: restaurant_form}]}]}
        forms: {restaurant_form: {required_slots: [origin]}}
    """),
        "domain.yml",
    )
    cities = [{"entity": "city", "value": "Oslo", "role": "to"}, {"entity": "city", "value": "Rome", "role": "from"}]
    assert extract_slots(tracker_in_form(roles, "origin", "inform", "x", cities), roles) == {"origin": "Rome"}
    trigger = DialogueStateTracker("t", roles.slot_defaults(), [UserUttered("/r", {"name": "request_restaurant"})])
    assert extract_slots(trigger, roles) == {"where": "here"}  # the form is not active yet
    assert extract_slots(tracker_in_form(roles, "origin", "request_restaurant"), roles) == {}


# -- Rasa's formbot, 3.x ----------------------------------------------------------------------


def test_rasa_formbot_3x_domain_runs_the_loop_without_a_validation_server():
    domain = load_domain(COMPAT / "formbot-3x" / "domain.yml")
    domain.actions = [a for a in domain.actions if a != "validate_restaurant_form"]  # no server here
    agent = form_agent(domain)
    tracker = agent.tracker_for("rasa3")
    say(agent, tracker, "/request_restaurant")
    events = run(agent, tracker, "restaurant_form", "action_listen")
    assert asked(events) == ["What cuisine?"]
    answers = [
        ('/inform{"cuisine": "mexican"}', "num_people"),
        ('/inform{"number": "3"}', "outdoor_seating"),
        ("/deny", "preferences"),
    ]
    for message, next_slot in answers:
        say(agent, tracker, message)
        run(agent, tracker, "restaurant_form", "action_listen")
        assert tracker.requested_slot == next_slot
    agent.handle_user(tracker, {"text": "by the window", "intent": {"name": "inform"}, "entities": []})
    run(agent, tracker, "restaurant_form", "action_listen")
    agent.handle_user(tracker, {"text": "all good", "intent": {"name": "inform"}, "entities": []})
    run(agent, tracker, "restaurant_form")
    filled = {name: tracker.get_slot(name) for name in domain.forms["restaurant_form"].required_slots}
    assert filled == {
        "cuisine": "mexican",
        "num_people": "3",
        "outdoor_seating": False,
        "preferences": "by the window",
        "feedback": "all good",
    }
    assert tracker.get_slot("requested_slot") is None
    assert tracker.active_loop_name is None


# -- Rasa's formbot, 1.x: the FormAction runs on the action server ------------------------------


class RestaurantForm1x(FormAction):
    """A 1.x FormAction for Rasa's formbot-1x domain, written for this test."""

    def name(self) -> str:
        return "restaurant_form"

    @staticmethod
    def required_slots(tracker) -> list[str]:
        return ["cuisine", "num_people", "outdoor_seating"]

    def slot_mappings(self):
        return {
            "cuisine": self.from_entity(entity="cuisine", not_intent="chitchat"),
            "num_people": [
                self.from_entity(entity="num_people", intent=["inform", "request_restaurant"]),
                self.from_entity(entity="number"),
            ],
            "outdoor_seating": [
                self.from_intent(intent="affirm", value=True),
                self.from_intent(intent="deny", value=False),
            ],
        }

    def validate_num_people(self, value, dispatcher, tracker, domain):
        if str(value).isdigit() and int(value) > 0:
            return {"num_people": value}
        dispatcher.utter_message(template="utter_wrong_num_people")
        return {"num_people": None}

    def submit(self, dispatcher, tracker, domain):
        dispatcher.utter_message(template="utter_submit")
        return []


def test_rasa_formbot_1x_remote_form_action_with_rejection_and_no_validation():
    domain = load_domain(COMPAT / "formbot-1x" / "domain.yml")
    with serving({"restaurant_form": RestaurantForm1x()}) as url:
        agent = form_agent(domain, url)
        tracker = agent.tracker_for("rasa1")
        say(agent, tracker, "/request_restaurant")
        events = run(agent, tracker, "restaurant_form", "action_listen")
        assert Form("restaurant_form") in events and asked(events) == ["what cuisine?"]
        say(agent, tracker, "/chitchat")
        assert run(agent, tracker, "restaurant_form") == [ActionExecutionRejected("restaurant_form")]
        run(agent, tracker, "utter_chitchat", "action_listen")
        say(agent, tracker, "/affirm")
        apply_validation_answer(tracker, validate=False)  # 1.x spelling: form_validation false
        assert type(tracker.events[-1]).__name__ == "FormValidation"
        events = run(agent, tracker, "restaurant_form", "action_listen")
        assert asked(events) == ["what cuisine?"] and tracker.get_slot("cuisine") is None
        say(agent, tracker, '/inform{"cuisine": "mexican", "number": "0"}')  # 1.x: number fills only when asked
        assert asked(run(agent, tracker, "restaurant_form", "action_listen")) == ["how many people?"]
        say(agent, tracker, '/inform{"number": "0"}')
        events = run(agent, tracker, "restaurant_form", "action_listen")
        assert asked(events) == ["number of people should be a positive integer, please try again", "how many people?"]
        say(agent, tracker, '/inform{"number": "2"}')
        run(agent, tracker, "restaurant_form", "action_listen")
        say(agent, tracker, "/affirm")
        events = run(agent, tracker, "restaurant_form")
    assert slot_sets(events) == {"outdoor_seating": True, "requested_slot": None}
    assert Form(None) in events and asked(events) == ["All done!"]
    assert (tracker.get_slot("cuisine"), tracker.get_slot("num_people")) == ("mexican", "2")


def test_legacy_form_without_an_action_server_is_a_clear_error():
    domain = read_domain("intents: [greet]\nforms:\n  - some_form\n", "domain.yml")
    agent = form_agent(domain)
    tracker = agent.tracker_for("x")
    say(agent, tracker, "/greet")
    with pytest.raises(ActionServerError, match="Rasa 1.x form"):
        run(agent, tracker, "some_form")
    assert not any(isinstance(e, ActionExecuted) and e.name == "some_form" for e in tracker.events)
