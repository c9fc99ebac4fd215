"""The runtime: the message loop, sessions, slot extraction, built-in actions, the registry,
undo, the max_predictions limit, and a full concertbot conversation against our action server."""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import web

from core.action_server import create_app, load_actions
from core.domain import read_domain
from core.errors import ActionServerError, BotcoachError
from core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    Event,
    Restarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from core.prediction import Prediction
from core.runtime import Action, ActionRejected, Agent, EndpointConfig
from core.runtime.remote import RemoteAction
from core.training import load_project, train
from tests.conftest import ROOT

CONCERTBOT = ROOT / "sample_data" / "concertbot"

DOMAIN_3X = read_domain(
    """
version: "3.1"
intents: [greet, inform, affirm, deny, restart, back, out_of_scope, nlu_fallback, chitchat]
entities: [city, person]
slots:
  city: {type: text, mappings: [{type: from_entity, entity: city}]}
  cities: {type: list, mappings: [{type: from_entity, entity: city}]}
  origin: {type: text, mappings: [{type: from_entity, entity: city, role: from}]}
  happy: {type: bool, mappings: [{type: from_intent, intent: affirm, value: true},
                                 {type: from_intent, intent: deny, value: false}]}
  note: {type: text, mappings: [{type: from_text, not_intent: [greet, chitchat]}]}
  in_form: {type: text, mappings: [{type: from_entity, entity: person, conditions: [{active_loop: some_form}]}]}
responses:
  utter_greet: [{text: "Hello!"}]
  utter_restart: [{text: "Starting over."}]
  utter_default: [{text: "I did not get that."}]
  utter_back: [{text: "Going back."}]
  utter_ask_rephrase: [{text: "Say it differently?"}]
actions: [action_custom]
session_config: {session_expiration_time: 60, carry_over_slots_to_new_session: true}
""",
    "domain.yml",
)


class ScriptedEnsemble:
    """Predicts `choose(tracker)` with 0.8; never proposes an action the tracker just rejected."""

    def __init__(self, choose):
        self.choose = choose

    def predict(self, tracker, domain):
        last = tracker.events[-1] if tracker.events else None
        rejected = last.name if isinstance(last, ActionExecutionRejected) else None
        best = tracker.followup_action if tracker.followup_action not in (None, "action_listen") else None
        best = best or self.choose(tracker, rejected)
        share = 0.2 / (len(domain.action_names) - 1)
        probabilities = tuple(0.8 if a == best else share for a in domain.action_names)
        return Prediction(tuple(domain.action_names), probabilities, "ScriptedPolicy")


def after_user_listen(action: str):
    """Run `action` after each user message, then listen."""
    return lambda tracker, rejected: action if tracker.latest_action_name == "action_listen" else "action_listen"


def kinds(events: list[Event]) -> list[str]:
    return [
        f"{e.type_name}:{e.name}" if isinstance(e, (ActionExecuted, SlotSet, ActiveLoop)) else e.type_name
        for e in events
    ]


def agent_with(choose, domain=DOMAIN_3X, **options) -> Agent:
    return Agent(domain, ensemble=ScriptedEnsemble(choose), rng=random.Random(0), **options)


def test_first_message_starts_a_session_and_extracts_slots():
    agent = agent_with(after_user_listen("utter_greet"))
    tracker = agent.tracker_for("ann")
    parse = {
        "text": "I fly from Paris",
        "intent": {"name": "inform", "confidence": 0.9},
        "entities": [
            {"entity": "city", "value": "Paris", "start": 11, "end": 16, "role": "from"},
            {"entity": "city", "value": "Rome", "start": 0, "end": 0},
        ],
    }
    events = agent.handle_user(tracker, parse)
    assert kinds(events) == [
        "action:action_session_start",
        "session_started",
        "action:action_listen",
        "user",
        "slot:city",
        "slot:cities",
        "slot:origin",
        "slot:note",
    ]
    assert tracker.slots["city"] == "Rome" and tracker.slots["cities"] == ["Rome"]
    assert tracker.slots["origin"] == "Paris" and tracker.slots["note"] == "I fly from Paris"
    assert tracker.get_slot("in_form") is None  # form-conditioned: the forms package's job
    assert agent.handle_user(tracker, {"text": "hi", "intent": {"name": "greet"}}) == [tracker.events[-1]]


