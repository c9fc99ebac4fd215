"""Issue 16: the bot learns while it is taught. After a correction the models are updated with what
the conversations teach (core.interactive.learning), and the next prediction follows it: after
start fresh, for a relabelled phrase, for a new intent with a new response; an undo takes it back."""

from __future__ import annotations

import subprocess
import sys

import pytest

from core.interactive import learning as learning_module
from core.interactive.learning import UPDATE_SWITCH_INTERVAL, OnlineLearning, ResponsiveTurns
from core.interactive.questions import QuestionKind
from core.nlu.parse import intent_name
from core.runtime.agent import Agent
from core.training import load_project, parts_to_train, train
from tests.conftest import ROOT, SAMPLES
from tests.test_teaching_session import answer_actions, open_session
from tui.cli import main


def proposed(session, text: str) -> str:
    """The action the bot proposes first after `text` in a fresh conversation."""
    session.start_fresh()
    question = session.submit(text)
    if question.kind == QuestionKind.NLU:
        question = session.confirm_parse(question.parse)
    return question.prediction.action


def proposed_and_another(session) -> tuple[str, str]:
    """What the bot proposes after /compare_reviews in a fresh conversation, and another action
    that a correction can teach there."""
    before = proposed(session, "/compare_reviews")
    venues = "action_show_venue_reviews"
    return before, venues if before != venues else "action_show_concert_reviews"


def run_instead(session, action: str) -> None:
    """Correct the proposed action to `action`, then confirm the rest until the bot listens."""
    session.run_action(action)
    answer_actions(session)


def test_a_corrected_action_is_proposed_after_start_fresh(tmp_path):
    session, _ = open_session(tmp_path)
    learning = OnlineLearning(session.agent)
    before, corrected = proposed_and_another(session)
    session.start_fresh()
    session.submit("/compare_reviews")
    run_instead(session, corrected)
    learned = learning.learn(session.conversations)
    assert f"now predicts {corrected} after compare_reviews" in learned.changes
    assert proposed(session, "/compare_reviews") == corrected


def test_undo_takes_the_correction_back_out(tmp_path):
    session, _ = open_session(tmp_path)
    learning = OnlineLearning(session.agent)
    before, corrected = proposed_and_another(session)
    session.start_fresh()
    session.submit("/compare_reviews")
    run_instead(session, corrected)
    learning.learn(session.conversations)
    while session.tracker.user_turns():
        session.undo()
    learning.learn(session.conversations)
    assert proposed(session, "/compare_reviews") == before


def test_undo_puts_the_models_from_before_the_correction_back_without_training(tmp_path):
    session, _ = open_session(tmp_path)
    learning = OnlineLearning(session.agent)
    loaded = session.agent.interpreter, session.agent.ensemble
    session.add_intent("greet_informal")
    session.submit("hello there")
    session.confirm_parse(session.correct_parse(intent="greet_informal"))
    run_instead(session, "utter_goodbye")
    learning.learn(session.conversations)
    taught = session.agent.interpreter, session.agent.ensemble
    assert taught[0] is not loaded[0] and taught[1] is not loaded[1]
    session.submit("/compare_reviews")
    run_instead(session, "action_show_venue_reviews")
    learning.learn(session.conversations)
    while len(session.tracker.user_turns()) > 1:  # the second correction taken back: the first one's models
        session.undo()
    learning.learn(session.conversations)
    assert session.agent.interpreter is taught[0] and session.agent.ensemble is taught[1]
    while session.tracker.user_turns():  # and the first: the models as loaded
        session.undo()
    learning.learn(session.conversations)
    assert session.agent.interpreter is loaded[0] and session.agent.ensemble is loaded[1]
    assert learning.base_interpreter is loaded[0]


def test_the_snapshots_kept_for_undo_are_bounded_and_an_undo_past_them_learns_again(tmp_path, monkeypatch):
    """Snapshots hold copies of the weights (~90 MB each on SNIPS-size NLU): only the newest that
    fit in SNAPSHOTS_MB are kept. An undo past them starts from an older one (here: as loaded)
    and learns what is still taught, so the models follow the conversations as without the bound."""
    monkeypatch.setattr(learning_module, "SNAPSHOTS_MB", 0)
    session, _ = open_session(tmp_path)
    learning = OnlineLearning(session.agent)
    before, corrected = proposed_and_another(session)
    session.start_fresh()
    session.add_intent("greet_informal")
    session.submit("hello there")
    session.confirm_parse(session.correct_parse(intent="greet_informal"))
    run_instead(session, "utter_goodbye")
    learning.learn(session.conversations)
    first = session.agent.interpreter, session.agent.ensemble
    session.submit("/compare_reviews")
    run_instead(session, corrected)
    learning.learn(session.conversations)
    assert len(learning.snapshots) == 1  # the newest: it is the live models
    while len(session.tracker.user_turns()) > 1:
        session.undo()
    learning.learn(session.conversations)
    assert session.agent.interpreter is not first[0] and session.agent.ensemble is not first[1]  # learned again
    assert intent_name(session.agent.parse("hello there")) == "greet_informal"
    assert proposed(session, "hello there") == "utter_goodbye"
    assert proposed(session, "/compare_reviews") != corrected


