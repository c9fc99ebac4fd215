"""Issue 13's cases, headless: what a teaching session exports is what its conversations say now,
written as one transaction, and a journal brings the session back after a crash."""

from __future__ import annotations

import os
import stat

import pytest

import core.fileio
from core.domain import load_domain
from core.errors import ExportError
from core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from core.interactive.export import ExportPaths, default_paths
from core.interactive.journal import find_session, list_sessions
from core.interactive.model_fit import model_fit
from core.interactive.questions import QuestionKind
from core.interactive.session import ProjectFiles, Session, nlu_question_text
from core.runtime.agent import Agent
from core.runtime.endpoints import EndpointConfig
from core.training_data.loader import load_nlu, load_training_data
from core.training_data.stories_yaml import read_stories_yaml
from forms.registry import register_forms
from tests.app_support import interactive_args, project_copy, served_actions, trained_model
from tests.conftest import SAMPLES
from tui.commands.interactive import find_or_train_model


def open_session(tmp_path, bot: str = "concertbot") -> tuple[Session, ExportPaths]:
    """A new session on a copy of the sample bot, and where its export goes by default."""
    project = project_copy(tmp_path, bot) if not (tmp_path / bot).exists() else tmp_path / bot
    agent = Agent.load(trained_model(bot))
    agent.registry.action_endpoint = EndpointConfig(served_actions(bot))
    register_forms(agent, agent.domain, agent.registry.action_endpoint)
    files = ProjectFiles([str(project / "data")], str(project / "domain.yml"))
    session = Session(agent, tmp_path / ".botcoach", "tester", project=files)
    session.load_training_stories = lambda: load_training_data([project / "data"]).stories
    return session, default_paths([project / "data"], project / "domain.yml")


def answer_actions(session: Session) -> list[str]:
    """Confirm every predicted action until the bot listens; the warnings shown on the way."""
    warnings = []
    while session.question.kind == QuestionKind.ACTION:
        question = session.run_action(session.question.prediction.action)
        warnings += [question.warning] if question.warning else []
    return warnings


def teach(session: Session, text: str, intent: str | None = None, markup: str | None = None) -> None:
    session.submit(text)
    if session.question.kind == QuestionKind.NLU:
        session.confirm_parse(session.correct_parse(intent=intent, markup=markup))
    answer_actions(session)


def undo_until_text_is_asked(session: Session) -> None:
    while session.question.kind != QuestionKind.USER_INPUT or session.tracker.user_turns():
        session.undo()
        if session.question.kind == QuestionKind.USER_INPUT:
            break


def examples_of(path, text: str) -> list[str]:
    return [e.intent for e in load_nlu(path).examples if e.text == text]


def snapshot(paths: ExportPaths) -> dict[str, bytes | None]:
    return {str(p): (p.read_bytes() if p.exists() else None) for p in (paths.stories, paths.nlu, paths.domain)}


# -- 1, 2: what an undo took back is not exported ------------------------------------------


def test_an_undone_intent_correction_is_not_exported(tmp_path):
    session, paths = open_session(tmp_path)
    session.submit("good evening friend")
    session.confirm_parse(session.correct_parse(intent="goodbye"))
    session.undo()  # the action question goes back to the NLU question of that message
    session.undo()
    assert not session.tracker.user_turns()
    teach(session, "good evening friend", intent="greet")
    session.export(paths)
    assert examples_of(paths.nlu, "good evening friend") == ["greet"]


def test_an_undone_entity_correction_is_not_exported_in_formbot(tmp_path):
    session, paths = open_session(tmp_path, "formbot")
    session.submit("greek please")
    session.confirm_parse(session.correct_parse(intent="request_restaurant", markup="[greek](cuisine) please"))
    session.undo()
    session.undo()
    session.submit("greek please")
    session.confirm_parse(session.correct_parse(intent="inform", markup="[greek](cuisine) please"))
    session.export(paths)
    assert examples_of(paths.nlu, "greek please") == ["inform"]