def test_from_intent_mapping_and_unchanged_values_set_nothing_new():
    agent = agent_with(after_user_listen("utter_greet"))
    tracker = agent.tracker_for("bob")
    events = agent.handle_user(tracker, {"text": "/affirm", "intent": {"name": "affirm"}})
    assert SlotSet("happy", True) in events
    again = agent.handle_user(tracker, {"text": "/affirm", "intent": {"name": "affirm"}})
    assert not any(isinstance(e, SlotSet) and e.name == "happy" for e in again)


DOMAIN_1X = """
intents: [inform]
entities: [city]
slots:
  city: {type: text}
  country: {type: text, auto_fill: false}
templates:
  utter_ok: [{text: ok}]
"""


def test_1x_auto_fill_from_same_named_entity_and_store_entities_as_slots_false():
    parse = {
        "text": "Berlin",
        "intent": {"name": "inform"},
        "entities": [
            {"entity": "city", "value": "Berlin", "start": 0, "end": 6},
            {"entity": "country", "value": "DE", "start": 0, "end": 6},
        ],
    }
    agent = agent_with(after_user_listen("utter_ok"), domain=read_domain(DOMAIN_1X, "domain.yml"))
    tracker = agent.tracker_for("x")
    agent.handle_user(tracker, parse)
    assert tracker.slots["city"] == "Berlin" and tracker.slots["country"] is None
    off = read_domain(DOMAIN_1X + "config:\n  store_entities_as_slots: false\n", "domain.yml")
    agent = agent_with(after_user_listen("utter_ok"), domain=off)
    tracker = agent.tracker_for("y")
    agent.handle_user(tracker, parse)
    assert tracker.slots["city"] is None


def test_expired_session_starts_again_carrying_slots_over():
    agent = agent_with(after_user_listen("utter_greet"))
    tracker = agent.tracker_for("old")
    agent.handle_message(
        tracker,
        "/inform",
        parse={"text": "x", "intent": {"name": "inform"}, "entities": [{"entity": "city", "value": "Oslo"}]},
    )
    assert not agent.needs_session_start(tracker)
    user = next(e for e in tracker.events if isinstance(e, UserUttered))
    object.__setattr__(user, "timestamp", time.time() - 61 * 60)
    assert agent.needs_session_start(tracker)
    events = agent.handle_user(tracker, {"text": "hi", "intent": {"name": "greet"}})
    assert kinds(events)[:4] == ["action:action_session_start", "session_started", "slot:city", "slot:cities"]
    assert tracker.slots["city"] == "Oslo"
    domain = replace(DOMAIN_3X, session_config=replace(DOMAIN_3X.session_config, carry_over_slots_to_new_session=False))
    fresh = agent_with(after_user_listen("utter_greet"), domain=domain)
    tracker2 = fresh.tracker_for("t")
    tracker2.update(SlotSet("city", "Oslo"))
    assert [e.type_name for e in fresh.start_session(tracker2)] == ["action", "session_started", "action"]
    assert tracker2.slots["city"] is None


def test_a_turn_runs_actions_until_listen_and_returns_the_messages():
    agent = agent_with(after_user_listen("utter_greet"))
    turn = agent.handle_message("ann", "/greet")
    assert [m.text for m in turn.messages] == ["Hello!"]
    assert turn.problems == []
    assert kinds(turn.events)[-3:] == ["action:utter_greet", "bot", "action:action_listen"]
    assert agent.tracker_for("ann").latest_action_name == "action_listen"


def test_max_predictions_stops_a_bot_that_never_listens():
    agent = agent_with(lambda tracker, rejected: "utter_greet", max_predictions=4)
    turn = agent.handle_message("loop", "/greet")
    assert len(turn.messages) == 4
    assert len(turn.problems) == 1 and "4 actions in a row" in turn.problems[0].message
    assert agent.tracker_for("loop").latest_action_name == "utter_greet"


class RejectOnce(Action):
    calls = 0

    async def run(self, tracker, context):
        RejectOnce.calls += 1
        raise ActionRejected(self.name, "not this time")


def test_a_rejected_action_is_logged_and_the_policies_are_asked_again():
    def choose(tracker, rejected):
        if tracker.latest_action_name != "action_listen":
            return "action_listen"
        return "utter_greet" if rejected == "action_custom" else "action_custom"

    agent = agent_with(choose)
    agent.registry.register("action_custom", RejectOnce)
    turn = agent.handle_message("r", "/greet")
    assert kinds(turn.events)[-4:] == ["action_execution_rejected", "action:utter_greet", "bot", "action:action_listen"]
    assert [m.text for m in turn.messages] == ["Hello!"]


