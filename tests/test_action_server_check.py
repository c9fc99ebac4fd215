"""The session's first question to the action server: can it run this bot's custom actions?

Real servers on 127.0.0.1: ours hosting actions written here (as `interactive --actions` runs
it), a bare aiohttp server that lists no actions, and a port where nothing listens.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiohttp import web

from core.domain import read_domain
from core.runtime.action_server_check import action_server_problem, remote_actions
from core.runtime.agent import Agent
from core.runtime.endpoints import EndpointConfig
from tests.test_runtime import ScriptedEnsemble, after_user_listen
from tui.background_actions import BackgroundActionServer

DOMAIN = read_domain(
    """
intents: [greet]
responses:
  utter_greet: [{text: "Hi"}]
actions: [action_session_start, action_pay_bill, validate_pay_form, utter_greet]
forms:
  pay_form:
    required_slots: []
"""
)

OTHER_BOTS_ACTIONS = """
from rasa_sdk import Action

class SearchConcerts(Action):
    def name(self):
        return "action_search_concerts"

    def run(self, dispatcher, tracker, domain):
        return []
"""

THIS_BOTS_ACTIONS = """
from rasa_sdk import Action
from rasa_sdk.forms import FormValidationAction

class Start(Action):
    def name(self):
        return "action_session_start"

    def run(self, dispatcher, tracker, domain):
        return []

class PayBill(Start):
    def name(self):
        return "action_pay_bill"

class ValidatePayForm(FormValidationAction):
    def name(self):
        return "validate_pay_form"
"""


@contextmanager
def actions_server(tmp_path: Path, source: str) -> Iterator[EndpointConfig]:
    file = tmp_path / "served_actions.py"
    file.write_text(source)
    server = BackgroundActionServer(str(file))
    url = server.start()
    try:
        yield EndpointConfig(url)
    finally:
        server.stop()


@contextmanager
def health_only_server() -> Iterator[EndpointConfig]:
    """A server that answers /health but lists no actions (a custom action server)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/health", health)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield EndpointConfig(f"http://127.0.0.1:{port}/webhook")
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_remote_actions_are_the_listed_ones_but_responses_and_forms():
    assert remote_actions(DOMAIN) == ["action_session_start", "action_pay_bill", "validate_pay_form"]


def test_this_bots_server_is_fine(tmp_path):
    with actions_server(tmp_path, THIS_BOTS_ACTIONS) as endpoint:
        assert action_server_problem(endpoint, DOMAIN) is None


def test_another_bots_server_on_the_port_is_named_as_such(tmp_path):
    with actions_server(tmp_path, OTHER_BOTS_ACTIONS) as endpoint:
        problem = action_server_problem(endpoint, DOMAIN)
    assert problem is not None
    assert "serves none of this bot's custom actions" in problem and "another bot's" in problem
    assert "action_search_concerts" in problem and "action_pay_bill" in problem
    assert "--actions" in problem and "endpoints.yml" in problem


def test_missing_actions_are_listed(tmp_path):
    with actions_server(tmp_path, THIS_BOTS_ACTIONS.split("class ValidatePayForm")[0]) as endpoint:
        problem = action_server_problem(endpoint, DOMAIN)
    assert problem is not None and "does not serve the custom actions validate_pay_form:" in problem


def test_nothing_listening_says_the_session_start_is_lost_too():
    problem = action_server_problem(EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook"), DOMAIN)
    assert problem is not None and "unreachable" in problem
    assert "action_session_start among them" in problem and "botcoach run actions" in problem


def test_a_server_that_lists_no_actions_is_taken_at_its_word():
    with health_only_server() as endpoint:
        assert action_server_problem(endpoint, DOMAIN) is None


@pytest.mark.parametrize("url", [None, "http://127.0.0.1:9/webhook"])
def test_a_bot_without_custom_actions_needs_no_server(url):
    domain = read_domain("intents: [greet]\nresponses:\n  utter_greet: [{text: Hi}]\n")
    assert action_server_problem(EndpointConfig(url) if url else None, domain) is None


def test_no_server_configured_for_a_bot_with_custom_actions():
    problem = action_server_problem(None, DOMAIN)
    assert problem is not None and "no action server is configured" in problem


def test_a_failing_own_session_start_says_the_conversation_started_without_it():
    agent = Agent(
        DOMAIN,
        ensemble=ScriptedEnsemble(after_user_listen("utter_greet")),
        action_endpoint=EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook"),
    )
    turn = agent.handle_message("tester", "/greet")
    (problem,) = [p for p in turn.problems if "action_session_start" in p.message]
    assert "started without it" in problem.message and "not running" in problem.message
    assert "botcoach run actions" in str(problem)