def test_an_undone_new_response_is_not_added_to_the_domain(tmp_path):
    session, paths = open_session(tmp_path)
    session.submit("/thankyou")
    session.add_action("utter_undo_me", "this should vanish")
    session.run_action("utter_undo_me")
    session.undo()
    answer_actions(session)
    session.export(paths)
    assert "utter_undo_me" not in paths.domain.read_text()
    assert "utter_undo_me" not in load_domain(paths.domain).responses


def test_a_new_response_that_survives_is_added_with_its_text(tmp_path):
    session, paths = open_session(tmp_path)
    session.submit("/thankyou")
    session.add_action("utter_kept", "glad to help")
    session.run_action("utter_kept")
    answer_actions(session)
    session.export(paths)
    assert load_domain(paths.domain).responses["utter_kept"] == [{"text": "glad to help"}]


# -- 3, 5, 10: one transaction, ordinary permissions, files kept as they are ----------------


def test_a_target_whose_parent_is_a_file_changes_nothing(tmp_path):
    session, paths = open_session(tmp_path)
    teach(session, "hello there", intent="greet")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder")
    before = snapshot(paths)
    wrong = ExportPaths(paths.stories, paths.nlu, blocked / "domain.yml")
    with pytest.raises(ExportError, match="domain.yml"):
        session.export(wrong)
    assert snapshot(paths) == before
    assert session.unsaved and not session.state.ledger.stories
    session.export(paths)  # the session is intact: a good export still writes everything
    assert examples_of(paths.nlu, "hello there") == ["greet"]


