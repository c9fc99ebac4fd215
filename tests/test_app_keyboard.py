"""Keyboard-first use (issue 15): which keys are text and which are answers, Escape one level
back, and focus that survives a too-small terminal."""

from __future__ import annotations

import pytest
from textual import events

from core.events import ActionExecuted
from core.interactive.questions import QuestionKind
from tests.app_pilot import SIZE, answer, confirm_until_listen, say, settle
from tests.app_support import make_app
from tui.screens.export_paths import ExportPathsScreen
from tui.screens.pick_intent import NEW_INTENT
from tui.screens.text_prompt import TextPromptScreen

pytestmark = pytest.mark.timeout(120)


def executed_actions(app) -> list[str]:
    return [e.name for e in app.session.tracker.applied_events() if isinstance(e, ActionExecuted)]


async def test_escape_leaves_the_action_list_and_y_answers_again(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await say(app, pilot, "/search_concerts")
        assert app.session.question.kind == QuestionKind.ACTION
        predicted = app.session.question.prediction.action
        before = executed_actions(app)
        await answer(app, pilot, "n")
        assert app.focused is app.query_one("#ranked").filter_input
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is app.query_one("#question-bar")
        assert app.query_one("#ranked").filter_input.value == ""
        await answer(app, pilot, "y")
        assert executed_actions(app) == [*before, predicted]


async def test_keys_typed_at_once_after_n_reach_the_action_list(tmp_path):
    """Type-ahead (a fast typist, a slow link): the keys after `n` are queued before `n` is
    handled, and each must go where the one before it sent the focus: into the list's filter,
    not to the question (where `y` would confirm the action `n` refused)."""
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await say(app, pilot, "/search_concerts")
        assert app.session.question.kind == QuestionKind.ACTION
        before = executed_actions(app)
        for key in "nyes":
            app.post_message(events.Key(key, key))
        await settle(app, pilot)
        assert executed_actions(app) == before
        assert app.query_one("#ranked").filter_input.value == "yes"


async def test_typing_goes_to_the_message_line_after_a_too_small_terminal(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.resize_terminal(40, 10)
        await pilot.pause()
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        await pilot.press(*"hi you")
        await pilot.pause()
        assert app.query_one("#user-input").value == "hi you"


async def test_keys_typed_while_the_terminal_is_too_small_are_kept_and_answer_nothing(tmp_path):
    """The too-small notice covers the layout without taking the focus: text typed meanwhile is
    in the message line afterwards, and y at an action question does not answer it unseen."""
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.resize_terminal(40, 10)
        await pilot.pause()
        await pilot.press(*"hi you")
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert app.focused is app.query_one("#user-input")
        assert app.focused.value == "hi you"
        app.focused.value = ""
        await say(app, pilot, "/search_concerts")
        before = executed_actions(app)
        await pilot.resize_terminal(40, 10)
        await answer(app, pilot, "y")
        assert executed_actions(app) == before
        await pilot.resize_terminal(*SIZE)
        await answer(app, pilot, "y")
        assert len(executed_actions(app)) == len(before) + 1


async def test_tab_stops_only_where_keys_do_something(tmp_path):
    """At "Next user input" the question bar takes no key (the message line does): Tab passes it."""
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        stops = []
        for _ in range(4):
            await pilot.press("tab")
            await pilot.pause()
            stops.append(app.focused)
        assert app.query_one("#question-bar") not in stops
        assert stops[-1] is app.query_one("#user-input")


async def test_the_question_bar_says_which_mode_it_is_in(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        bar = app.query_one("#question-bar")
        assert "typing" in str(bar.border_title).lower()
        await say(app, pilot, "/search_concerts")
        assert "answer" in str(bar.border_title).lower()
        await answer(app, pilot, "n")
        assert "pick" in str(bar.border_title).lower()
        await pilot.press("escape")
        await pilot.pause()
        assert "answer" in str(bar.border_title).lower()


async def test_the_export_dialog_focuses_the_field_that_failed(tmp_path):
    app = make_app(tmp_path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file, so nothing can be written below it")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await say(app, pilot, "I want to see some concerts")
        await answer(app, pilot, "y")
        await confirm_until_listen(app, pilot)
        await pilot.press("ctrl+e")
        await pilot.pause()
        app.screen.query_one("#domain-path").value = str(blocker / "domain.yml")
        await pilot.press("enter", "enter", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ExportPathsScreen)
        assert app.screen.focused is app.screen.query_one("#domain-path")


async def test_undo_keeps_the_half_typed_message(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await say(app, pilot, "/search_concerts")
        await confirm_until_listen(app, pilot)
        await pilot.press(*"show me")
        assert app.query_one("#user-input").value == "show me"
        await answer(app, pilot, "ctrl+z")
        assert app.session.question.kind != QuestionKind.USER_INPUT
        assert app.query_one("#user-input").value == "show me", app.session.question.kind
        await confirm_until_listen(app, pilot)
        assert app.focused is app.query_one("#user-input")
        await pilot.press(*" more")
        assert app.query_one("#user-input").value == "show me more"


async def test_ctrl_z_at_the_nlu_question_gives_the_message_back_to_edit(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await say(app, pilot, "/greet")
        await confirm_until_listen(app, pilot)
        events_before = list(app.session.tracker.events)
        await say(app, pilot, "yes any new day")
        assert app.session.question.kind == QuestionKind.NLU
        await answer(app, pilot, "ctrl+z")
        assert app.session.question.kind == QuestionKind.USER_INPUT  # one level back, not a turn back
        assert list(app.session.tracker.events) == events_before
        assert app.focused is app.query_one("#user-input")
        assert app.query_one("#user-input").value == "yes any new day"
        await pilot.press(*" yay")
        assert app.query_one("#user-input").value == "yes any new day yay"


async def test_the_filter_text_becomes_the_name_of_the_new_intent(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await say(app, pilot, "is it raining")
        assert app.session.question.kind == QuestionKind.NLU
        await answer(app, pilot, "n")
        await pilot.press(*"ask_weather")
        await pilot.pause()
        assert app.screen.query_one("RankedList").highlighted_id() == NEW_INTENT
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TextPromptScreen)
        assert app.screen.query_one("Input").value == "ask_weather"
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.session.tracker.latest_message.intent_name == "ask_weather"
