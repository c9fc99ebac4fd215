"""The custom-action client: Rasa SDK wire format out, events and responses in, and every way an
action server can fail, each against a tiny aiohttp server started by the test."""

from __future__ import annotations

import asyncio
import json
import random
import socket
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from core.domain import read_domain
from core.errors import ActionServerError, DataError
from core.events import ActionExecuted, ActionExecutionRejected, BotUttered, SlotSet
from core.prediction import Prediction
from core.runtime import Agent, EndpointConfig, read_endpoints

COMPAT_REQUEST = (
    Path(__file__).resolve().parents[1].parent / "shared" / "compat" / "rasa-sdk" / "request_rasa3.6.21.json"
)

DOMAIN = read_domain(
    """
version: "3.1"
intents: [greet]
slots:
  name: {type: text, mappings: [{type: custom}]}
responses:
  utter_hello: [{text: "Hello {name}, from {place}!"}]
actions: [action_ok, action_missing, action_reject, action_boom, action_html, action_weird, action_slow, action_down]
""",
    "domain.yml",
)
SEEN: list[dict] = []


async def webhook(request: web.Request) -> web.Response:
    body = await request.json()
    peer = request.transport.get_extra_info("peername") if request.transport else None
    SEEN.append({"body": body, "token": request.query.get("token"), "peer": peer, "transport": request.transport})
    name = body["next_action"]
    if name == "action_ok":
        return web.json_response(
            {
                "events": [{"event": "slot", "name": "name", "value": "Ann", "timestamp": None}],
                "responses": [
                    {"text": "plain", "buttons": [{"title": "ok", "payload": "/greet"}]},
                    {"response": "utter_hello", "place": "Oslo"},
                    {"template": "utter_hello", "place": "Rome"},
                    {"text": None, "custom": {"kind": "card"}},
                ],
            }
        )
    if name == "action_reject":
        return web.json_response({"error": "not now", "action_name": name}, status=400)
    if name == "action_boom":
        return web.json_response({"error": "ZeroDivisionError: division by zero", "action_name": name}, status=500)
    if name == "action_html":
        return web.Response(text="<html>proxy error</html>", content_type="text/html")
    if name == "action_weird":
        return web.json_response({"events": [{"event": "teleport", "where": "moon"}], "responses": []})
    if name == "action_slow":
        await asyncio.sleep(2)
        return web.json_response({"events": []})
    return web.json_response(
        {"error": f"No registered action found for name '{name}'.", "action_name": name}, status=404
    )


async def start_server(port: int | None = None) -> TestServer:
    app = web.Application()
    app.router.add_post("/webhook", webhook)
    test_server = TestServer(app, host="127.0.0.1", port=port)
    await test_server.start_server()
    return test_server


@pytest.fixture
async def server():
    test_server = await start_server()
    SEEN.clear()
    yield str(test_server.make_url("/webhook"))
    await test_server.close()


def make_agent(url: str, **endpoint) -> tuple[Agent, object]:
    agent = Agent(DOMAIN, action_endpoint=EndpointConfig(url, **endpoint), rng=random.Random(0))
    tracker = agent.tracker_for("ann")
    agent.handle_user(tracker, agent.parse("/greet"))
    return agent, tracker


async def test_request_has_rasas_keys_and_answer_becomes_events(server):
    agent, tracker = make_agent(server, token="s3cret")
    events = await agent.execute_async(tracker, "action_ok")
    sent = SEEN[-1]
    assert sent["token"] == "s3cret"
    reference = json.loads(COMPAT_REQUEST.read_text())
    assert set(sent["body"]) == set(reference)
    assert set(sent["body"]["tracker"]) == set(reference["tracker"])
    assert set(reference["domain"]) <= set(sent["body"]["domain"]) | {"version"}
    assert sent["body"]["next_action"] == "action_ok" and sent["body"]["sender_id"] == "ann"
    assert isinstance(events[0], ActionExecuted) and events[-1] == SlotSet("name", "Ann")
    messages = [e for e in events if isinstance(e, BotUttered)]
    assert messages[0].text == "plain" and messages[0].data["buttons"] == [{"title": "ok", "payload": "/greet"}]
    # responses are rendered before the action's events apply, with the extra keys as values
    assert [m.text for m in messages[1:3]] == ["Hello None, from Oslo!", "Hello None, from Rome!"]
    assert messages[1].metadata["utter_action"] == "utter_hello"
    assert messages[3].data["custom"] == {"kind": "card"}
    assert tracker.slots["name"] == "Ann"


async def test_server_down_says_how_to_start_it():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/webhook"
    agent, tracker = make_agent(url)
    before = len(tracker.events)
    with pytest.raises(ActionServerError) as failure:
        await agent.execute_async(tracker, "action_down")
    assert f"the action server at {url} is not running: start it with `botcoach run actions`" in str(failure.value)
    assert len(tracker.events) == before  # nothing appended: the person can choose another action


