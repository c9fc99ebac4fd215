"""The session logic without the UI, on the trained concertbot of the app tests."""

from __future__ import annotations

import json

import pytest

from core.errors import DataError
from core.events import UserUttered
from core.interactive.export import taught
from core.interactive.questions import QuestionKind
from core.interactive.session import Session
from core.runtime.agent import Agent
from core.runtime.endpoints import EndpointConfig
from tests.app_support import action_server_url, concertbot_model
from tui.widgets.history_table import history_rows


@pytest.fixture
def session(tmp_path):
    agent = Agent.load(concertbot_model())
    agent.registry.action_endpoint = EndpointConfig(action_server_url())
    return Session(agent, tmp_path / ".botcoach", "unit")


def test_intent_message_skips_the_nlu_question_and_is_journaled_first(session):
    question = session.submit("/search_concerts")
    assert question.kind == QuestionKind.ACTION
    lines = [json.loads(line) for line in session.journal.path.read_text().splitlines()]
    assert any(line.get("event", {}).get("event") == "user" for line in lines)
    while session.question.kind == QuestionKind.ACTION:
        session.run_action(session.question.prediction.action)
    assert session.question.kind == QuestionKind.USER_INPUT
    assert session.tracker.get_slot("concerts")


def test_unknown_intent_and_empty_text_are_refused(session):
    with pytest.raises(DataError, match="unknown intent 'foo'"):
        session.submit("/foo")
    with pytest.raises(DataError, match="empty"):
        session.submit("   ")
    assert not session.tracker.user_turns()


def test_text_asks_nlu_and_corrections_become_examples(session):
    question = session.submit("hello there")
    assert question.kind == QuestionKind.NLU and "'hello there'" in question.text
    parse = session.correct_parse(intent="greet")
    session.confirm_parse(parse)
    assert [(e.text, e.intent) for e in taught(session.conversations).examples] == [("hello there", "greet")]
    assert session.tracker.latest_message.intent_name == "greet"


def test_markup_is_validated_against_text_and_domain(session):
    with pytest.raises(DataError, match="reads as"):
        session.entities_from_markup("[hi](x) you", "hello you")
    with pytest.raises(DataError, match="unknown entity 'city'"):
        session.entities_from_markup("in [Berlin](city)", "in Berlin")
    session.add_entity("city")
    assert session.entities_from_markup("in [Berlin](city)", "in Berlin")[0]["value"] == "Berlin"


def test_new_response_action_is_said_in_the_session(session):
    session.submit("/greet")
    session.add_action("utter_hey", "Hey you!")
    session.run_action("utter_hey")
    assert session.tracker.latest_bot_utterance.text == "Hey you!"
    assert session.state.additions.responses == {"utter_hey": "Hey you!"}
    with pytest.raises(DataError):
        session.add_action("utter_empty", "")


def test_history_rows_show_markup_intent_and_drop_reverted_steps():
    user = UserUttered(
        "in Berlin",
        {"name": "inform", "confidence": 0.98},
        [{"start": 3, "end": 9, "value": "Berlin", "entity": "city"}],
    )
    rows = history_rows([user])
    assert rows == [("1", "", "in [Berlin](city)\nintent: inform 0.98")]


def test_fork_and_fresh_keep_every_conversation(session):
    session.submit("/greet")
    while session.question.kind == QuestionKind.ACTION:
        session.run_action(session.question.prediction.action)
    session.submit("/deny")
    while session.question.kind == QuestionKind.ACTION:
        session.run_action(session.question.prediction.action)
    session.fork(1)
    assert [m.intent_name for _, m in session.tracker.user_turns()] == ["greet"]
    session.start_fresh()
    assert len(session.conversations) == 3 and len(session.state.exportable()) == 2


def test_history_rows_show_an_intent_message_as_typed():
    typed = '/inform{"city": "Berlin"}'
    user = UserUttered(
        typed,
        {"name": "inform", "confidence": 1.0},
        [{"start": 0, "end": len(typed), "value": "Berlin", "entity": "city"}],
    )
    assert history_rows([user]) == [("1", "", f"{typed}\nintent: inform 1.00")]
