"""Teaching from real conversations in the app (issue 19): a stored conversation picked from the
shared Rasa tracker store and replayed, a past turn fixed from the history table (a user turn's
intent, a bot turn's action, in a stored replay and in a live session), and stores that cannot be
read leaving the app running with a notice. Moodbot is the `rasa init` bot the store talked to."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from core.events import UserUttered
from core.interactive.export import default_paths
from core.interactive.questions import QuestionKind
from core.interactive.session import executed
from core.training_data.loader import load_training_data
from tests.app_pilot import SIZE, answer, confirm_until_listen, say, settle, user_intents
from tests.app_support import make_app
from tests.test_tracker_store import STORE, _copy_store_into, _endpoints, postgres  # noqa: F401 - a fixture
from tui.screens.export_paths import ExportPathsScreen
from tui.screens.pick import PickScreen
from tui.screens.store_picker import StorePickerScreen
from tui.screens.text_prompt import TextPromptScreen

pytestmark = pytest.mark.timeout(180)
SAD = "I am feeling really sad today"


def moodbot_app(tmp_path, endpoints):
    return make_app(tmp_path, action_url="", bot="moodbot", endpoints=str(endpoints))


async def answer_until_listen(app, pilot) -> None:
    """y to every question of the replay (a contradiction notice is kept) until the bot listens
    for a message the person types."""
    for _ in range(60):
        if isinstance(app.screen, PickScreen):
            await answer(app, pilot, "escape")
            continue
        if app.session.question.kind == QuestionKind.USER_INPUT:
            return
        await answer(app, pilot, "y")
    raise AssertionError(f"the replay did not end: {app.session.question}")


async def fix_row(app, pilot, matches, key: str = "e") -> None:
    """ctrl+t into the history, the arrows up to the last row whose target `matches`, then `key`."""
    await answer(app, pilot, "ctrl+t")
    table = app.query_one("#history")
    assert app.focused is table
    row = max(i for i, target in enumerate(table.targets) if matches(target))
    for _ in range(table.cursor_row - row):
        await pilot.press("up")
    assert table.cursor_row == row
    await answer(app, pilot, key)


async def pick(app, pilot, name: str, typed: str | None = None) -> None:
    """In a pick screen: type to filter (`typed`, else the name), arrows to the entry `name`, Enter."""
    assert isinstance(app.screen, PickScreen), app.screen
    await pilot.press(*(typed or name))
    await pilot.pause()
    ranked = app.screen.query_one("RankedList")
    for _ in range(len(ranked.visible_ids())):
        if ranked.highlighted_id() == name:
            break
        await pilot.press("down")
    assert ranked.highlighted_id() == name, ranked.visible_ids()
    await answer(app, pilot, "enter")


async def export(app, pilot) -> None:
    await pilot.press("ctrl+e")
    await pilot.pause()
    assert isinstance(app.screen, ExportPathsScreen)
    await pilot.press("enter", "enter", "enter")
    await settle(app, pilot)


def story_steps(tmp_path, name_part: str) -> list[str]:
    paths = default_paths([tmp_path / "moodbot" / "data"], tmp_path / "moodbot" / "domain.yml")
    story = next(s for s in load_training_data([paths.stories]).stories if name_part in s.name)
    return [getattr(step, "intent", None) or getattr(step, "name", None) or "" for step in story.steps]


async def test_anna_picked_from_the_store_her_sad_turn_fixed_in_the_history_and_exported(tmp_path):
    app = moodbot_app(tmp_path, STORE / "endpoints.yml")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await answer(app, pilot, "ctrl+o")
        assert isinstance(app.screen, StorePickerScreen)
        assert sorted(app.screen.senders) == ["user-anna", "user-ben", "user-cleo"]
        await pilot.press("ctrl+k")  # mark filter: fallback (only user-cleo's fell back)
        assert app.screen.mark == "fallback" and "user-anna" not in app.screen.senders
        for _ in range(3):
            await pilot.press("ctrl+k")  # low-confidence, unlikely-intent, then any again
        assert app.screen.mark is None
        await pilot.press(*"anna")
        await pilot.pause()
        assert app.screen.senders == ["user-anna"]
        await answer(app, pilot, "enter")

        # Rasa's own parses are asked; the person confirms them, the wrong one too
        assert app.session.current.name.endswith("sender user-anna")
        assert app.session.question.parse["text"] == "hello there"
        await answer(app, pilot, "y")
        await confirm_until_listen(app, pilot)
        assert app.session.question.parse["text"] == SAD
        assert app.session.question.parse["intent"]["name"] == "mood_great"
        await answer(app, pilot, "y")
        await confirm_until_listen(app, pilot)
        assert app.session.question.kind == QuestionKind.NLU  # the third stored message is asked

        # ... then fixes it from the history table: the intent picker, the entity editor
        await fix_row(app, pilot, lambda target: target.user_turn == 2)
        await pick(app, pilot, "mood_unhappy")
        assert isinstance(app.screen, TextPromptScreen)  # entities: none, Enter keeps them
        await answer(app, pilot, "enter")
        assert user_intents(app.session.tracker) == ["greet", "mood_unhappy"]
        question = app.session.question
        assert question.kind == QuestionKind.ACTION
        if question.prediction.action != "utter_happy":
            assert "'utter_happy' ran here before" in question.text  # where the model now differs
        await answer_until_listen(app, pilot)
        texts = [message.text for _, message in app.session.tracker.user_turns()]
        assert texts == ["hello there", SAD, "yes that helped", "bye"]  # every stored turn replayed
        assert app.learning.last is not None  # the fix was learned online
        await export(app, pilot)
    steps = story_steps(tmp_path, "user-anna")
    at = steps.index("mood_unhappy")
    assert steps[at : at + 3] == ["mood_unhappy", "utter_cheer_up", "utter_did_that_help"]
    assert "mood_great" not in steps


async def test_a_bot_action_changed_mid_conversation_in_a_live_session_and_undone(tmp_path):
    app = moodbot_app(tmp_path, tmp_path / "none.yml")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.startup.open_store is None and not app.check_action("open_stored", ())  # no store here
        for message in ("/greet", "/mood_unhappy", "/goodbye"):
            await say(app, pilot, message)
            await confirm_until_listen(app, pilot)
        before = list(app.session.applied_events(collapse_loops=False))
        assert "utter_cheer_up" in executed(app.session.tracker)

        await fix_row(app, pilot, lambda target: "utter_cheer_up" in dict(target.actions).values())
        names = [action.name for _, action in app.session.bot_actions()]
        position = names.index("utter_cheer_up")
        await pick(app, pilot, str(position), "cheer")  # which action of the row: utter_cheer_up
        await pick(app, pilot, "utter_happy")  # what the bot runs instead
        assert executed(app.session.tracker)[-1] == "utter_happy"
        assert app.learning.last is not None  # the model learned the changed action
        assert app.session.question.kind == QuestionKind.ACTION  # the rest is asked again
        if isinstance(app.screen, PickScreen):  # the stories say utter_cheer_up here: keep it
            assert "contradicts" in app.screen.title_text
            await answer(app, pilot, "escape")
        await answer(app, pilot, "ctrl+z")  # undo takes the whole edit back
        assert app.session.applied_events(collapse_loops=False) == before
        assert app.session.question.kind == QuestionKind.USER_INPUT

        await fix_row(app, pilot, lambda target: "utter_cheer_up" in dict(target.actions).values())
        await pick(app, pilot, str(position), "cheer")
        await pick(app, pilot, "utter_happy")
        await answer_until_listen(app, pilot)
        assert user_intents(app.session.tracker) == ["greet", "mood_unhappy", "goodbye"]
        actions = executed(app.session.tracker)
        assert "utter_cheer_up" not in actions and actions.count("utter_goodbye") == 1
        rows = app.query_one("#history").targets
        assert any("utter_happy" in dict(target.actions).values() for target in rows)
        await export(app, pilot)
    steps = story_steps(tmp_path, "interactive")
    assert steps[steps.index("mood_unhappy") + 1] == "utter_happy"
    assert "utter_cheer_up" not in steps


def _not_rasa(tmp_path):
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE events (id INTEGER, what TEXT)")
    return f"type: SQL\n  dialect: sqlite\n  db: {db}", "is not Rasa's: no column"


def _bad_row(tmp_path):
    db = tmp_path / "tracker.db"
    shutil.copy(STORE / "tracker.db", db)
    with sqlite3.connect(db) as connection:
        connection.execute(
            "INSERT INTO events (id, sender_id, type_name, timestamp, data) VALUES (999, 'user-anna', 'user', 2e9, ?)",
            ('{"event": "teleport"}',),
        )
    return f"type: SQL\n  dialect: sqlite\n  db: {db}", "row id 999: unknown event type 'teleport'"


def _unreachable(tmp_path):
    return "type: SQL\n  dialect: postgresql\n  url: 127.0.0.1\n  port: 1\n  db: rasa", "cannot connect to"


@pytest.mark.parametrize("store", [_not_rasa, _bad_row, _unreachable])
async def test_a_store_that_cannot_be_read_is_a_notice_and_the_app_goes_on(tmp_path, store):
    section, message = store(tmp_path)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  {section}\n")
    await _notice_then_go_on(tmp_path, endpoints, message)


async def test_a_wrong_postgresql_password_is_a_notice_and_the_app_goes_on(postgres, tmp_path, monkeypatch):  # noqa: F811
    _copy_store_into(postgres)
    monkeypatch.setenv("PG_PASSWORD", "Xyzzy-42")
    await _notice_then_go_on(tmp_path, _endpoints(tmp_path, postgres), "password authentication failed")


async def _notice_then_go_on(tmp_path, endpoints, message: str) -> None:
    app = moodbot_app(tmp_path, endpoints)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await answer(app, pilot, "ctrl+o")
        if isinstance(app.screen, StorePickerScreen):  # the list reads; the conversation does not
            await pilot.press(*"anna")
            await answer(app, pilot, "enter")
        assert any(message in line for line in app.messages), app.messages
        assert not isinstance(app.screen, StorePickerScreen)
        conversations = len(app.session.conversations)
        await say(app, pilot, "/greet")  # the session goes on
        assert app.session.question.kind == QuestionKind.ACTION
        assert isinstance(app.session.tracker.latest_message, UserUttered)
        assert len(app.session.conversations) == conversations


async def test_the_new_keys_have_ids_a_keymap_remaps_and_the_help_names(tmp_path):
    keymap = {"botcoach.fix_turn": "f7", "history.fix_turn": "x", "botcoach.open_stored": "f8"}
    app = make_app(tmp_path, action_url="", bot="moodbot", endpoints=str(STORE / "endpoints.yml"), keymap=keymap)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert not [line for line in app.messages if line.startswith("keymap")]  # every id is known
        await answer(app, pilot, "f1")
        help_text = str(app.screen.query_one("#help-text").render())
        assert "f7  fix a past turn" in help_text and "f8  open a conversation from the tracker store" in help_text
        assert "history.fix_turn" in help_text and "store.mark" in help_text
        assert max(len(line) for line in help_text.splitlines()) <= 80
        await answer(app, pilot, "escape")
        await say(app, pilot, "/greet")
        await confirm_until_listen(app, pilot)
        await answer(app, pilot, "f7")
        assert app.focused is app.query_one("#history")
        await answer(app, pilot, "up", "x")  # the user row of /greet
        assert isinstance(app.screen, PickScreen) and "Fix turn 1" in app.screen.title_text
        await answer(app, pilot, "escape")  # nothing changes
        assert user_intents(app.session.tracker) == ["greet"]
        await answer(app, pilot, "f8")
        assert isinstance(app.screen, StorePickerScreen)


async def test_a_message_with_brackets_is_shown_as_typed_when_its_turn_is_fixed(tmp_path):
    app = moodbot_app(tmp_path, tmp_path / "none.yml")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await say(app, pilot, "hello [bold]there")
        await answer(app, pilot, "y")
        await confirm_until_listen(app, pilot)
        await answer(app, pilot, "ctrl+g")  # the graph pane takes the history's place at 80 columns
        assert not app.query_one("#history").display
        await fix_row(app, pilot, lambda target: target.user_turn == 1, "enter")  # ctrl+t hides the graph
        assert "'hello [bold]there'" in str(app.screen.query_one("#pick-title").render())
        await pick(app, pilot, "greet")
        assert isinstance(app.screen, TextPromptScreen)
        shown = " ".join(str(static.render()) for static in app.screen.query("Static"))
        assert "'hello [bold]there'" in shown and "[Berlin](city)" in shown
        await answer(app, pilot, "escape")  # nothing changes
        assert app.session.question.kind == QuestionKind.USER_INPUT


async def test_a_past_turn_fixed_with_a_new_intent(tmp_path):
    app = moodbot_app(tmp_path, tmp_path / "none.yml")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await say(app, pilot, "ahoy matey")
        await answer(app, pilot, "y")
        await confirm_until_listen(app, pilot)
        await fix_row(app, pilot, lambda target: target.user_turn == 1)
        await pick(app, pilot, "<new>", "salute")
        assert isinstance(app.screen, TextPromptScreen)
        await pilot.press(*"bad name")
        await answer(app, pilot, "enter")  # refused: not an intent name
        assert isinstance(app.screen, TextPromptScreen)
        app.screen.query_one("Input").value = ""
        await pilot.press(*"salute")
        await answer(app, pilot, "enter", "enter")  # the name, then the entities as they are
        await answer_until_listen(app, pilot)
        assert user_intents(app.session.tracker) == ["salute"]
        assert "salute" in app.session.intent_names()
