"""The action server over real HTTP: Rasa's own request in, rasa_sdk-shaped answers out."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import zlib
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestClient, TestServer

from core.action_server import create_app, load_actions
from core.action_server.loader import ActionLoader
from core.errors import ActionServerError, BotcoachError
from core.sdk import Action, ActionExecutionRejection, Tracker
from core.sdk.events import SlotSet
from tests.conftest import ROOT
from tui.commands.run import run
from tui.settings import RunActionsSettings

REQUEST_36 = ROOT.parent / "shared" / "compat" / "rasa-sdk" / "request_rasa3.6.21.json"
MESSAGE_KEYS = {"text", "buttons", "elements", "custom", "template", "response", "image", "attachment"}


class SearchAction(Action):
    """Records the tracker it saw so the test can check what the SDK made of Rasa's request."""

    def __init__(self) -> None:
        self.seen: Tracker | None = None

    def name(self) -> str:
        return "action_search"

    async def run(self, dispatcher, tracker, domain):
        self.seen = tracker
        cuisine = next(tracker.get_latest_entity_values("cuisine"), None)
        dispatcher.utter_message(text=f"Looking for {cuisine} food")
        dispatcher.utter_message(response="utter_greet", cuisine=cuisine)
        dispatcher.utter_message(buttons=[{"title": "yes", "payload": "/affirm"}], json_message={"k": 1})
        return [SlotSet("results", ["Thai Palace"]), {"not": "an event"}]


class RejectingAction(Action):
    def name(self) -> str:
        return "action_reject"

    def run(self, dispatcher, tracker, domain):
        raise ActionExecutionRejection("action_reject", "not now")


class CrashingAction(Action):
    def name(self) -> str:
        return "action_crash"

    def run(self, dispatcher, tracker, domain):
        raise RuntimeError("database is down")


class SlowSyncAction(Action):
    """A blocking sync action: must run off the event loop."""

    def name(self) -> str:
        return "action_slow"

    def run(self, dispatcher, tracker, domain):
        time.sleep(0.3)
        return [SlotSet("thread", threading.current_thread().name)]


def rasa_request(next_action: str = "action_search") -> dict:
    body = json.loads(REQUEST_36.read_text())
    body["next_action"] = next_action
    return body


@pytest.fixture
async def search_action():
    return SearchAction()


@pytest.fixture
async def client(search_action):
    registry = {a.name(): a for a in (search_action, RejectingAction(), CrashingAction(), SlowSyncAction())}
    async with TestClient(TestServer(create_app(registry, cors_origins=["http://localhost:3000"]))) as client:
        yield client


async def test_rasa_3_6_request_is_answered_in_rasa_sdk_shape(client, search_action):
    response = await client.post("/webhook", data=REQUEST_36.read_bytes(), headers={"Content-Type": "application/json"})
    assert response.status == 200
    body = await response.json()
    assert set(body) == {"events", "responses"}
    assert body["events"] == [{"event": "slot", "timestamp": None, "name": "results", "value": ["Thai Palace"]}]
    assert len(body["responses"]) == 3
    for message in body["responses"]:
        assert set(message) >= MESSAGE_KEYS
    text, templated, rich = body["responses"]
    assert text["text"] == "Looking for thai food" and text["buttons"] == [] and text["custom"] == {}
    assert templated["template"] == templated["response"] == "utter_greet"
    assert templated["cuisine"] == "thai" and templated["text"] is None
    assert rich["buttons"] == [{"title": "yes", "payload": "/affirm"}] and rich["custom"] == {"k": 1}

    tracker = search_action.seen
    assert tracker.sender_id == "user-1"
    assert tracker.slots == {"cuisine": "thai", "requested_slot": None, "session_started_metadata": None}
    assert tracker.latest_message["intent"]["name"] == "request_restaurant"
    assert tracker.get_intent_of_latest_message() == "request_restaurant"
    assert list(tracker.get_latest_entity_values("cuisine")) == ["thai"]
    assert tracker.active_loop_or_name() == "restaurant_form"
    assert tracker.latest_action_name == "restaurant_form"
    assert tracker.slots_to_validate() == {"cuisine": "thai"}
    assert len(tracker.events) == 7


async def test_unknown_action_is_404_with_rasa_sdk_body(client):
    response = await client.post("/webhook", json=rasa_request("action_nope"))
    assert response.status == 404
    assert await response.json() == {
        "error": "No registered action found for name 'action_nope'.",
        "action_name": "action_nope",
    }


async def test_rejection_is_400_with_message_and_action_name(client):
    response = await client.post("/webhook", json=rasa_request("action_reject"))
    assert response.status == 400
    assert await response.json() == {"error": "not now", "action_name": "action_reject"}


