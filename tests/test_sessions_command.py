"""`botcoach sessions`: an unfinished session listed, exported from its journal exactly as the app
would have exported it, and discarded."""

from __future__ import annotations

import shutil

from core.interactive.journal import list_sessions
from tests.test_teaching_session import open_session, teach
from tui.cli import main


def test_an_unfinished_session_is_listed_exported_like_the_app_and_then_finished(tmp_path, capsys):
    session, paths = open_session(tmp_path)
    teach(session, "good evening friend", intent="greet")
    session.add_action("utter_night", "have a good night")
    session.submit("/goodbye")
    session.run_action("utter_night")
    journals = tmp_path / ".botcoach"
    twin = tmp_path / "twin"
    shutil.copytree(tmp_path / "concertbot", twin)

    assert main(["sessions", "--journals", str(journals)]) == 0
    listed = capsys.readouterr().out
    assert session.id in listed and "not exported" in listed and "--resume" in listed

    project = ["--data", str(twin / "data"), "--domain", str(twin / "domain.yml")]
    assert main(["sessions", "export", "--journals", str(journals), *project]) == 0
    exported = capsys.readouterr().out
    assert "1 example added" in exported and "response utter_night" in exported
    session.export(paths)  # the same session exported in the app's way, into the first copy
    for name in ("data/stories.yml", "data/nlu.yml", "domain.yml"):
        assert (twin / name).read_bytes() == (tmp_path / "concertbot" / name).read_bytes(), name
    assert list_sessions(journals)[0].finished


def test_discard_finishes_a_session_and_a_wrong_id_is_an_error(tmp_path, capsys):
    session, _ = open_session(tmp_path)
    teach(session, "/greet")
    journals = str(tmp_path / ".botcoach")
    assert main(["sessions", "discard", "nosuchid", "--journals", journals]) == 1
    assert "nosuchid" in capsys.readouterr().err
    assert main(["sessions", "discard", session.id[:8], "--journals", journals]) == 0
    assert list_sessions(journals)[0].finished
