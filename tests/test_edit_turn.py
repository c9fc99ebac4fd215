"""Fixing a past turn of a live conversation: the rest is replayed, the export is right, undo
takes the edit back (moodbot, the `rasa init` bot)."""

from __future__ import annotations

import pytest

from core.errors import DataError
from core.events import UserUttered
from core.interactive.questions import QuestionKind
from core.interactive.session import executed
from core.training_data.loader import load_training_data
from tests.test_stored_replay import open_moodbot


def _teach(session, text: str, intent: str) -> None:
    session.submit(f"/{intent}")
    question = session.question
    while question.kind == QuestionKind.ACTION:
        question = session.run_action(question.prediction.action)


def _intents(session) -> list[str]:
    return [e.intent_name for e in session.tracker.applied_events() if isinstance(e, UserUttered)]


def test_editing_the_middle_turn_replays_the_rest_and_undo_takes_it_back(tmp_path):
    session, paths = open_moodbot(tmp_path)
    _teach(session, "hi", "greet")
    _teach(session, "great", "mood_great")  # the person meant unhappy
    _teach(session, "bye", "goodbye")
    before_intents, before_actions = _intents(session), executed(session.tracker)
    assert before_intents == ["greet", "mood_great", "goodbye"]
    assert "utter_happy" in before_actions

    question = session.edit_turn(2, intent="mood_unhappy")
    ran = []
    while question.kind != QuestionKind.USER_INPUT:
        if question.kind == QuestionKind.NLU:  # the later turn, asked again with its old parse
            assert question.parse["intent"]["name"] == "goodbye"
            question = session.confirm_parse(question.parse)
            continue
        ran.append(question.prediction.action)
        if question.prediction.action == "utter_cheer_up":
            assert "'utter_happy' ran here before" in question.text
        question = session.run_action(question.prediction.action)
    assert _intents(session) == ["greet", "mood_unhappy", "goodbye"]
    assert ran[:2] == ["utter_cheer_up", "utter_did_that_help"]

    session.undo()  # the replay is over: undo is a step again
    assert _intents(session) == ["greet", "mood_unhappy", "goodbye"]


def test_undo_during_the_replay_takes_the_whole_edit_back(tmp_path):
    session, paths = open_moodbot(tmp_path)
    _teach(session, "hi", "greet")
    _teach(session, "great", "mood_great")
    _teach(session, "bye", "goodbye")
    before_intents, before_actions = _intents(session), executed(session.tracker)
    question = session.edit_turn(2, intent="mood_unhappy")
    assert question.kind == QuestionKind.ACTION
    session.run_action(question.prediction.action)
    question = session.undo()
    assert question.kind == QuestionKind.USER_INPUT
    assert (_intents(session), executed(session.tracker)) == (before_intents, before_actions)

    session.edit_turn(2, intent="mood_unhappy")
    while session.question.kind != QuestionKind.USER_INPUT:
        if session.question.kind == QuestionKind.NLU:
            session.confirm_parse(session.question.parse)
        else:
            session.run_action(session.question.prediction.action)
    session.export(paths)
    story = next(s for s in load_training_data([paths.stories]).stories if s.name.startswith("interactive"))
    steps = [getattr(step, "intent", None) or getattr(step, "name", None) for step in story.steps]
    assert steps[steps.index("mood_unhappy") : steps.index("mood_unhappy") + 3] == [
        "mood_unhappy", "utter_cheer_up", "utter_did_that_help",
    ]  # fmt: skip
    assert "mood_great" not in steps


def test_a_bad_edit_changes_nothing(tmp_path):
    session, _ = open_moodbot(tmp_path)
    _teach(session, "hi", "greet")
    events = list(session.tracker.events)
    with pytest.raises(DataError, match="no user turn 3"):
        session.edit_turn(3, intent="greet")
    with pytest.raises(DataError, match="unknown entity"):
        session.edit_turn(1, markup="[/greet](city)")
    assert list(session.tracker.events) == events