async def test_exception_in_action_is_500_json_and_server_keeps_serving(client, caplog):
    response = await client.post("/webhook", json=rasa_request("action_crash"))
    assert response.status == 500
    body = await response.json()
    assert body["error"] == "RuntimeError: database is down" and body["action_name"] == "action_crash"
    assert any(r.exc_info and "database is down" in str(r.exc_info[1]) for r in caplog.records)
    assert (await client.post("/webhook", json=rasa_request())).status == 200


@pytest.mark.parametrize("data", [b"not json {", b"[1, 2]", json.dumps({"tracker": {}}).encode()])
async def test_bad_bodies_are_400(client, data):
    response = await client.post("/webhook", data=data, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert "error" in await response.json()


async def test_deflated_body_is_accepted(client):
    """Rasa can compress the request (Content-Encoding: deflate), as rasa_sdk accepts."""
    data = zlib.compress(json.dumps(rasa_request()).encode())
    response = await client.post(
        "/webhook", data=data, headers={"Content-Type": "application/json", "Content-Encoding": "deflate"}
    )
    assert response.status == 200


async def test_sync_actions_run_in_worker_threads_not_on_the_loop(client):
    """How much they overlap is measured by bench.action_server, not asserted here."""
    responses = await asyncio.gather(*(client.post("/webhook", json=rasa_request("action_slow")) for _ in range(4)))
    assert [r.status for r in responses] == [200] * 4
    event = (await responses[0].json())["events"][0]
    assert event["value"] != "MainThread"


async def test_actions_and_health(client):
    response = await client.get("/actions")
    assert sorted(a["name"] for a in await response.json()) == [
        "action_crash",
        "action_reject",
        "action_search",
        "action_slow",
    ]
    assert await (await client.get("/health")).json() == {"status": "ok"}


async def test_cors_headers_only_for_configured_origins(client):
    allowed = await client.get("/health", headers={"Origin": "http://localhost:3000"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    other = await client.get("/health", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = await client.options(
        "/webhook",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"] == "content-type"


async def test_no_cors_headers_unless_configured():
    async with TestClient(TestServer(create_app({}))) as client:
        response = await client.get("/health", headers={"Origin": "http://localhost:3000"})
        assert "Access-Control-Allow-Origin" not in response.headers


async def test_missing_domain_uses_the_cached_one_or_asks_for_it(search_action):
    """Rasa 3.7+ sends the domain only when its digest changed; 449 asks for it again."""
    async with TestClient(TestServer(create_app({"action_search": search_action}))) as client:
        without = rasa_request()
        without.pop("domain")
        without["domain_digest"] = "abc"
        assert (await client.post("/webhook", json=without)).status == 449
        with_domain = rasa_request()
        with_domain["domain_digest"] = "abc"
        assert (await client.post("/webhook", json=with_domain)).status == 200
        assert (await client.post("/webhook", json=without)).status == 200


# -- loading actions -------------------------------------------------------------------------


def write_package(root: Path, name: str = "my_actions") -> Path:
    package = root / name
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "greet.py").write_text(
        textwrap.dedent("""
        from core.sdk import Action
        from core.sdk.forms import FormValidationAction

        class ActionGreet(Action):
            def name(self):
                return "action_greet"

            def run(self, dispatcher, tracker, domain):
                dispatcher.utter_message(text="hi")
                return []

        class BaseValidator(FormValidationAction):
            '''An intermediate base without a name: not an action.'''
            def helper(self):
                return 1
    """)
    )
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "forms.py").write_text(
        textwrap.dedent("""
        from core.sdk.forms import FormValidationAction
        from core.sdk import Action
        from ..greet import ActionGreet, BaseValidator

        class ValidateRestaurantForm(BaseValidator):
            def name(self):
                return "validate_restaurant_form"

        class EmptyName(FormValidationAction):
            def name(self):
                return ""
    """)
    )
    return package


def test_load_actions_from_package_path_and_module_name(tmp_path, monkeypatch):
    package = write_package(tmp_path)
    by_path = load_actions(str(package))
    assert sorted(by_path) == ["action_greet", "validate_restaurant_form"]
    monkeypatch.chdir(tmp_path)
    by_name = load_actions("my_actions")
    assert sorted(by_name) == ["action_greet", "validate_restaurant_form"]


def test_load_actions_from_single_file(tmp_path):
    file = tmp_path / "one_file_actions.py"
    file.write_text(
        textwrap.dedent("""
        from core.sdk import Action
        class A(Action):
            def name(self): return "action_a"
            async def run(self, dispatcher, tracker, domain): return []
    """)
    )
    assert list(load_actions(str(file))) == ["action_a"]


def test_syntax_error_names_file_and_line(tmp_path):
    package = write_package(tmp_path, "broken_actions")
    (package / "greet.py").write_text("from core.sdk import Action\n\nclass A(Action)\n    pass\n")
    with pytest.raises(ActionServerError) as caught:
        load_actions(str(package))
    error = caught.value
    assert str(error.location.file).endswith("greet.py") and error.location.line == 3
    assert "syntax" in error.message and error.hint
    assert "Traceback" not in str(error)


def test_runtime_import_error_points_at_user_line_and_rasa_sdk_hint(tmp_path):
    file = tmp_path / "ported_actions.py"
    file.write_text("import os\n\nfrom rasa_sdk.knowledge_base.actions import ActionQueryKnowledgeBase\n")
    with pytest.raises(ActionServerError) as caught:
        load_actions(str(file))
    assert caught.value.location.line == 3 and str(caught.value.location.file).endswith("ported_actions.py")
    assert "rasa-sdk's own server" in caught.value.hint and "endpoints.yml" in caught.value.hint
    file.write_text("from rasa_sdk.forms import NoSuchHelper\n")
    with pytest.raises(ActionServerError) as caught:
        load_actions(str(file))
    assert "NoSuchHelper" in caught.value.message and "rasa-sdk's own server" in caught.value.hint

    file.write_text("X = 1\nY = 1 / 0\n")
    with pytest.raises(ActionServerError) as caught:
        load_actions(str(file))
    assert caught.value.location.line == 2 and "ZeroDivisionError" in caught.value.message


def test_duplicate_names_name_both_classes(tmp_path):
    file = tmp_path / "dup_actions.py"
    file.write_text(
        textwrap.dedent("""
        from core.sdk import Action
        class First(Action):
            def name(self): return "action_same"
            def run(self, dispatcher, tracker, domain): return []
        class Second(First):
            pass
    """)
    )
    with pytest.raises(ActionServerError, match="First.*Second"):
        load_actions(str(file))


def test_missing_module_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ActionServerError, match="no actions module"):
        load_actions("no_such_actions_module")


def test_loader_sees_edits_and_reloads(tmp_path):
    file = tmp_path / "live_actions.py"
    source = (
        "from core.sdk import Action\nclass A(Action):\n    def name(self): return {name!r}\n"
        "    def run(self, d, t, dom): return []\n"
    )
    file.write_text(source.format(name="action_v1"))
    loader = ActionLoader(str(file))
    assert list(loader.load()) == ["action_v1"]
    assert not loader.changed()
    file.write_text(source.format(name="action_v2"))
    os.utime(file, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    assert loader.changed()
    assert list(loader.load()) == ["action_v2"]


# -- the real server process -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on this port, from the kernel's own table."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                if len(address) == 8:
                    address = socket.inet_ntoa(bytes.fromhex(address)[::-1])
                found.add(f"{address}:{port}")
    return found


def start_server(tmp_path: Path, port: int, *extra: str) -> subprocess.Popen:
    file = tmp_path / "served_actions.py"
    if not file.exists():
        file.write_text(
            "from core.sdk import Action\nclass A(Action):\n    def name(self): return 'action_a'\n"
            "    def run(self, d, t, dom): return []\n"
        )
    code = f"import sys; from core.action_server import serve; serve({str(file)!r}, port={port}{''.join(extra)})"
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_serve_binds_loopback_announces_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    process = start_server(tmp_path, port)
    try:
        line = process.stdout.readline()
        assert line.strip() == f"Action server listening on http://127.0.0.1:{port} with 1 actions: action_a"
        assert listening_addresses(port) == {f"127.0.0.1:{port}"}

        async def ask() -> dict:
            async with ClientSession() as session, session.get(f"http://127.0.0.1:{port}/actions") as response:
                return await response.json()

        assert asyncio.run(ask()) == [{"name": "action_a"}]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.wait()


def test_port_in_use_is_a_botcoach_error(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        file = tmp_path / "busy_actions.py"
        file.write_text("")
        with pytest.raises(BotcoachError, match=f"port {port} is in use: stop the other server or pass --port"):
            run(RunActionsSettings(actions=str(file), port=port))


def test_auto_reload_serves_the_edited_action(tmp_path):
    port = free_port()
    process = start_server(tmp_path, port, ", auto_reload=True")
    try:
        assert "1 actions: action_a" in process.stdout.readline()
        file = tmp_path / "served_actions.py"
        file.write_text(file.read_text().replace("action_a", "action_b"))
        os.utime(file, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))

        async def names() -> list[str]:
            async with ClientSession() as session, session.get(f"http://127.0.0.1:{port}/actions") as response:
                return [a["name"] for a in await response.json()]

        deadline = time.monotonic() + 10
        while asyncio.run(names()) != ["action_b"]:
            assert time.monotonic() < deadline, "the server never picked up the edit"
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
