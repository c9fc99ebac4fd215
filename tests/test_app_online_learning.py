"""Issue 16 in the app (Pilot, concertbot): a correction is learned in the background, the status
line says what changed, the next conversation gets the corrected action first, a relabelled phrase
and a new intent with its new response come back as taught, an undo takes a correction back, and
export saves the learned model; with --no-online-learning nothing is learned."""

from __future__ import annotations

import pytest

from core.interactive.questions import QuestionKind
from tests.app_pilot import SIZE, answer, confirm_until_listen, run_action, say, settle
from tests.app_support import make_app

pytestmark = pytest.mark.timeout(180)


async def correct_compare_reviews(app, pilot) -> tuple[str, str]:
    """Say /compare_reviews, pick another action than the proposed one; (proposed, corrected)."""
    await say(app, pilot, "/compare_reviews")
    proposed = app.session.question.prediction.action
    corrected = "action_show_venue_reviews" if proposed != "action_show_venue_reviews" else "utter_goodbye"
    await run_action(app, pilot, corrected)
    await confirm_until_listen(app, pilot)
    await settle(app, pilot)  # the learning worker
    return proposed, corrected


async def test_a_corrected_action_is_proposed_first_after_start_fresh(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        _, corrected = await correct_compare_reviews(app, pilot)
        assert f"now predicts {corrected} after compare_reviews" in app.query_one("#status").learning
        await answer(app, pilot, "ctrl+n")
        await say(app, pilot, "/compare_reviews")
        assert app.session.question.kind == QuestionKind.ACTION
        assert app.session.question.prediction.action == corrected
        await run_action(app, pilot, corrected)
        await confirm_until_listen(app, pilot)
        await pilot.press("ctrl+e")
        await pilot.pause()
        await pilot.press("enter", "enter", "enter")
        await settle(app, pilot)
    (saved,) = (tmp_path / "models").glob("*-interactive.tar.gz")
    assert any(str(saved) in line for line in app.exported)


async def test_without_online_learning_the_old_prediction_stays(tmp_path):
    app = make_app(tmp_path, no_online_learning=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        proposed, _ = await correct_compare_reviews(app, pilot)
        assert app.query_one("#status").learning == ""
        await answer(app, pilot, "ctrl+n")
        await say(app, pilot, "/compare_reviews")
        assert app.session.question.prediction.action == proposed


async def test_a_new_intent_with_a_new_response_is_understood_and_answered_after_start_fresh(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await say(app, pilot, "where can I park my car")
        await answer(app, pilot, "n")
        await pilot.press(*"ask_parking")  # no intent matches: <create new intent>, named by the filter
        await pilot.pause()
        await answer(app, pilot, "enter", "enter")
        assert app.session.question.kind == QuestionKind.ACTION
        await answer(app, pilot, "a")
        await pilot.press(*"utter_parking", "enter", *"Behind the venue.", "enter")
        await settle(app, pilot)
        await confirm_until_listen(app, pilot)
        await settle(app, pilot)  # the learning worker
        await answer(app, pilot, "ctrl+n")
        await say(app, pilot, "where can I park my car")
        assert app.session.question.kind == QuestionKind.NLU
        assert app.session.question.parse["intent"]["name"] == "ask_parking"
        await answer(app, pilot, "y")
        assert app.session.question.prediction.action == "utter_parking"


async def test_a_relabelled_phrase_comes_back_relabelled_and_undo_takes_it_back(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await say(app, pilot, "hello there")
        parsed = app.session.question.parse["intent"]["name"]
        relabelled = "thankyou" if parsed != "thankyou" else "goodbye"
        await answer(app, pilot, "n")
        await pilot.press(*relabelled, "enter")
        await settle(app, pilot)
        await confirm_until_listen(app, pilot)
        await settle(app, pilot)  # the learning worker
        await say(app, pilot, "hello there")  # the same conversation goes on
        assert app.session.question.parse["intent"]["name"] == relabelled
        while app.session.tracker.user_turns() or app.session.question.kind != QuestionKind.USER_INPUT:
            await answer(app, pilot, "ctrl+z")
        app.query_one("#user-input").value = ""  # ctrl+z gave the last message back to edit
        await settle(app, pilot)  # learning what is left: nothing, the models as loaded
        await say(app, pilot, "hello there")
        assert app.session.question.parse["intent"]["name"] == parsed
