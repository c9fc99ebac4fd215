"""The live graph page in a real browser: headless Chromium driven over the DevTools protocol.

It checks what a person would see (the conversation's nodes, then a new node shortly after the
app updates the graph) and that the page asks nothing of anyone but our server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import aiohttp
import pytest

from core.domain import load_domain
from core.events import ActionExecuted, UserUttered
from core.training_data.loader import load_training_data
from core.training_data.trackers import training_trackers
from core.visualization import VisualizationServer, conversation_graph
from tests.conftest import SAMPLES

CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None
)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--remote-debugging-port=0",
]
ALLOWED_SCHEMES = {"data", "about"}  # the favicon is `data:,`; the tab opens on about:blank


class DevTools:
    """A minimal DevTools-protocol client: commands by id, events kept in order."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse):
        self.ws = ws
        self.events: list[dict] = []
        self.pending: dict[int, asyncio.Future] = {}
        self.next_id = 0
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            if "id" in data and data["id"] in self.pending:
                self.pending.pop(data["id"]).set_result(data)
            elif "method" in data:
                self.events.append(data)

    async def send(self, method: str, **params) -> dict:
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        await self.ws.send_str(json.dumps({"id": self.next_id, "method": method, "params": params}))
        reply = await asyncio.wait_for(future, 10)
        assert "error" not in reply, reply
        return reply["result"]

    async def evaluate(self, expression: str):
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def wait_for_event(self, method: str, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events:
                if event["method"] == method:
                    return event
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {method} within {timeout} s")


async def _devtools_port(profile: Path, browser: subprocess.Popen, timeout: float = 20.0) -> int:
    """Chromium writes the port it picked into DevToolsActivePort in its profile."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if browser.poll() is not None:
            raise AssertionError(f"chromium exited with {browser.returncode}")
        if marker.exists() and marker.read_text().strip():
            return int(marker.read_text().split()[0])
        await asyncio.sleep(0.05)
    raise AssertionError("chromium did not open its DevTools port")


def _moodbot_graphs():
    bot = SAMPLES / "moodbot"
    domain = load_domain(bot / "domain.yml")
    trackers = training_trackers(load_training_data([bot / "data"]).stories, domain, augmentation_factor=0)
    events = [
        ActionExecuted("action_listen"),
        UserUttered("hello", intent={"name": "greet"}),
        ActionExecuted("utter_greet"),
        ActionExecuted("action_listen"),
        UserUttered("very sad", intent={"name": "mood_unhappy"}),
    ]
    before = conversation_graph(events, trackers, domain, predicted_action="utter_cheer_up")
    after = conversation_graph(
        [
            *events,
            ActionExecuted("utter_cheer_up"),
            ActionExecuted("utter_did_that_help"),
            ActionExecuted("action_listen"),
            UserUttered("a bot?", intent={"name": "bot_challenge"}),
        ],
        trackers,
        domain,
    )
    return before, after


NODE_LABELS = "Array.from(document.querySelectorAll('#graph g.sg-node')).map(g => g.dataset.label)"
CURRENT_LABELS = "Array.from(document.querySelectorAll('#graph g.sg-current')).map(g => g.dataset.label)"


async def test_the_page_shows_the_conversation_and_follows_updates(tmp_path):
    before, after = _moodbot_graphs()
    assert "bot_challenge" not in before.current_labels()
    server = VisualizationServer(port=0)
    ok, message = server.start()
    assert ok, message
    server.update(before)
    profile = tmp_path / "profile"
    browser = subprocess.Popen(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port = await _devtools_port(profile, browser)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = await response.json(content_type=None)
            page = next(t for t in targets if t["type"] == "page")
            async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                tools = DevTools(ws)
                await tools.send("Network.enable")
                await tools.send("Page.enable")
                await tools.send("Page.navigate", url=server.url)
                await tools.wait_for_event("Page.loadEventFired")

                shown = await tools.evaluate(NODE_LABELS)
                assert {"START", "greet", "utter_greet", "mood_unhappy", "utter_cheer_up"} <= set(shown)
                assert await tools.evaluate(CURRENT_LABELS) == ["START", "greet", "utter_greet", "mood_unhappy"]
                assert "predicted" in await tools.evaluate(
                    "document.querySelector('#graph g.sg-predicted').textContent"
                )

                await asyncio.sleep(1.2)  # unchanged polls (204) leave the drawing alone
                polls = [
                    e
                    for e in tools.events
                    if e["method"] == "Network.requestWillBeSent" and "/graph.svg" in e["params"]["request"]["url"]
                ]
                assert len(polls) >= 2
                assert await tools.evaluate(NODE_LABELS) == shown

                server.update(after)
                appeared = False
                deadline = time.monotonic() + 20  # a bound on waiting, not a speed claim: the page polls
                while not appeared and time.monotonic() < deadline:
                    appeared = "bot_challenge" in (await tools.evaluate(NODE_LABELS) or [])
                    await asyncio.sleep(0.05)
                assert appeared, "the new node never appeared"
                divergence = await tools.evaluate("document.querySelector('#graph g.sg-divergence').dataset.label")
                assert divergence == "bot_challenge"
                assert await tools.evaluate("document.getElementById('status').textContent") == "live"
                tools.reader.cancel()

        requests = [e["params"]["request"]["url"] for e in tools.events if e["method"] == "Network.requestWillBeSent"]
        failed = [e["params"] for e in tools.events if e["method"] == "Network.loadingFailed"]
        bad_status = [
            (e["params"]["response"]["url"], e["params"]["response"]["status"])
            for e in tools.events
            if e["method"] == "Network.responseReceived" and e["params"]["response"]["status"] >= 400
        ]
        assert failed == [] and bad_status == []
        assert any(url.startswith(server.url) for url in requests)
        elsewhere = [
            url
            for url in requests
            if urlparse(url).scheme not in ALLOWED_SCHEMES and urlparse(url).hostname != "127.0.0.1"
        ]
        assert elsewhere == []
    finally:
        browser.terminate()
        try:
            browser.wait(10)
        except subprocess.TimeoutExpired:
            browser.kill()
        server.stop()