def _finish_replay(session) -> list[str]:
    """Confirm every step the edit's replay asks; the actions confirmed, in order."""
    ran = []
    while session.question.kind != QuestionKind.USER_INPUT:
        if session.question.kind == QuestionKind.NLU:
            session.confirm_parse(session.question.parse)
        else:
            ran.append(session.question.prediction.action)
            session.run_action(session.question.prediction.action)
    return ran


def test_editing_a_bot_action_mid_conversation_replays_the_rest_and_undo_takes_it_back(tmp_path):
    session, paths = open_moodbot(tmp_path)
    _teach(session, "hi", "greet")
    _teach(session, "sad", "mood_unhappy")
    _teach(session, "bye", "goodbye")
    before = list(session.applied_events(collapse_loops=False))
    names = [action.name for _, action in session.bot_actions()]
    position = names.index("utter_cheer_up")

    question = session.edit_action(position, "utter_happy")  # the bot's answer to "sad", changed
    assert executed(session.tracker)[-1] == "utter_happy"
    assert question.kind == QuestionKind.ACTION  # the rest of the turn is asked again, noted
    assert "'utter_did_that_help' ran here before" in question.text or question.prediction.action == (
        "utter_did_that_help"
    )
    question = session.undo()  # during the replay: the whole edit goes
    assert session.applied_events(collapse_loops=False) == before
    assert question.kind == QuestionKind.USER_INPUT

    session.edit_action(position, "utter_happy")
    _finish_replay(session)
    assert _intents(session) == ["greet", "mood_unhappy", "goodbye"]  # later turns replayed
    actions = executed(session.tracker)
    assert "utter_cheer_up" not in actions and "utter_goodbye" in actions
    session.export(paths)
    story = next(s for s in load_training_data([paths.stories]).stories if s.name.startswith("interactive"))
    steps = [getattr(step, "intent", None) or getattr(step, "name", None) for step in story.steps]
    assert steps[steps.index("mood_unhappy") + 1] == "utter_happy"
    assert "utter_cheer_up" not in steps


def test_a_bad_action_edit_changes_nothing(tmp_path):
    session, _ = open_moodbot(tmp_path)
    _teach(session, "hi", "greet")
    events = list(session.tracker.events)
    with pytest.raises(DataError, match="no bot action 99"):
        session.edit_action(98, "utter_greet")
    with pytest.raises(DataError, match="unknown action 'utter_nothing'"):
        session.edit_action(1, "utter_nothing")
    with pytest.raises(DataError, match="before any user message"):
        session.edit_action(0, "utter_greet")
    assert list(session.tracker.events) == events


def test_a_message_typed_but_not_yet_confirmed_survives_an_edit_and_its_undo(tmp_path):
    session, _ = open_moodbot(tmp_path)
    _teach(session, "hi", "greet")
    _teach(session, "great", "mood_great")
    session.submit("/goodbye")  # confirmed: the bot answers; then a message only typed
    while session.question.kind == QuestionKind.ACTION:
        session.run_action(session.question.prediction.action)
    pending = session.submit("see you")
    assert pending.kind == QuestionKind.NLU

    session.edit_turn(2, intent="mood_unhappy")
    _finish_replay(session)  # the typed message is asked again at its place, and confirmed
    assert [m.text for _, m in session.tracker.user_turns()][-1] == "see you"
    assert _intents(session)[:3] == ["greet", "mood_unhappy", "goodbye"]

    session = open_moodbot(tmp_path / "again")[0]
    _teach(session, "hi", "greet")
    _teach(session, "great", "mood_great")
    session.submit("see you")
    question = session.edit_turn(2, intent="mood_unhappy")
    assert question.kind == QuestionKind.ACTION
    question = session.undo()  # the whole edit back, and the typed message asked again
    assert question.kind == QuestionKind.NLU and question.parse["text"] == "see you"
    assert _intents(session) == ["greet", "mood_great"]
