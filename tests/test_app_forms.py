"""Forms in the app, on a trained formbot with its actions served in-process: the validation
question of the stop/continue detour, its export (1.x Markdown with `form:`, YAML), the
contradiction warning, the bot's buttons as user input, and the live graph (pane and page)."""

from __future__ import annotations

import json
import socket
import urllib.request

import pytest

from core.interactive.questions import QuestionKind
from core.interactive.session import executed
from core.interactive.validation_question import NO_VALIDATION_WARNING
from tests.app_pilot import SIZE, answer, confirm_until_listen, run_action, say, settle, user_intents
from tests.app_support import make_app
from tui.screens.export_paths import ExportPathsScreen
from tui.screens.message import MessageScreen

pytestmark = pytest.mark.timeout(150)
QUESTION = "Should 'restaurant_form' validate user input to fill the slot 'outdoor_seating'? (Y/n)"
REQUEST = '/request_restaurant{"cuisine": "thai", "number": "2"}'


async def into_the_form(app, pilot) -> None:
    """The form asked for outdoor_seating and the bot listens."""
    await say(app, pilot, REQUEST)
    await run_action(app, pilot, "restaurant_form")
    await run_action(app, pilot, "action_listen")


async def stop_then_continue(app, pilot) -> None:
    """/stop (the form rejects it), "do you want to continue?", /affirm; then the form about to
    take that answer."""
    await say(app, pilot, "/stop")
    await run_action(app, pilot, "restaurant_form")
    assert app.session.question.kind == QuestionKind.VALIDATE
    await answer(app, pilot, "y")  # the form tries, finds nothing in /stop and rejects it
    assert app.session.tracker.is_active_loop_rejected
    await run_action(app, pilot, "utter_ask_continue")
    await run_action(app, pilot, "action_listen")
    await say(app, pilot, "/affirm")
    await run_action(app, pilot, "restaurant_form")


def question_text(app) -> str:
    bar = app.query_one("#question-bar")
    return f"{bar.query_one('#question').render()}\n{bar.query_one('#keys').render()}"


async def export_stories(app, pilot, path) -> None:
    await pilot.press("ctrl+e")
    await pilot.pause()
    assert isinstance(app.screen, ExportPathsScreen)
    app.screen.query_one("#stories-path").value = str(path)
    await pilot.press("enter", "enter", "enter")
    await settle(app, pilot)
    assert not isinstance(app.screen, ExportPathsScreen), app.messages[-1:]


