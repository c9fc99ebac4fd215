"""Pilot helpers shared by the app tests: wait for the workers, type, answer, pick an action."""

from __future__ import annotations

from contextlib import suppress

from textual.worker import WorkerCancelled

from core.events import UserUttered
from core.interactive.questions import QuestionKind

SIZE = (80, 24)


async def settle(app, pilot) -> None:
    """Wait for the workers running now. One that a newer worker of its exclusive group replaced
    (a graph redraw overtaken by the next step, on a busy machine) ends cancelled: that is by
    design, not a failure, so it is not waited for; a worker that failed still fails the test."""
    await pilot.pause()
    for worker in list(app.workers):
        with suppress(WorkerCancelled):
            await worker.wait()
    await pilot.pause()


async def say(app, pilot, text: str) -> None:
    """Type `text` into the message line and send it (a long text is pasted: key by key, each
    press waits for the screen, which only costs time)."""
    if len(text) > 16:
        app.query_one("#user-input").value = text
        await pilot.press("enter")
    else:
        await pilot.press(*text, "enter")
    await settle(app, pilot)


async def answer(app, pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(app, pilot)


async def confirm_until_listen(app, pilot) -> None:
    while app.session.question.kind == QuestionKind.ACTION:
        await answer(app, pilot, "y")


async def run_action(app, pilot, name: str) -> None:
    """Run `name` now: confirm it when predicted, else pick it from the ranked list with the keys
    a person would use (n, type to filter, arrows to the exact entry, Enter)."""
    question = app.session.question
    assert question.kind == QuestionKind.ACTION, question
    if question.prediction.action == name:
        await answer(app, pilot, "y")
        return
    await answer(app, pilot, "n")
    await pilot.press(*name)
    await pilot.pause()
    ranked = app.query_one("#ranked")
    for _ in range(len(ranked.visible_ids())):
        if ranked.highlighted_id() == f"action:{name}":
            break
        await pilot.press("down")
    assert ranked.highlighted_id() == f"action:{name}", ranked.visible_ids()
    await pilot.press("enter")
    await settle(app, pilot)


def user_intents(tracker) -> list[str]:
    return [e.intent_name for e in tracker.applied_events() if isinstance(e, UserUttered)]
