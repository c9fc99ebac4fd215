"""Every local server (the action server, the app's background action server, the conversation
graph page) refuses other sites' requests, answers every failure in JSON without echoing the
request or logging a traceback for a client's mistake, and closes slow clients."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator

import pytest

from core import local_server
from core.action_server import app as action_app
from core.action_server import create_app
from core.limits import JSON_MAX_DEPTH
from core.local_server import allowed_hosts, host_name
from core.sdk import Action
from core.visualization.server import VisualizationServer
from tests.conftest import ROOT
from tests.http_raw import Served, closed_within, post, request
from tui.background_actions import BackgroundActionServer

JSON = {"Content-Type": "application/json"}


class Recording(Action):
    """Counts its runs, so a test can tell whether a request ran it."""

    def __init__(self) -> None:
        self.runs = 0

    def name(self) -> str:
        return "action_cancel_booking"

    def run(self, dispatcher, tracker, domain):
        self.runs += 1
        return []


class Crashing(Action):
    def name(self) -> str:
        return "action_crash"

    def run(self, dispatcher, tracker, domain):
        raise RuntimeError("database is down")


def call(action: str, padding: int = 0) -> bytes:
    body = {"next_action": action, "tracker": {"sender_id": "x", "events": [], "slots": {"note": "z" * padding}}}
    return json.dumps(body).encode()


@pytest.fixture
def recording() -> Recording:
    return Recording()


@pytest.fixture
def server(recording: Recording, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    monkeypatch.setattr(local_server, "HEADER_TIMEOUT", 1.0)  # slow-client tests wait this long, not 10 s
    monkeypatch.setattr(action_app, "BODY_TIMEOUT", 1.0, raising=False)
    served = Served(create_app({"action_cancel_booking": recording, "action_crash": Crashing()}))
    yield served
    served.close()


def test_requests_for_other_host_names_are_refused(server: Served, recording: Recording) -> None:
    for host in ("attacker.example", "attacker.example:5055", "127.0.0.1.attacker.example", "10.0.0.8"):
        answer = post(server.port, "/webhook", call("action_cancel_booking"), {"Host": host, **JSON})
        assert answer.status == 403 and "error" in answer.json(), host
    assert recording.runs == 0
    for host in (f"localhost:{server.port}", "127.0.0.1", f"[::1]:{server.port}", "LOCALHOST"):
        answer = post(server.port, "/webhook", call("action_cancel_booking"), {"Host": host, **JSON})
        assert answer.status == 200, host
    assert recording.runs == 4


def test_allowed_hosts_follow_the_bound_address_and_the_flag() -> None:
    assert allowed_hosts("127.0.0.1") == {"localhost", "127.0.0.1", "::1"}
    assert "192.168.1.5" in allowed_hosts("192.168.1.5")
    assert "action-server" in allowed_hosts("0.0.0.0", ["action-server"])
    assert socket.gethostname().lower() in allowed_hosts("0.0.0.0")
    assert allowed_hosts("0.0.0.0", ["*"]) is None
    assert [host_name(h) for h in ("[::1]:80", "::1", "Localhost:5055", "bot")] == ["::1", "::1", "localhost", "bot"]


def test_a_cross_site_text_plain_post_runs_no_action(server: Served, recording: Recording) -> None:
    """A page on another site can POST text/plain without a CORS preflight: it must not run anything."""
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        answer = post(
            server.port,
            "/webhook",
            call("action_cancel_booking"),
            {"Host": "localhost", "Content-Type": content_type, "Origin": "http://evil.example"},
        )
        assert answer.status == 415 and "application/json" in answer.json()["error"]
    assert recording.runs == 0


def test_a_failing_action_does_not_echo_the_request(server: Served) -> None:
    answer = post(server.port, "/webhook", call("action_crash", padding=1_000_000), {"Host": "localhost", **JSON})
    assert answer.status == 500
    assert answer.json() == {"error": "RuntimeError: database is down", "action_name": "action_crash"}
    assert len(answer.body) < 500


def test_deep_json_is_a_json_400_without_a_traceback(server: Served, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    answer = post(server.port, "/webhook", b"[" * 100_000 + b"]" * 100_000, {"Host": "localhost", **JSON})
    assert answer.status == 400 and f"{JSON_MAX_DEPTH} levels" in answer.json()["error"]
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize(
    "raw",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n",
        b"POST /webhook HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc",
    ],
)
def test_malformed_http_is_answered_in_json_without_a_traceback(
    server: Served, caplog: pytest.LogCaptureFixture, raw: bytes
) -> None:
    caplog.set_level(logging.DEBUG)
    answer = request(server.port, raw)
    assert 400 <= answer.status < 500 and answer.headers["content-type"].startswith("application/json")
    assert "error" in answer.json() and b"aaaa" not in answer.body
    assert not [r for r in caplog.records if r.exc_info]


def test_unknown_routes_methods_and_huge_bodies_are_json(server: Served) -> None:
    answer = request(server.port, b"GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert answer.status == 404 and answer.json()["status"] == 404
    answer = request(server.port, b"GET /webhook HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert answer.status == 405 and "POST" in answer.headers["allow"] and "error" in answer.json()
    answer = post(server.port, "/webhook", b"{" + b" " * (17 << 20) + b"}", {"Host": "localhost", **JSON})
    assert answer.status == 413 and "error" in answer.json()


def test_slow_clients_are_closed(server: Served) -> None:
    """200 connections that never finish their request head; the timeout is 1 s in this test."""
    connections = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(200)]
    try:
        for conn in connections:
            conn.sendall(b"POST /webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: applic")
        assert all(closed_within(conn, 10) for conn in connections)
    finally:
        for conn in connections:
            conn.close()
    idle = socket.create_connection(("127.0.0.1", server.port))  # connects and says nothing
    with idle:
        assert closed_within(idle, 10)
    slow_body = socket.create_connection(("127.0.0.1", server.port))
    with slow_body:
        slow_body.sendall(b"POST /webhook HTTP/1.1\r\nHost: localhost\r\n" + b"Content-Type: application/json\r\n")
        slow_body.sendall(b"Content-Length: 1000\r\n\r\n{")
        slow_body.settimeout(10)
        assert slow_body.recv(65536).startswith(b"HTTP/1.1 408")
    assert request(server.port, b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n").status == 200


def test_the_graph_page_has_the_same_guards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_server, "HEADER_TIMEOUT", 1.0)
    graph = VisualizationServer(port=0)
    started, where = graph.start()
    assert started, where
    try:
        answer = request(graph.port, b"GET /graph.json HTTP/1.1\r\nHost: attacker.example\r\n\r\n")
        assert answer.status == 403 and "error" in answer.json()
        answer = request(graph.port, b"GET /missing HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert answer.status == 404 and "error" in answer.json()
        assert request(graph.port, b"GET /graph.json HTTP/1.1\r\nHost: localhost\r\n\r\n").status == 200
        slow = socket.create_connection(("127.0.0.1", graph.port))
        with slow:
            slow.sendall(b"GET /graph.json HTTP/1.1\r\nHost: loc")
            assert closed_within(slow, 10)
    finally:
        graph.stop()


def test_the_apps_background_action_server_has_the_same_guards(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    actions = tmp_path / "bg_actions.py"
    actions.write_text(
        "from core.sdk import Action\n"
        "class Hello(Action):\n"
        "    def name(self):\n"
        "        return 'action_hello'\n"
        "    def run(self, dispatcher, tracker, domain):\n"
        "        return []\n"
    )
    monkeypatch.chdir(ROOT)
    server = BackgroundActionServer(str(actions))
    server.start()
    try:
        answer = post(server.port, "/webhook", call("action_hello"), {"Host": "attacker.example", **JSON})
        assert answer.status == 403
        answer = post(
            server.port, "/webhook", call("action_hello"), {"Host": "localhost", "Content-Type": "text/plain"}
        )
        assert answer.status == 415
        assert post(server.port, "/webhook", call("action_hello"), {"Host": "localhost", **JSON}).status == 200
    finally:
        server.stop()