def test_step_by_step_predict_execute_and_undo():
    agent = agent_with(after_user_listen("utter_greet"))
    tracker = agent.tracker_for("s")
    assert not agent.can_undo(tracker) and agent.undo(tracker) == []
    agent.handle_user(tracker, agent.parse("/greet"))
    prediction = agent.predict(tracker)
    assert prediction.action == "utter_greet" and len(prediction.ranking) == len(DOMAIN_3X.action_names)
    assert abs(sum(p for _, p in prediction.ranking) - 1.0) < 1e-6
    events = agent.execute(tracker, prediction.action, prediction)
    assert events[0] == ActionExecuted("utter_greet") and events[0].policy == "ScriptedPolicy"
    assert events[0].confidence == pytest.approx(0.8)
    assert tracker.latest_bot_utterance.text == "Hello!"
    assert [e.type_name for e in agent.undo(tracker)] == ["undo"]
    assert tracker.latest_action_name == "action_listen" and tracker.latest_message.intent_name == "greet"
    assert [e.type_name for e in agent.undo(tracker)] == ["rewind", "action"]
    assert tracker.latest_message is None and tracker.latest_action_name == "action_listen"
    assert not agent.can_undo(tracker)


def test_restart_back_fallback_and_deactivate_loop():
    agent = agent_with(after_user_listen("utter_greet"))
    tracker = agent.tracker_for("b")
    agent.handle_message(tracker, "/greet")
    events = agent.execute(tracker, "action_restart")
    assert [getattr(e, "text", None) for e in events if isinstance(e, BotUttered)] == ["Starting over."]
    assert isinstance(events[-1], Restarted) and tracker.followup_action == "action_session_start"
    assert agent.predict(tracker).action == "action_session_start"
    agent.handle_message(tracker, "/greet")
    agent.handle_message(tracker, "/inform")
    agent.handle_user(tracker, {"text": "/back", "intent": {"name": "back"}})
    events = agent.execute(tracker, "action_back")
    assert [e.type_name for e in events] == ["action", "bot", "rewind", "rewind"]
    assert tracker.latest_message.intent_name == "greet"
    agent.handle_user(tracker, {"text": "??", "intent": {"name": "nlu_fallback"}})
    events = agent.execute(tracker, "action_default_fallback")
    assert events[1].text == "I did not get that." and isinstance(events[-1], UserUtteranceReverted)
    assert tracker.latest_message.intent_name == "greet"
    tracker.update(ActiveLoop("some_form"))
    agent.execute(tracker, "action_deactivate_loop")
    assert tracker.active_loop_name is None and tracker.slots.get("requested_slot") is None
    assert agent.execute(tracker, "action_unlikely_intent") == [ActionExecuted("action_unlikely_intent")]


def test_two_stage_fallback_affirm_then_clarified_message_is_restated():
    agent = agent_with(after_user_listen("utter_greet"))
    tracker = agent.tracker_for("f")
    unclear = {
        "text": "hmm hi",
        "intent": {"name": "nlu_fallback", "confidence": 0.4},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "greet", "confidence": 0.3}],
    }
    agent.handle_user(tracker, unclear)
    ask = agent.execute(tracker, "action_two_stage_fallback")
    assert kinds(ask)[:2] == ["action:action_two_stage_fallback", "active_loop:action_two_stage_fallback"]
    assert ask[-1].text == "Did you mean 'greet'?"
    assert [b["payload"] for b in ask[-1].data["buttons"]] == ["/greet", "/out_of_scope"]
    agent.execute(tracker, "action_listen")
    agent.handle_user(tracker, agent.parse("/out_of_scope"))
    rephrase = agent.execute(tracker, "action_two_stage_fallback")
    assert rephrase[-1].text == "Say it differently?"
    agent.execute(tracker, "action_listen")
    agent.handle_user(tracker, agent.parse("/greet"))
    agent.execute(tracker, "action_two_stage_fallback")
    assert tracker.active_loop_name is None
    users = [e for e in tracker.applied_events() if isinstance(e, UserUttered)]
    assert len(users) == 1 and users[0].text == "hmm hi" and users[0].intent_name == "greet"
    assert users[0].intent["confidence"] == 1.0


