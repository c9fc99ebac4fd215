"""Choosing and filling responses: variations, slots, conditions, channels, rich parts, retrieval."""

from __future__ import annotations

import random

from core.domain import read_domain
from core.events import UserUttered
from core.runtime import Agent
from core.runtime.responses import ResponseGenerator, bot_uttered, fill_text, matching_variations
from core.tracker import DialogueStateTracker

DOMAIN = read_domain(
    """
version: "3.1"
intents: [greet, faq]
slots:
  name: {type: text, mappings: [{type: custom}]}
  vip: {type: bool, mappings: [{type: custom}]}
responses:
  utter_greet:
    - text: "Hi {name}!"
    - text: "Hello {name}!"
    - text: "Hey {name}!"
  utter_status:
    - text: "Welcome back, valued guest."
      condition: [{type: slot, name: vip, value: true}]
    - text: "Hello."
  utter_where:
    - text: "Type /help."
      channel: cmdline
    - text: "Tap the help button."
  utter_choose:
    - text: "Pick one"
      buttons:
        - {title: "Yes, {name}", payload: "/affirm"}
        - {title: "No", payload: "/deny"}
      image: "https://example.org/{name}.png"
  utter_card:
    - custom: {kind: card, title: "{name}'s card", items: ["{name}", 3]}
  utter_faq/ask_hours:
    - text: "We open at nine."
  utter_faq/ask_price:
    - text: "It is free."
""",
    "domain.yml",
)


def generator(seed: int = 0) -> ResponseGenerator:
    return ResponseGenerator(DOMAIN.responses, random.Random(seed))


def test_variations_are_chosen_by_the_seeded_random():
    picks = [generator(seed).generate("utter_greet", {"name": "Ann"})["text"] for seed in range(30)]
    assert set(picks) == {"Hi Ann!", "Hello Ann!", "Hey Ann!"}
    again = [generator(seed).generate("utter_greet", {"name": "Ann"})["text"] for seed in range(30)]
    assert picks == again


def test_slots_fill_placeholders_and_missing_ones_leave_the_text_as_written():
    assert fill_text("Hi {name}!", {"name": "Ann"}) == "Hi Ann!"
    assert fill_text("Hi {name}, {unknown}!", {"name": "Ann"}) == "Hi {name}, {unknown}!"
    assert fill_text("Hi {name}!", {"name": None}) == "Hi None!"  # a declared but empty slot, as Rasa
    assert fill_text("literal {{name}}", {"name": "Ann"}) == "literal {name}"
    assert fill_text("no braces", {}) == "no braces"


def test_conditional_variation_wins_when_it_matches():
    assert generator().generate("utter_status", {"vip": True})["text"] == "Welcome back, valued guest."
    assert generator().generate("utter_status", {"vip": False})["text"] == "Hello."
    assert generator().generate("utter_status", {})["text"] == "Hello."


def test_channel_specific_variation_wins_on_its_channel_only():
    assert generator().generate("utter_where", {}, channel="cmdline")["text"] == "Type /help."
    assert generator().generate("utter_where", {}, channel="slack")["text"] == "Tap the help button."
    assert generator().generate("utter_where", {})["text"] == "Tap the help button."


def test_buttons_image_and_custom_are_filled_and_carried_in_the_bot_event():
    message = generator().generate("utter_choose", {"name": "Ann"})
    event = bot_uttered(message)
    assert event.text == "Pick one"
    assert event.data["buttons"] == [{"title": "Yes, Ann", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    assert event.data["image"] == event.data["attachment"] == "https://example.org/Ann.png"
    assert event.metadata["utter_action"] == "utter_choose"
    card = bot_uttered(generator().generate("utter_card", {"name": "Ann"}))
    assert card.text is None
    assert card.data["custom"] == {"kind": "card", "title": "Ann's card", "items": ["Ann", 3]}


def test_unknown_response_gives_nothing():
    assert generator().generate("utter_nothing", {}) is None
    assert generator().utter("utter_nothing", {}) == []
    assert matching_variations([{"text": "x", "channel": "slack"}], {}, None) == []


def _tracker_after(parse: dict) -> DialogueStateTracker:
    tracker = DialogueStateTracker("u", DOMAIN.slot_defaults())
    tracker.update(UserUttered(text=parse["text"], intent=parse["intent"], parse_data=parse))
    return tracker


def test_retrieval_action_says_the_response_nlu_selected():
    agent = Agent(DOMAIN, rng=random.Random(0))
    parse = {
        "text": "when do you open",
        "intent": {"name": "faq", "confidence": 0.9},
        "response_selector": {
            "all_retrieval_intents": ["faq"],
            "faq": {"response": {"intent_response_key": "faq/ask_hours", "utter_action": "utter_faq/ask_hours"}},
        },
    }
    tracker = _tracker_after(parse)
    events = agent.execute(tracker, "utter_faq")
    assert [getattr(e, "text", None) for e in events][-1] == "We open at nine."
    assert events[-1].metadata["utter_action"] == "utter_faq"


def test_retrieval_action_reads_a_typed_full_intent_name():
    agent = Agent(DOMAIN, rng=random.Random(0))
    tracker = _tracker_after({"text": "/faq/ask_price", "intent": {"name": "faq/ask_price", "confidence": 1.0}})
    assert agent.execute(tracker, "utter_faq")[-1].text == "It is free."
    silent = _tracker_after({"text": "/faq", "intent": {"name": "faq", "confidence": 1.0}})
    assert [e.type_name for e in agent.execute(silent, "utter_faq")] == ["action"]
