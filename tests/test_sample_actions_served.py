"""The sample bots' custom actions served by OUR action server, started as `botcoach run actions`
in a real process from the bot's folder, and answering a request exactly as Rasa 3.6 sends it
(captured in ../shared/compat/rasa-sdk/request_rasa3.6.21.json) in the shape Rasa accepts."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.domain import load_domain
from core.events import AllSlotsReset, SlotSet, events_from_dicts
from tests.conftest import ROOT, SAMPLES

RASA_REQUEST = ROOT.parent / "shared" / "compat" / "rasa-sdk" / "request_rasa3.6.21.json"
BOTCOACH = Path(sys.executable).parent / "botcoach"  # the console script installed beside this python

CUSTOM_ACTIONS = {
    "concertbot": {
        "action_search_concerts",
        "action_search_venues",
        "action_show_concert_reviews",
        "action_show_venue_reviews",
    },
    "formbot": {"validate_restaurant_form", "action_cancel_booking"},
}


@dataclass
class Served:
    bot: str
    base: str  # http://127.0.0.1:<port>
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        return json.loads(response.read())


def post_json(url: str, body: dict) -> Any:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        return json.loads(response.read())


def rasa_request(action: str) -> dict:
    request = json.loads(RASA_REQUEST.read_text())
    request["next_action"] = action
    return request


@pytest.fixture(scope="module", params=sorted(CUSTOM_ACTIONS))
def served(request, tmp_path_factory) -> Iterator[Served]:
    """`botcoach run actions --actions actions` in sample_data/<bot>, on a free port."""
    bot = request.param
    assert BOTCOACH.is_file(), f"{BOTCOACH} is missing: install the project (make setup)"
    log = tmp_path_factory.mktemp(bot) / "server.log"
    port = _free_port()
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(BOTCOACH), "run", "actions", "--actions", "actions", "--port", str(port)],
            cwd=SAMPLES / bot,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"`botcoach run actions` exited with {process.returncode}:\n{log.read_text()}")
            try:
                get_json(f"{base}/health")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"`botcoach run actions` did not answer within 60 s:\n{log.read_text()}")
                time.sleep(0.2)
        yield Served(bot, base, log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
    assert process.returncode == 0, f"`botcoach run actions` did not stop cleanly:\n{log.read_text()}"


def test_every_custom_action_of_the_domain_is_listed(served):
    domain_actions = set(load_domain(SAMPLES / served.bot / "domain.yml").actions)
    assert domain_actions == CUSTOM_ACTIONS[served.bot]  # the sample bot still lists what we check
    listed = get_json(f"{served.base}/actions")
    assert all(set(item) == {"name"} for item in listed)
    assert {item["name"] for item in listed} == domain_actions
    assert get_json(f"{served.base}/health") == {"status": "ok"}
    first_line = served.log.read_text().splitlines()[0]
    assert first_line.startswith(f"Action server listening on {served.base} with {len(domain_actions)} actions")


def assert_rasa_accepts(answer: Any) -> list:
    """The answer Rasa's RemoteAction reads: events it can parse and a list of responses."""
    assert isinstance(answer, dict) and set(answer) == {"events", "responses"}
    assert all(isinstance(event, dict) and isinstance(event.get("event"), str) for event in answer["events"])
    assert all(isinstance(response, dict) for response in answer["responses"])
    return events_from_dicts(answer["events"])


def check_answer(action: str, answer: Any) -> None:
    events = assert_rasa_accepts(answer)
    texts = [response.get("text") for response in answer["responses"]]
    if action == "action_search_concerts":
        assert [c["artist"] for c in events[0].value] == [
            "The Midnight Lanterns",
            "Cobalt Harbour",
            "Juniper & the Owls",
        ]
        assert events == [SlotSet("concerts", events[0].value)] and texts[0].startswith("Coming up soon:")
    elif action == "action_search_venues":
        assert [e.name for e in events] == ["venues"] and texts[0].startswith("Venues with live music near you:")
    elif action in ("action_show_concert_reviews", "action_show_venue_reviews"):
        assert events == [] and texts[0].startswith("Ask me to find")  # the captured tracker searched nothing
    elif action == "validate_restaurant_form":
        # the captured tracker ends with the form's candidate cuisine=thai: validated and kept
        assert SlotSet("cuisine", "thai") in events and answer["responses"] == []
    else:
        assert action == "action_cancel_booking" and events == [AllSlotsReset()]
        assert answer["responses"][0]["response"] == "utter_booking_cancelled"


def test_a_rasa_3_6_request_gets_an_answer_rasa_accepts(served):
    for action in sorted(CUSTOM_ACTIONS[served.bot]):
        check_answer(action, post_json(f"{served.base}/webhook", rasa_request(action)))


def test_an_unknown_action_is_a_404_naming_it(served):
    request = urllib.request.Request(
        f"{served.base}/webhook", json.dumps(rasa_request("action_nope")).encode(), {"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as failure:
        urllib.request.urlopen(request, timeout=10)
    assert failure.value.code == 404
    assert json.loads(failure.value.read())["action_name"] == "action_nope"