def test_a_relabelled_phrase_comes_back_with_its_new_intent(tmp_path):
    session, _ = open_session(tmp_path)
    learning = OnlineLearning(session.agent)
    session.add_intent("greet_informal")
    session.submit("hello there")
    assert intent_name(session.question.parse) != "greet_informal"
    session.confirm_parse(session.correct_parse(intent="greet_informal"))
    run_instead(session, "utter_greet")
    learned = learning.learn(session.conversations)
    assert "now understands 'hello there' as greet_informal" in learned.changes
    session.start_fresh()
    assert intent_name(session.submit("hello there").parse) == "greet_informal"


def test_a_new_intent_with_a_new_response_is_predicted(tmp_path):
    session, _ = open_session(tmp_path)
    learning = OnlineLearning(session.agent)
    session.add_intent("ask_parking")
    session.add_action("utter_parking", "There is parking behind the venue.")
    session.submit("where can I park my car")
    session.confirm_parse(session.correct_parse(intent="ask_parking"))
    run_instead(session, "utter_parking")
    learning.learn(session.conversations)
    session.start_fresh()
    question = session.submit("where can I park my car")
    assert intent_name(question.parse) == "ask_parking"
    assert session.confirm_parse(question.parse).prediction.action == "utter_parking"


def test_a_story_against_a_rule_is_warned_about_not_learned(tmp_path):
    """Concertbot's rule says thanks are always welcome: teaching otherwise is a contradiction the
    consistency check names, and the rule keeps deciding."""
    session, _ = open_session(tmp_path)
    learning = OnlineLearning(session.agent)
    session.submit("/thankyou")
    question = session.run_action("utter_greet")
    assert question.warning and "rule" in question.warning
    answer_actions(session)
    learning.learn(session.conversations)
    assert proposed(session, "/thankyou") == "utter_youarewelcome"


def test_learning_in_the_background_swaps_the_models_in_when_done(tmp_path):
    session, _ = open_session(tmp_path)
    learning = OnlineLearning(session.agent)
    loaded = session.agent.ensemble
    session.submit("/compare_reviews")
    run_instead(session, "utter_goodbye")
    outcomes = []
    learning.learn_in_background(session.conversations, outcomes.append).join()
    assert outcomes == [learning.last]
    assert session.agent.ensemble is not loaded and learning.base_ensemble is loaded  # loaded models stay as they were


def test_the_learned_model_is_saved_at_export_and_reused_without_retraining(tmp_path, monkeypatch, capsys):
    """At export the learned model is saved as `<timestamp>-interactive.tar.gz`, marked as trained
    on the exported data: `botcoach train` reuses it, `botcoach shell` and `test` load it and it
    answers as the session's model did."""
    session, paths = open_session(tmp_path)
    learning = OnlineLearning(session.agent)
    session.add_intent("ask_parking")
    session.add_action("utter_parking", "There is parking behind the venue.")
    session.submit("where can I park my car")
    session.confirm_parse(session.correct_parse(intent="ask_parking"))
    run_instead(session, "utter_parking")
    session.export(paths)
    project_dir = tmp_path / "concertbot"
    project = load_project(SAMPLES / "concertbot" / "config.yml", paths.domain, [project_dir / "data"])
    saved = learning.save(session.conversations, project, tmp_path / "models")
    assert saved.name.endswith("-interactive.tar.gz")

    loaded = Agent.load(saved)
    # what the updates taught is saved too: the next update (a later session) rehearses it
    assert loaded.interpreter.taught == session.agent.interpreter.taught != []
    for text in ("where can I park my car", "hello there", "/compare_reviews"):
        assert intent_name(loaded.parse(text)) == intent_name(session.agent.parse(text))
    fresh = loaded.create_tracker("t")
    loaded.handle_user(fresh, loaded.parse("where can I park my car"))
    assert loaded.predict(fresh).action == "utter_parking"

    result = train(project, parts_to_train(project, None), tmp_path / "models")
    assert result.reused and result.path == saved

    shell = subprocess.run(
        [sys.executable, "-m", "tui.cli", "shell", "-m", str(saved), "--endpoints", str(tmp_path / "none.yml")],
        input="where can I park my car\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert shell.returncode == 0, shell.stderr
    assert "There is parking behind the venue." in shell.stdout
    monkeypatch.chdir(project_dir)
    assert main(["test", "nlu", "-m", str(saved), "--nlu", "data", "--out", str(tmp_path / "results")]) == 0
    assert "ask_parking" in (tmp_path / "results" / "intent_report.json").read_text()


def test_learning_a_new_intent_before_any_action_after_it_keeps_the_policies_usable(tmp_path):
    """The first update after a new intent is confirmed has no action after it to learn: the
    policies still learn the domain's new names and must go on predicting (they raised a shape
    error)."""
    session, _ = open_session(tmp_path)
    learning = OnlineLearning(session.agent)
    session.add_intent("compliment")
    session.submit("sounds lovely")
    session.confirm_parse(session.correct_parse(intent="compliment"))
    learning.learn(session.conversations)
    assert session.ask_next_action().prediction.action


def test_while_updates_run_python_hands_the_lock_to_the_turns_more_often_and_then_as_before():
    before = sys.getswitchinterval()
    turns = ResponsiveTurns()
    with turns.during_update():
        with turns.during_update():  # two updates overlap
            assert sys.getswitchinterval() == pytest.approx(min(before, UPDATE_SWITCH_INTERVAL))
        assert sys.getswitchinterval() == pytest.approx(min(before, UPDATE_SWITCH_INTERVAL))
    assert sys.getswitchinterval() == before
