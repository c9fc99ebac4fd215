"""Teaching from a stored conversation: user-anna's, from the shared Rasa tracker store, replayed
with moodbot's model, its wrong turn corrected, and exported as a story."""

from __future__ import annotations

from core.interactive.export import default_paths
from core.interactive.questions import QuestionKind
from core.interactive.replay import stored_conversation
from core.interactive.session import ProjectFiles, Session
from core.runtime.agent import Agent
from core.tracker_store import open_source
from core.training_data.loader import load_training_data
from tests.app_support import project_copy, trained_model
from tests.test_tracker_store import STORE
from tui.cli import main
from tui.commands.interactive import read_stored
from tui.settings import InteractiveSettings


def _steps(story) -> list[str]:
    return [getattr(step, "intent", None) or getattr(step, "name", None) or "" for step in story.steps]


def open_moodbot(tmp_path):
    """A session on a copy of moodbot (the `rasa init` bot the stored conversations talked to)."""
    project = project_copy(tmp_path, "moodbot")
    files = ProjectFiles([str(project / "data")], str(project / "domain.yml"))
    session = Session(Agent.load(trained_model("moodbot")), tmp_path / ".botcoach", "tester", project=files)
    return session, default_paths([project / "data"], project / "domain.yml")


def test_anna_sad_turn_corrected_replayed_and_exported(tmp_path):
    session, paths = open_moodbot(tmp_path)
    source = open_source(endpoints=STORE / "endpoints.yml")
    stored = stored_conversation(source.tracker("user-anna"), source.describe())
    assert [turn.text for turn in stored.turns][:2] == ["hello there", "I am feeling really sad today"]

    question = session.replay_stored(stored)
    assert question.kind == QuestionKind.NLU and question.parse["intent"]["name"] == "greet"  # Rasa's parse
    question = session.confirm_parse(question.parse)
    while question.kind == QuestionKind.ACTION:
        question = session.run_action(question.prediction.action)

    # the second stored message comes next, with Rasa's wrong parse shown
    assert question.kind == QuestionKind.NLU
    assert question.parse["text"] == "I am feeling really sad today"
    assert question.parse["intent"]["name"] == "mood_great"
    question = session.confirm_parse(session.correct_parse(intent="mood_unhappy"))
    ran = []
    while question.kind == QuestionKind.ACTION:
        ran.append(question.prediction.action)
        if question.prediction.action != "action_listen":
            assert question.disagreement  # the deployed bot said utter_happy here
        question = session.run_action(question.prediction.action)
    assert ran == ["utter_cheer_up", "utter_did_that_help", "action_listen"]
    assert question.kind == QuestionKind.NLU and question.parse["text"] == "yes that helped"

    session.export(paths)
    text = paths.stories.read_text()
    assert "user-anna" in text  # origin (store and sender) in the story's name
    story = next(s for s in load_training_data([paths.stories]).stories if "user-anna" in s.name)
    steps = _steps(story)
    at = steps.index("mood_unhappy")
    assert steps[at : at + 3] == ["mood_unhappy", "utter_cheer_up", "utter_did_that_help"]


def test_interactive_from_store_reads_the_conversation_before_the_app_starts(capsys):
    stored = read_stored(InteractiveSettings(from_store="user-cleo", store=str(STORE / "tracker.db")))
    assert stored is not None
    assert [turn.text for turn in stored.turns] == ["good morning", "meh", "no, not really", "ok bye then"]
    assert stored.origin.endswith("sender user-cleo")
    # an unknown sender: one line and exit 1, the app never starts
    assert main(["interactive", "--from-store", "user-zed", "--store", str(STORE / "tracker.db")]) == 1
    assert "no conversation with sender 'user-zed'" in capsys.readouterr().err


def test_disagreements_are_in_the_question_text(tmp_path):
    session, _ = open_moodbot(tmp_path)
    source = open_source(trackers=[STORE / "tracker_user-anna.json"])
    question = session.replay_stored(stored_conversation(source.tracker("user-anna"), source.describe()))
    question = session.confirm_parse(question.parse)
    while question.kind == QuestionKind.ACTION:
        question = session.run_action(question.prediction.action)
    if question.disagreement:  # the model trained here may or may not repeat Rasa's mistake
        assert question.disagreement in question.text
    question = session.confirm_parse(session.correct_parse(intent="mood_unhappy"))
    assert "'utter_happy' ran here before" in question.text


def test_editing_a_turn_mid_replay_keeps_the_stored_turns_still_to_come(tmp_path):
    """Rasa's wrong parse confirmed first, then fixed from the history: the turns not yet asked
    still come after the edit's replay."""
    session, paths = open_moodbot(tmp_path)
    source = open_source(endpoints=STORE / "endpoints.yml")
    stored = stored_conversation(source.tracker("user-anna"), source.describe())
    question = session.replay_stored(stored)
    while not (question.kind == QuestionKind.NLU and question.parse["text"] == stored.turns[2].text):
        if question.kind == QuestionKind.NLU:
            question = session.confirm_parse(question.parse)  # mood_great for the sad message, as Rasa did
        else:
            question = session.run_action(question.prediction.action)
    question = session.edit_turn(2, intent="mood_unhappy")
    while question.kind != QuestionKind.USER_INPUT:
        if question.kind == QuestionKind.NLU:
            question = session.confirm_parse(question.parse)
        else:
            question = session.run_action(question.prediction.action)
    texts = [message.text for _, message in session.tracker.user_turns()]
    assert texts == [turn.text for turn in stored.turns]