def test_a_rename_failing_on_the_second_file_puts_the_first_back(tmp_path, monkeypatch):
    session, paths = open_session(tmp_path)
    teach(session, "hello there", intent="greet")
    before = snapshot(paths)
    real_replace = os.replace
    calls = []

    def failing_second(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(core.fileio.os, "replace", failing_second)
    with pytest.raises(ExportError, match="No space left on device"):
        session.export(paths)
    monkeypatch.undo()
    assert snapshot(paths) == before
    assert not [p for p in paths.nlu.parent.iterdir() if p.name.endswith(".tmp")]
    session.export(paths)
    assert examples_of(paths.nlu, "hello there") == ["greet"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_folder_without_write_permission_changes_nothing(tmp_path):
    session, paths = open_session(tmp_path)
    teach(session, "hello there", intent="greet")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "domain.yml").write_text(paths.domain.read_text())
    locked.chmod(0o555)
    before = snapshot(paths)
    try:
        with pytest.raises(ExportError, match="locked"):
            session.export(ExportPaths(paths.stories, paths.nlu, locked / "domain.yml"))
    finally:
        locked.chmod(0o755)
    assert snapshot(paths) == before


def test_a_markdown_stories_file_refusing_a_role_leaves_the_nlu_file_as_it_was(tmp_path):
    session, paths = open_session(tmp_path, "formbot")
    session.submit("greek please")
    markup = '[greek]{"entity": "cuisine", "role": "liked"} please'
    session.confirm_parse(session.correct_parse(intent="inform", markup=markup))
    answer_actions(session)
    md = ExportPaths(tmp_path / "stories.md", tmp_path / "nlu.md", paths.domain)
    (tmp_path / "nlu.md").write_text("## intent:greet\n- hi\n")
    before = snapshot(md)
    with pytest.raises(ExportError, match="stories.md"):
        session.export(md)
    assert snapshot(md) == before


def test_new_files_get_the_umask_permissions_and_a_new_domain_loads(tmp_path):
    session, paths = open_session(tmp_path)
    teach(session, "hello there", intent="greet")
    fresh = ExportPaths(tmp_path / "new" / "stories.yml", tmp_path / "new" / "nlu.yml", tmp_path / "new" / "domain.yml")
    (tmp_path / "new").mkdir()
    old_mask = os.umask(0o022)
    try:
        session.export(fresh)
    finally:
        os.umask(old_mask)
    for path in (fresh.stories, fresh.nlu, fresh.domain):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    domain = load_domain(fresh.domain)
    assert {"greet", "utter_greet"} <= set(domain.all_intent_names) | set(domain.action_names)
    assert [s.name for s in read_stories_yaml(fresh.stories.read_text())] == ["interactive conversation 1"]


def test_crlf_bom_and_symlinked_files_stay_so(tmp_path):
    session, paths = open_session(tmp_path)
    teach(session, "hello there", intent="greet")
    shared = tmp_path / "shared_nlu.yml"
    shared.write_bytes(b"\xef\xbb\xbf" + paths.nlu.read_bytes().replace(b"\n", b"\r\n"))
    paths.nlu.unlink()
    paths.nlu.symlink_to(shared)
    paths.domain.write_bytes(paths.domain.read_bytes().replace(b"\n", b"\r\n"))
    session.export(paths)
    assert paths.nlu.is_symlink()
    raw = shared.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert examples_of(shared, "hello there") == ["greet"]
    domain = paths.domain.read_bytes()
    assert b"\n" not in domain.replace(b"\r\n", b"")


# -- 4: exporting again updates in place --------------------------------------------------


def test_a_second_export_updates_the_story_and_a_third_changes_no_byte(tmp_path):
    session, paths = open_session(tmp_path)
    teach(session, "/greet")
    session.export(paths)
    teach(session, "/thankyou")
    session.export(paths)
    stories = [s for s in read_stories_yaml(paths.stories.read_text()) if s.name.startswith("interactive")]
    assert [s.name for s in stories] == ["interactive conversation 1"]
    intents = [getattr(step, "intent", None) for step in stories[0].steps]
    assert [i for i in intents if i] == ["greet", "thankyou"]
    before = snapshot(paths)
    plan = session.export(paths)
    assert plan.changes == [] and snapshot(paths) == before


def test_an_undo_after_an_export_takes_the_example_back_out(tmp_path):
    session, paths = open_session(tmp_path)
    teach(session, "good evening friend", intent="greet")
    session.export(paths)
    undo_until_text_is_asked(session)
    session.export(paths)
    assert examples_of(paths.nlu, "good evening friend") == []
    assert "interactive conversation 1" not in paths.stories.read_text()


# -- 6: a step against a rule is named when it is taught -----------------------------------


def test_a_step_against_a_rule_is_named_at_once_and_again_at_export(tmp_path):
    session, paths = open_session(tmp_path)
    session.submit("/thankyou")
    question = session.run_action("utter_goodbye")
    assert question.warning and "thanks are always welcome" in question.warning
    answer_actions(session)
    plan = session.export(paths)
    assert any("thanks are always welcome" in line for line in plan.contradictions)


# -- 7: the journal brings the session back -----------------------------------------------


def test_a_resumed_session_has_every_conversation_and_the_question_it_asked(tmp_path):
    session, paths = open_session(tmp_path)
    teach(session, "/greet")
    session.export(paths)
    session.start_fresh()
    session.add_intent("ask_weather")
    teach(session, "is it sunny", intent="ask_weather")
    session.submit("what a night")  # the NLU question is open when the process dies
    found = list_sessions(tmp_path / ".botcoach")
    assert [s.finished for s in found] == [False]
    resumed = Session.resume(Agent.load(trained_model("concertbot")), find_session(tmp_path / ".botcoach", None).path)
    assert [c.name for c in resumed.conversations] == [c.name for c in session.conversations]
    for old, new in zip(session.conversations, resumed.conversations, strict=True):
        assert [e.as_dict() for e in new.tracker.events] == [e.as_dict() for e in old.tracker.events]
    assert resumed.question.kind == QuestionKind.NLU and "'what a night'" in resumed.question.text
    assert "ask_weather" in resumed.intent_names()
    assert resumed.state.ledger.stories == session.state.ledger.stories
    resumed.discard()
    assert list_sessions(tmp_path / ".botcoach")[0].finished


def test_a_journal_that_cannot_be_written_is_a_problem_the_session_reports(tmp_path):
    session, _ = open_session(tmp_path)
    journal_dir = tmp_path / ".botcoach"
    for path in journal_dir.iterdir():
        path.unlink()
    journal_dir.rmdir()
    journal_dir.write_text("not a folder")
    teach(session, "/greet")
    assert session.journal_problem and str(journal_dir) in session.journal_problem


# -- 12: a model of another project is named ----------------------------------------------


def test_a_model_of_another_project_is_named_with_the_differences():
    concert = Agent.load(trained_model("concertbot")).domain
    fit = model_fit(concert, load_domain(SAMPLES / "formbot" / "domain.yml"))
    assert not fit.fits
    text = fit.describe()
    assert "the model lacks intents" in text and "request_restaurant" in text
    assert "the project lacks actions" in text and "action_search_concerts" in text
    assert model_fit(concert, load_domain(SAMPLES / "concertbot" / "domain.yml")).fits


def test_a_form_that_just_finished_is_not_a_contradiction_before_its_submit_action(tmp_path):
    """The conversation is mid-turn (the submit action comes next): the story an export would end
    with an implied listen, but the person has not taught one; found on financial-demo's forms."""
    session, _ = open_session(tmp_path, "formbot")
    session.tracker.update_all(
        [
            UserUttered("/request_restaurant", {"name": "request_restaurant", "confidence": 1.0}),
            ActionExecuted("restaurant_form"),
            ActiveLoop("restaurant_form"),
            SlotSet("requested_slot", "cuisine"),
            ActionExecuted("action_listen"),
            UserUttered("/inform", {"name": "inform", "confidence": 1.0}),
            ActionExecuted("restaurant_form"),
            ActiveLoop(None),
            SlotSet("requested_slot", None),
        ]
    )
    assert session.contradictions() == []
    session.tracker.update_all([ActionExecuted("action_listen")])  # taught: listen instead of submitting
    assert any("submit the booking form" in p for p in session.contradictions())


def test_the_stories_a_session_exported_are_not_checked_against_it(tmp_path):
    """After an export (or a resume after one) the project's stories include the session's own:
    checking the conversation against its earlier version would report it against itself."""
    session, paths = open_session(tmp_path)
    teach(session, "/greet")
    session.export(paths)
    resumed = Session.resume(Agent.load(trained_model("concertbot")), session.journal.path)
    resumed.load_training_stories = session.load_training_stories
    assert "interactive conversation 1" in {s.name for s in session.load_training_stories()}
    assert "interactive conversation 1" not in {s.name for s in resumed.training_stories}


def test_after_an_export_the_next_start_trains_on_the_new_data(tmp_path):
    """Issue 13 case 8: without -m, interactive compares the data with the newest model's and
    trains when they differ (as `rasa interactive` does), else reuses it."""
    session, paths = open_session(tmp_path)
    project = tmp_path / "concertbot"
    (project / "config.yml").write_text((SAMPLES / "concertbot" / "config.yml").read_text())
    args = interactive_args(tmp_path, project, model=str(tmp_path / "models"))
    first = find_or_train_model(args)
    assert find_or_train_model(args) == first  # unchanged data: the same model
    teach(session, "good evening friend", intent="greet")
    session.export(paths)
    second = find_or_train_model(args)
    assert second != first and second.parent == first.parent


def test_the_nlu_question_shows_the_entities_found_in_markup():
    parse = {
        "text": "a mexican place for 3",
        "intent": {"name": "request_restaurant", "confidence": 0.9},
        "entities": [
            {"entity": "cuisine", "value": "mexican", "start": 2, "end": 9},
            {"entity": "number", "value": "3", "start": 20, "end": 21},
        ],
    }
    assert nlu_question_text(parse["text"], parse) == (
        "Is the NLU classification for 'a [mexican](cuisine) place for [3](number)' "
        "with intent 'request_restaurant' correct?"
    )
    assert nlu_question_text("hi", {"text": "hi", "entities": []}).startswith("Is the NLU classification for 'hi'")