async def test_unknown_action_404(server):
    agent, tracker = make_agent(server)
    with pytest.raises(ActionServerError, match="has no action 'action_missing'"):
        await agent.execute_async(tracker, "action_missing")


async def test_400_with_action_name_is_a_rejection(server):
    agent, tracker = make_agent(server)
    events = await agent.execute_async(tracker, "action_reject")
    assert events == [ActionExecutionRejected("action_reject")]
    assert tracker.events[-1] == ActionExecutionRejected("action_reject")


async def test_500_names_the_failure(server):
    agent, tracker = make_agent(server)
    with pytest.raises(ActionServerError, match="'action_boom' failed on the action server: ZeroDivisionError"):
        await agent.execute_async(tracker, "action_boom")


async def test_body_that_is_not_json(server):
    agent, tracker = make_agent(server)
    with pytest.raises(ActionServerError, match="not JSON: '<html>proxy error</html>'"):
        await agent.execute_async(tracker, "action_html")


async def test_unknown_event_type_is_named(server):
    agent, tracker = make_agent(server)
    with pytest.raises(ActionServerError, match="unknown event type 'teleport'"):
        await agent.execute_async(tracker, "action_weird")


async def test_slow_action_times_out_with_the_configured_timeout(server):
    agent, tracker = make_agent(server, timeout=0.3)
    with pytest.raises(ActionServerError, match="did not answer 'action_slow' within 0.3 s"):
        await agent.execute_async(tracker, "action_slow")  # the server answers after 2 s


async def test_a_whole_turn_reports_the_failure_and_goes_on(server):
    class Ensemble:
        def predict(self, tracker, domain):
            action = "action_boom" if tracker.latest_action_name == "action_listen" else "action_listen"
            return Prediction((action,), (1.0,), "x")

    agent = Agent(DOMAIN, ensemble=Ensemble(), action_endpoint=EndpointConfig(server))
    turn = await agent.handle_message_async("t", "/greet")
    assert len(turn.problems) == 1 and "ZeroDivisionError" in turn.problems[0].message
    assert [e.name for e in turn.events if isinstance(e, ActionExecuted)][-2:] == ["action_boom", "action_listen"]


async def test_calls_reuse_one_connection_from_sync_and_async_callers(server):
    agent, tracker = make_agent(server)
    await agent.execute_async(tracker, "action_ok")
    await asyncio.to_thread(agent.execute, tracker, "action_ok")  # as the app's worker threads call it
    await agent.execute_async(tracker, "action_ok")
    assert len(SEEN) == 3 and len({seen["peer"] for seen in SEEN}) == 1  # one session, kept alive


async def test_close_ends_the_connection_and_a_later_call_opens_a_new_one(server):
    agent, tracker = make_agent(server)
    await agent.execute_async(tracker, "action_ok")
    agent.close()
    transport = SEEN[-1]["transport"]
    for _ in range(500):  # the server notices the closed connection on its next loop turns
        if transport.is_closing():
            break
        await asyncio.sleep(0.01)
    assert transport.is_closing()
    agent.close()  # twice is harmless
    events = await agent.execute_async(tracker, "action_ok")
    assert events[-1] == SlotSet("name", "Ann") and SEEN[-1]["peer"] != SEEN[-2]["peer"]


async def test_a_restarted_action_server_is_reached_on_a_new_connection():
    first = await start_server()
    port = first.port
    SEEN.clear()
    agent, tracker = make_agent(f"http://127.0.0.1:{port}/webhook")
    await agent.execute_async(tracker, "action_ok")
    await first.close()  # closes the kept-alive connection from its side
    second = await start_server(port)
    try:
        events = await agent.execute_async(tracker, "action_ok")
    finally:
        agent.close()
        await second.close()
    assert events[-1] == SlotSet("name", "Ann") and len(SEEN) == 2


def test_sync_execute_works_from_plain_code_too():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    agent, tracker = make_agent(f"http://127.0.0.1:{port}/webhook")
    with pytest.raises(ActionServerError, match="not running"):
        agent.execute(tracker, "action_down")


def test_endpoints_file(monkeypatch):
    endpoints = read_endpoints('action_endpoint:\n  url: "http://localhost:5055/webhook"\n  token: abc\n', "e.yml")
    assert endpoints.action == EndpointConfig("http://localhost:5055/webhook", "abc", 10.0)
    monkeypatch.setenv("BOT_ACTIONS", "http://actions:5055/webhook")
    assert (
        read_endpoints("action_endpoint:\n  url: ${BOT_ACTIONS}\n  timeout: 3\n").action.url
        == "http://actions:5055/webhook"
    )
    assert read_endpoints("tracker_store:\n  type: sql\n").action is None
    with pytest.raises(DataError, match="e.yml:2:3: the action endpoint's `url`"):
        read_endpoints("action_endpoint:\n  url: localhost:5055\n", "e.yml")
    with pytest.raises(DataError, match="positive number"):
        read_endpoints("action_endpoint:\n  url: http://x\n  timeout: fast\n")
