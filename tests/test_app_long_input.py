"""Long and pasted input (issue 15 point 5): a multi-line paste is one message, its lines joined
by spaces and shown in the message line before it is sent; a 2000-character message stays in a
bounded box, so the question's keys, the status line and the intent picker stay on the screen."""

from __future__ import annotations

import pytest
from textual import events

from core.interactive.questions import QuestionKind
from tests.app_pilot import SIZE, answer, say, settle
from tests.app_snapshot import screen_text
from tests.app_support import make_app

pytestmark = pytest.mark.timeout(120)

LONG = " ".join(f"word{n:04d}" for n in range(220))[:2000]


async def test_a_multi_line_paste_is_one_message_with_the_lines_joined_by_spaces(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        line = app.query_one("#user-input")
        await pilot.press(*"ok ")
        line.post_message(events.Paste("thanks a lot\r\nsee you\n\n  bye\n"))
        await pilot.pause()
        assert line.value == "ok thanks a lot see you bye"
        assert "ok thanks a lot see you bye" in screen_text(app)  # seen before it is sent
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.session.question.parse["text"] == "ok thanks a lot see you bye"


async def test_a_2000_character_message_leaves_the_keys_the_status_and_the_picker_on_screen(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await say(app, pilot, LONG)
        assert app.session.question.kind == QuestionKind.NLU
        shown = screen_text(app)
        assert "n pick intent" in shown, shown  # the keys of the question
        assert "model: " in shown, shown  # the status line
        assert app.query_one("#question-bar").outer_size.height <= SIZE[1] // 2
        await answer(app, pilot, "n")
        shown = screen_text(app)
        assert "type to filter" in shown and "Enter choose" in shown, shown  # the list and its keys
        assert "word0000" in shown  # the message starts the picker's question