def test_two_stage_fallback_gives_up_after_a_failed_rephrase():
    agent = agent_with(after_user_listen("utter_greet"))
    tracker = agent.tracker_for("g")
    for text in ("/nlu_fallback", "/out_of_scope", "/nlu_fallback", "/out_of_scope"):
        agent.handle_user(tracker, agent.parse(text))
        events = agent.execute(tracker, "action_two_stage_fallback")
        agent.execute(tracker, "action_listen")
    assert [e.text for e in events if isinstance(e, BotUttered)] == ["I did not get that."]
    assert ActiveLoop(None) in events and tracker.active_loop_name is None


def test_registry_order_overrides_and_missing_action_server():
    agent = agent_with(after_user_listen("utter_greet"))

    class Marker(Action):
        async def run(self, tracker, context):
            return [SlotSet("city", self.name)]

    agent.registry.add_resolver(lambda name, domain: Marker(name) if name.endswith("_form") else None)
    agent.registry.register("action_extract_slots", Marker)
    tracker = agent.tracker_for("reg")
    events = agent.handle_user(tracker, {"text": "hi", "intent": {"name": "greet"}})
    assert events[-1] == SlotSet("city", "action_extract_slots")
    assert agent.execute(tracker, "restaurant_form")[-1] == SlotSet("city", "restaurant_form")
    with pytest.raises(ActionServerError, match="no action server is configured"):
        agent.execute(tracker, "action_custom")
    turn = agent_with(after_user_listen("action_custom")).handle_message("z", "/greet")
    assert "no action server" in turn.problems[0].message and turn.events[-1] == ActionExecuted("action_listen")
    custom_fallback = replace(DOMAIN_3X, actions=["action_default_fallback"])
    registry = Agent(custom_fallback, action_endpoint=EndpointConfig("http://127.0.0.1:1/webhook")).registry
    assert isinstance(registry.resolve("action_default_fallback"), RemoteAction)


def test_paused_conversation_waits_for_restart():
    agent = agent_with(after_user_listen("utter_greet"))
    tracker = agent.tracker_for("p")
    agent.handle_message(tracker, "/greet")
    tracker.update(ConversationPaused())
    assert agent.handle_message(tracker, "/greet").messages == []


def test_parse_uses_the_intent_bypass_and_needs_nlu_for_text():
    agent = agent_with(after_user_listen("utter_greet"))
    parse = agent.parse('/inform{"city": "Oslo"}')
    assert parse["intent"]["name"] == "inform" and parse["entities"][0]["value"] == "Oslo"
    with pytest.raises(BotcoachError, match="no NLU part"):
        agent.parse("hello there")


# -- concertbot, end to end, with our action server -----------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def concertbot_model(tmp_path_factory) -> Path:
    """concertbot's dialogue model (memoization and rules: seconds, deterministic)."""
    project = load_project(CONCERTBOT / "config.yml", CONCERTBOT / "domain.yml", [CONCERTBOT / "data"])
    config = replace(project.config, policies=replace(project.config.policies, ted=False))
    result = train(replace(project, config=config), ("core",), tmp_path_factory.mktemp("models"), force=True)
    return result.path


@pytest.fixture(scope="module")
def action_server() -> str:
    """concertbot's actions served for real by our action server on a free 127.0.0.1 port."""
    actions = load_actions(str(CONCERTBOT / "actions"))
    port = _free_port()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(create_app(actions))
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
    yield f"http://127.0.0.1:{port}/webhook"
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def test_concertbot_conversation_with_custom_actions(concertbot_model, action_server, tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"action_endpoint:\n  url: {action_server}\n")
    agent = Agent.load(concertbot_model, endpoints, rng=random.Random(3))
    greet = agent.handle_message("fan", "/greet")
    assert greet.messages[0].text in {v["text"] for v in agent.domain.responses["utter_greet"]}
    agent.handle_message("fan", "/affirm")
    assert agent.tracker_for("fan").slots["likes_music"] is True
    search = agent.handle_message("fan", "/search_concerts")
    assert search.problems == []
    assert search.messages[0].text.startswith("Coming up soon: The Midnight Lanterns")
    concerts = agent.tracker_for("fan").slots["concerts"]
    assert [c["artist"] for c in concerts] == ["The Midnight Lanterns", "Cobalt Harbour", "Juniper & the Owls"]
    reviews = agent.handle_message("fan", "/compare_reviews")
    assert reviews.messages[0].text.splitlines()[1] == "1. The Midnight Lanterns: 4.6 stars"
    assert agent.tracker_for("fan").latest_action_name == "action_listen"