def graph_json(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/graph.json", timeout=5) as reply:
        return json.loads(reply.read())


def labels(graph: dict) -> set[str]:
    return {node.get("label") for node in graph.get("nodes", [])}


async def test_no_validation_asks_again_and_exports_with_form_prefixes(tmp_path):
    app = make_app(tmp_path, bot="formbot", graph_port=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        port = app.graph_feed.server.port
        assert any(f"127.0.0.1:{port}" in m for m in app.messages)  # where the page is
        await answer(app, pilot, "ctrl+g")
        pane = app.query_one("#graph")
        assert pane.display
        await into_the_form(app, pilot)
        drawn = str(pane.query_one("#graph-text").render())
        assert "request_restaurant" in drawn and "restaurant_form" in drawn
        assert {"request_restaurant", "restaurant_form"} <= labels(graph_json(port))

        await stop_then_continue(app, pilot)
        assert app.session.question.kind == QuestionKind.VALIDATE
        assert QUESTION in question_text(app)
        await answer(app, pilot, "n")
        tracker = app.session.tracker
        assert tracker.get_slot("outdoor_seating") is None
        assert tracker.requested_slot == "outdoor_seating"
        assert tracker.latest_bot_utterance.text == "Would you like to sit outside?"  # asked again
        assert not isinstance(app.screen, MessageScreen)  # "no" is what the stories teach
        await confirm_until_listen(app, pilot)
        assert executed(tracker)[-3:] == ["action_listen", "restaurant_form", "action_listen"]
        assert "utter_ask_continue" in str(pane.query_one("#graph-text").render())

        ranked = app.query_one("#ranked")  # asked again, with its buttons
        assert ranked.visible_ids() == ["button:/affirm", "button:/deny"]
        assert "choose a button" in question_text(app)
        await pilot.press("down")  # from the message line into the buttons
        await pilot.pause()
        assert app.focused is ranked.filter_input
        await pilot.press("enter")  # "outside": its payload is the user's message
        await settle(app, pilot)
        assert user_intents(app.session.tracker)[-2:] == ["affirm", "affirm"]
        await run_action(app, pilot, "restaurant_form")
        await answer(app, pilot, "y")
        assert app.session.tracker.get_slot("outdoor_seating") is True
        await confirm_until_listen(app, pilot)
        await export_stories(app, pilot, tmp_path / "exported.md")
        await say(app, pilot, "/deny")  # no preferences
        await run_action(app, pilot, "restaurant_form")
        await answer(app, pilot, "y")
        await confirm_until_listen(app, pilot)
        await export_stories(app, pilot, tmp_path / "exported.yml")
    assert app.graph_feed.server is None
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()

    markdown = (tmp_path / "exported.md").read_text()
    assert markdown.startswith("## interactive conversation 1\n* request_restaurant")
    # the detour as Rasa 1.x wrote it: plain steps, the form not using the answer to "continue?"
    assert "* stop\n    - utter_ask_continue\n* affirm\n    - restaurant_form\n" in markdown
    # the answer the form took, with the form: prefixes
    assert "* form: affirm" in markdown and "    - form: restaurant_form" in markdown
    assert '    - slot{"outdoor_seating": true}' in markdown
    yaml_text = (tmp_path / "exported.yml").read_text()
    assert "- active_loop: restaurant_form" in yaml_text and "- intent: stop" in yaml_text
    assert "- intent: deny" in yaml_text and "preferences: no additional preferences" in yaml_text


async def test_yes_against_the_stories_shows_the_warning_then_goes_on(tmp_path):
    app = make_app(tmp_path, bot="formbot")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await into_the_form(app, pilot)
        await stop_then_continue(app, pilot)
        assert QUESTION in question_text(app)
        await answer(app, pilot, "y")  # the stories teach: do not validate after a detour
        assert isinstance(app.screen, MessageScreen)
        assert app.messages[-1] == f"{NO_VALIDATION_WARNING}: contradicting story 'stop the form, then continue'"
        assert "FormPolicy predicted no form validation" in str(app.screen.query_one("Static.body").render())
        await pilot.press("space")  # any key goes on
        await pilot.pause()
        assert not isinstance(app.screen, MessageScreen)
        assert app.session.tracker.get_slot("outdoor_seating") is True  # the answer was used
        assert app.session.tracker.requested_slot == "preferences"
        await confirm_until_listen(app, pilot)
        assert app.session.question.kind == QuestionKind.USER_INPUT


async def test_direct_answers_fill_the_form_without_the_validation_question(tmp_path):
    """Issue 15 point 2: each answer that fills the requested (or another required) slot goes
    straight to the form: no "Should 'restaurant_form' validate…?" on the way."""
    app = make_app(tmp_path, bot="formbot")
    asked: list[QuestionKind] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await say(app, pilot, "/request_restaurant")
        for message in ('/inform{"cuisine": "thai"}', '/inform{"number": "3"}', "/affirm", "/deny", "/thankyou"):
            await run_action(app, pilot, "restaurant_form")
            await run_action(app, pilot, "action_listen")
            await say(app, pilot, message)
            asked.append(app.session.question.kind)
        await run_action(app, pilot, "restaurant_form")
        asked.append(app.session.question.kind)
        tracker = app.session.tracker
        assert QuestionKind.VALIDATE not in asked, asked
        assert tracker.get_slot("cuisine") == "thai" and tracker.get_slot("num_people") == 3
        assert tracker.get_slot("outdoor_seating") is True
        assert tracker.get_slot("preferences") == "no additional preferences"
        assert tracker.get_slot("feedback") == "/thankyou"
