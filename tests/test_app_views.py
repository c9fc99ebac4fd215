"""What the app shows besides the questions: the graph page when its port is taken, training
progress at start and a long history that stays responsive (the snapshots of every screen are in
test_app_snapshots.py)."""

from __future__ import annotations

import re
import shutil
import socket

import pytest

from core.events import ActionExecuted, BotUttered, UserUttered
from core.interactive.questions import QuestionKind
from tests.app_pilot import SIZE, answer, say, settle
from tests.app_support import SAMPLES, app_for, interactive_args, make_app

pytestmark = pytest.mark.timeout(150)


async def test_a_taken_graph_port_is_a_notice_and_the_session_goes_on(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = make_app(tmp_path, graph_port=port)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert any(f"port {port}" in m and "already in use" in m for m in app.messages)
            assert app.graph_feed.server is None
            await say(app, pilot, "/greet")
            assert app.session.question.kind == QuestionKind.ACTION
            await answer(app, pilot, "ctrl+g")  # the pane works without the page
            assert "greet" in str(app.query_one("#graph-text").render())


async def test_training_at_start_shows_its_progress(tmp_path):
    bot = tmp_path / "moodbot"
    shutil.copytree(SAMPLES / "moodbot", bot)
    config = bot / "config.yml"
    config.write_text(config.read_text().replace("epochs: 100", "epochs: 3"))
    args = interactive_args(tmp_path, bot, "moodbot", model=str(bot / "models"), config=str(config))
    app = app_for(args, "moodbot", action_url="")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.session is not None and app.session.question.kind == QuestionKind.USER_INPUT
    lines = app.progress_lines
    assert lines[0] == "checking whether the model matches the project's data…"
    assert any(re.fullmatch(r"training \S+: epoch 3/3, loss \d+\.\d{3}", line) for line in lines), lines
    assert lines[-1].startswith("loading ") and list((bot / "models").glob("*.tar.gz"))


def thousand_turns(session) -> None:
    events = []
    for turn in range(1000):
        events += [
            UserUttered(f"hello number {turn}", {"name": "greet", "confidence": 0.99}),
            ActionExecuted("utter_greet"),
            BotUttered(f"hi, turn {turn}"),
            ActionExecuted("action_listen"),
        ]
    session.tracker.update_all(events)


async def test_a_thousand_turns_stay_responsive(tmp_path):
    app = make_app(tmp_path, prepare=thousand_turns)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        history = app.query_one("#history")
        assert history.row_count == 2000
        await pilot.press("h")  # typing in the message line
        history.focus()
        await pilot.pause()
        await pilot.press("pageup", "ctrl+home")
        assert history.cursor_row == 0
        app.query_one("#user-input").value = ""
        app.query_one("#user-input").focus()
        added: list[object] = []
        original = history.add_row
        history.add_row = lambda *cells, **options: added.append(cells) or original(*cells, **options)
        await say(app, pilot, "/greet")
        await answer(app, pilot, "y")
        assert app.session.tracker.latest_bot_utterance is not None
        assert history.row_count == 2002 and len(added) <= 4  # only the new rows were drawn
