"""The status line and Retry follow the action server as it is now (issue 15 point 6): Retry reads
endpoints.yml again, a custom action answered sets the status back to up, and the periodic
check notices a server that stopped."""

from __future__ import annotations

import pytest

from core.interactive.session import executed
from tests.app_pilot import SIZE, run_action, say, settle
from tests.app_support import SAMPLES, make_app, served_actions
from tui.background_actions import BackgroundActionServer, free_port
from tui.screens.action_error import ActionErrorScreen

pytestmark = pytest.mark.timeout(150)


async def test_retry_reads_the_endpoints_file_again_and_the_status_says_up(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{free_port()}/webhook"\n')
    app = make_app(tmp_path, action_url="", endpoints=str(endpoints))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        status = app.query_one("#status")
        assert status.action_server_ok is False  # nothing listens there
        await say(app, pilot, "/search_concerts")
        await run_action(app, pilot, "action_search_concerts")
        assert isinstance(app.screen, ActionErrorScreen)
        assert "failed on 'action_search_concerts'" in status.action_server
        endpoints.write_text(f'action_endpoint:\n  url: "{served_actions("concertbot")}"\n')  # the URL fixed
        await pilot.press("enter")  # "Retry the action"
        await settle(app, pilot)
        assert not isinstance(app.screen, ActionErrorScreen), app.messages[-1:]
        assert executed(app.session.tracker)[-1] == "action_search_concerts"
        assert (status.action_server, status.action_server_ok) == ("action server: up", True)


async def test_the_status_line_notices_an_action_server_that_stopped(tmp_path):
    server = BackgroundActionServer(str(SAMPLES / "concertbot" / "actions"))
    app = make_app(tmp_path, action_url=server.start())
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            status = app.query_one("#status")
            assert (status.action_server, status.action_server_ok) == ("action server: up", True)
            server.stop()
            app.check_action_server()  # what the app runs every few seconds
            await settle(app, pilot)
            assert status.action_server.startswith("action server: unreachable") and not status.action_server_ok
    finally:
        server.stop()
