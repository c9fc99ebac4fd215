"""A layout that uses the width (issue 15 point 3): the side column grows with the terminal,
the action list puts the bot's own actions before built-ins of equal probability and shows
every name whole, and history cells break between words or after an `_`."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from core.domain import DEFAULT_ACTIONS
from core.events import ActionExecuted, BotUttered, SlotSet
from tests.app_pilot import SIZE, say, settle
from tests.app_snapshot import screen_text
from tests.app_support import make_app
from tui.screens.pick_intent import PickIntentScreen
from tui.screens.text_prompt import TextPromptScreen
from tui.widgets.history_table import history_rows
from tui.widgets.line_breaks import break_lines
from tui.widgets.ranked_list import RankedList
from tui.widgets.slots_panel import slot_value_text

pytestmark = pytest.mark.timeout(150)


def test_lines_break_between_words_and_after_underscores():
    assert break_lines("intent: request_restaurant 0.32", 17) == ["intent: request_", "restaurant 0.32"]
    assert break_lines("0.00  action_default_ask_affirmation", 20, hang=6) == [
        "0.00  action_",
        "      default_ask_",
        "      affirmation",
    ]
    assert break_lines("  Sorry, I didn't catch that.\nslot", 17) == ["  Sorry, I didn't", "catch that.", "slot"]
    assert break_lines("a" * 25, 10) == ["a" * 10, "a" * 10, "a" * 5]  # no boundary: cut
    assert break_lines("日本語_日本語", 8) == ["日本語_", "日本語"]  # wide characters count two cells


async def test_the_side_column_grows_with_the_terminal(tmp_path):
    app = make_app(tmp_path)
    widths = {}
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for size in (SIZE, (120, 40), (200, 50)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            widths[size[0]] = (app.query_one("#side").size.width, app.query_one("#history").size.width)
    assert widths[80][0] < widths[120][0] < widths[200][0], widths
    assert widths[80][1] < widths[120][1] < widths[200][1], widths
    assert widths[200][0] >= 60, widths


async def test_the_action_list_shows_the_bots_actions_first_and_every_name_whole(tmp_path):
    app = make_app(tmp_path, bot="formbot")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await say(app, pilot, "/request_restaurant")
        ranked = app.query_one(RankedList)
        options = ranked.options
        entries = {e.id: e.label for e in ranked._entries}
        shown: list[tuple[float, bool]] = []
        for index in range(options.option_count):
            option = options.get_option_at_index(index)
            prompt = str(option.prompt)
            assert "…" not in prompt
            label = entries[option.id]
            assert " ".join(prompt.split()).replace("_ ", "_") == " ".join(label.split()), (prompt, label)
            if label[0].isdigit():
                shown.append((float(label[:4]), label[6:] in DEFAULT_ACTIONS))
        for (p, built_in), (q, next_built_in) in pairwise(shown):
            assert p > q or (p == q and (built_in <= next_built_in)), shown
        assert any(built_in for _, built_in in shown) and not shown[1][1], shown
        for character in "outdoor":
            await pilot.press(character)
        await pilot.pause()
        assert "action:utter_ask_outdoor_seating" in ranked.visible_ids()


async def test_history_cells_break_names_after_an_underscore(tmp_path):
    app = make_app(tmp_path, bot="formbot")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await say(app, pilot, "/request_restaurant")
        shown = screen_text(app)
        assert "request_" in shown, shown
        assert not re.search(r"request_restauran(?!t)", shown), shown


def test_history_shows_slot_values_as_the_slots_panel_does_and_images_as_their_url():
    note = "a quiet corner please 🙂 " + "and a view " * 8
    rows = history_rows(
        [
            ActionExecuted("utter_photo"),
            BotUttered("Here it is", {"image": "https://example.org/venue.png"}),
            BotUttered(None, {"image": "https://example.org/map.png"}),
            BotUttered("Pick one", {"buttons": [{"title": "Outside", "payload": "/affirm"}]}),
            SlotSet("note", note),
        ]
    )
    bot = rows[0][1].split("\n")
    assert bot[1:5] == [
        "  Here it is",
        "  image: https://example.org/venue.png",
        "  image: https://example.org/map.png",
        "  Pick one",
    ]
    assert bot[5] == "  [Outside] /affirm"
    assert bot[6] == f'slot{{"note": {slot_value_text(note)}}}'
    assert "🙂" in bot[6] and "\\u" not in bot[6] and bot[6].endswith("…}")


async def test_dialogs_show_brackets_as_typed_not_as_markup(tmp_path):
    """A message with entities in markup, and the entity prompt's own example, reach the screen
    as written (Textual's markup read `[Berlin]` as a style and dropped it)."""
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.push_screen(PickIntentScreen("a [mexican](cuisine) place", ["greet"], {"text": "a mexican place"}))
        await pilot.pause()
        assert "What is the intent of 'a [mexican](cuisine) place'?" in screen_text(app)
        app.pop_screen()
        app.push_screen(TextPromptScreen("Entities in markup, e.g. [Berlin](city):", "in [berlin](city)"))
        await pilot.pause()
        assert "e.g. [Berlin](city):" in screen_text(app)


async def test_a_notice_leaves_the_question_and_the_message_line_visible(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        app.notify_problem("the conversation graph could not be drawn: a long reason " * 2, "warning")
        await pilot.pause()
        await pilot.pause()
        toasts = list(app.screen.query("Toast"))
        assert toasts
        bar = app.query_one("#question-bar").region
        assert all(not toast.region.overlaps(bar) for toast in toasts), [t.region for t in toasts]
