"""Text snapshots of the main screen, the action list and every dialog at 80x24, 120x40 and
200x50 (issue 15): what a person reads at each size, compared with tests/snapshots/.

The conversation, the action question and each dialog's content are fixed here (not the
model's output), so the screens depend on the layout only. `BOTCOACH_UPDATE_SNAPSHOTS=1`
writes the files again: read them (`git diff tests/snapshots`) before keeping them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from core.interactive.export import ExportPaths
from core.interactive.questions import Question, QuestionKind
from core.prediction import Prediction
from tests.app_pilot import settle
from tests.app_snapshot import check_snapshot, screen_text
from tests.app_support import make_app
from tui.screens.action_error import ActionErrorScreen
from tui.screens.fork_picker import ForkPickerScreen
from tui.screens.message import MessageScreen
from tui.screens.new_action import NewActionScreen
from tui.screens.pick_intent import PickIntentScreen
from tui.screens.text_prompt import TextPromptScreen

pytestmark = pytest.mark.timeout(300)

SIZES = [(80, 24), (120, 40), (200, 50)]
RANKING = [
    ("action_search_concerts", 0.81),
    ("action_show_concert_reviews", 0.12),
    ("utter_goodbye", 0.04),
    ("action_listen", 0.02),
    ("utter_greet", 0.01),
]
PARSE = {
    "text": "any concerts in berlin this week?",
    "intent": {"name": "search_concerts", "confidence": 0.71},
    "entities": [],
    "intent_ranking": [
        {"name": "search_concerts", "confidence": 0.71},
        {"name": "search_venues", "confidence": 0.2},
        {"name": "greet", "confidence": 0.09},
    ],
}


def _conversation(session) -> None:
    """A fixed model label and two turns in the history."""
    session.model_label = "concertbot.tar.gz"
    session.tracker.update_all(
        [
            UserUttered("hello there", {"name": "greet", "confidence": 0.98}),
            ActionExecuted("utter_greet", confidence=0.97),
            BotUttered("Hey there! I can find concerts and venues, and show their reviews."),
            ActionExecuted("action_listen", confidence=0.99),
            UserUttered("show me some concert reviews", {"name": "compare_reviews", "confidence": 0.64}),
            ActionExecuted("action_show_concert_reviews", confidence=0.88),
            BotUttered("The Midnight Lanterns at the Riverside Hall: 4.5 stars from 212 reviews."),
            SlotSet("concerts", [{"artist": "The Midnight Lanterns", "reviews": 4.5}]),
            ActionExecuted("action_listen", confidence=0.93),
        ]
    )


def _dialogs(app) -> dict[str, object]:
    return {
        "pick_intent": PickIntentScreen(PARSE["text"], ["search_concerts", "search_venues", "greet", "goodbye"], PARSE),
        "new_action": NewActionScreen(lambda name, text: None),
        "entities": TextPromptScreen("Entities in markup, e.g. [Berlin](city):", "any concerts in [berlin](city)?"),
        "action_error": ActionErrorScreen(
            "action_search_concerts",
            "the action server at http://localhost:5055/webhook is not running: start it with `botcoach run actions`",
        ),
        "fork": ForkPickerScreen(["hello there", "show me some concert reviews"]),
        "careful": MessageScreen(
            "Careful",
            "FormPolicy predicted no form validation based on previous training stories. "
            "Make sure to remove contradictory stories from training data",
        ),
    }


async def _snapshot(app, pilot, name: str, update: bool) -> None:
    """The screen once it is still: the footer and the history's scroll settle a frame or two
    after a change."""
    app.clear_notifications()
    shown = None
    for _ in range(20):
        await pilot.pause()
        now = screen_text(app)
        if now == shown:
            break
        shown = now
    width, height = app.size
    check_snapshot(app, f"{name}-{width}x{height}", update)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_snapshots_of_the_main_screen_the_action_list_and_every_dialog(tmp_path, size):
    app = make_app(tmp_path, prepare=_conversation, data_label="data")
    app.export_paths = ExportPaths(Path("data/stories.yml"), Path("data/nlu.yml"), Path("domain.yml"))
    update = bool(os.environ.get("BOTCOACH_UPDATE_SNAPSHOTS"))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        app.show_question(app.session.question)
        await _snapshot(app, pilot, "main", update)
        for key, name in (("ctrl+c", "menu"), ("f1", "help"), ("ctrl+e", "export_paths")):
            await pilot.press(key)
            await _snapshot(app, pilot, name, update)
            await pilot.press("escape")
            await pilot.pause()
        for name, screen in _dialogs(app).items():
            app.push_screen(screen)
            await _snapshot(app, pilot, name, update)
            app.pop_screen()
            await pilot.pause()

        question = Question(
            QuestionKind.ACTION,
            "The bot wants to run 'action_search_concerts', correct?",
            prediction=Prediction(*map(tuple, zip(*RANKING)), "TEDPolicy"),
        )
        app.session.question = question
        app.show_question(question)
        await _snapshot(app, pilot, "action_question", update)
        await pilot.press("n")
        await _snapshot(app, pilot, "action_list", update)
