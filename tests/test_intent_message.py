"""`/intent`, `/intent@0.7` and `/intent{"entity": "value"}` bypass the model with a parse of the
same shape, as Rasa's RegexInterpreter does."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.nlu.intent_message import is_intent_message, parse_intent_message


def test_plain_intent_is_certain():
    parse = parse_intent_message("/greet")
    assert parse == {
        "text": "/greet",
        "intent": {"name": "greet", "confidence": 1.0},
        "intent_ranking": [{"name": "greet", "confidence": 1.0}],
        "entities": [],
    }


def test_confidence_and_entities():
    text = '/inform@0.7{"cuisine": "thai", "people": 4}'
    parse = parse_intent_message(text)
    assert parse["intent"] == {"name": "inform", "confidence": 0.7}
    json_start = text.index("{")
    assert parse["entities"] == [
        {"entity": "cuisine", "start": json_start, "end": len(text), "value": "thai"},
        {"entity": "people", "start": json_start, "end": len(text), "value": 4},
    ]


def test_list_values_give_one_entity_each_and_retrieval_names_pass_through():
    parse = parse_intent_message('/faq/ask_name{"topping": ["olives", "ham"]}')
    assert parse["intent"]["name"] == "faq/ask_name"
    assert [e["value"] for e in parse["entities"]] == ["olives", "ham"]


@pytest.mark.parametrize(
    ("text", "confidence"),
    [("/deny@0.25", 0.25), ("/deny@3", 1.0), ("/deny@1.2.3", 0.0), ("  /deny  ", 1.0)],
)
def test_confidence_edge_cases(text, confidence):
    parse = parse_intent_message(text)
    assert parse["intent"] == {"name": "deny", "confidence": confidence}


def test_bad_json_keeps_the_intent_and_drops_the_entities():
    parse = parse_intent_message('/inform{"cuisine": thai}')
    assert parse["intent"]["name"] == "inform"
    assert parse["entities"] == []
    assert parse_intent_message('/inform["thai"]')["entities"] == []


def test_not_an_intent_message():
    assert parse_intent_message("hello") is None
    assert parse_intent_message("/") is None
    assert parse_intent_message("/{}") is None
    assert not is_intent_message("hi /greet")
    assert is_intent_message(" /greet")


def test_unknown_intent_is_ordinary_text_when_intents_are_given():
    assert parse_intent_message("/greet", known_intents={"greet"})["intent"]["name"] == "greet"
    assert parse_intent_message("/home/user", known_intents={"greet"}) is None


@given(st.text(max_size=60))
def test_never_raises(text):
    parse = parse_intent_message(text)
    if parse is not None:
        assert set(parse) == {"text", "intent", "intent_ranking", "entities"}
        assert 0.0 <= parse["intent"]["confidence"] <= 1.0
