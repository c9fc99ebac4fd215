"""Our runtime against a REAL rasa-sdk action server (from PyPI), started as its own process.

rasa-sdk's pins clash with ours, so it lives in a virtualenv of its own (`<repo>/.venv-rasa-sdk`,
gitignored, reused while it has the pinned rasa-sdk). The actions it serves are the sample bots'
own actions (sample_data/*/actions) with one change: `core.sdk` imports become `rasa_sdk`, which is
the whole port our SDK promises. rasa-sdk has no flag for the
interface it listens on (0.0.0.0 by default); it reads the SANIC_HOST environment variable, which
we set to 127.0.0.1. When PyPI cannot be reached the tests skip and say so; any other failure to
install or start rasa-sdk fails them.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from core.domain import load_domain
from core.events import ActionExecuted, BotUttered, SlotSet
from core.runtime import Agent, EndpointConfig
from core.training import load_project, train
from forms.registry import register_forms
from tests.conftest import ROOT

CONCERTBOT = ROOT / "sample_data" / "concertbot"
FORMBOT = ROOT / "sample_data" / "formbot"

RASA_SDK_VERSION = "3.21.1"  # the newest rasa-sdk; every 3.x that installs on Python 3.11 is >= 3.11
PEER_VENV = ROOT / ".venv-rasa-sdk"
PEER_PYTHON = PEER_VENV / "bin" / "python"
INSTALLED_MARK = PEER_VENV / f".installed-rasa-sdk-{RASA_SDK_VERSION}"
# What pip prints when it cannot reach the index at all (as opposed to a broken package or venv).
UNREACHABLE = (
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "Max retries exceeded",
    "Connection refused",
    "ProxyError",
)
INSTALL_SECONDS = 200
CONCERTS = ["The Midnight Lanterns", "Cobalt Harbour", "Juniper & the Owls"]


# -- the peer: a virtualenv and a server process ------------------------------------------------


def _has_rasa_sdk() -> bool:
    if not (INSTALLED_MARK.is_file() and PEER_PYTHON.is_file()):
        return False
    probe = subprocess.run([str(PEER_PYTHON), "-c", "import rasa_sdk"], capture_output=True, timeout=60)
    return probe.returncode == 0


def _create_peer_venv() -> None:
    """A fresh venv with rasa-sdk; skips when PyPI is unreachable, fails on anything else."""
    shutil.rmtree(PEER_VENV, ignore_errors=True)
    venv = subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], capture_output=True, text=True, timeout=120)
    if venv.returncode != 0:
        pytest.fail(f"python -m venv {PEER_VENV} failed:\n{venv.stdout}{venv.stderr}")
    command = [
        str(PEER_PYTHON),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-input",
        "--timeout",
        "30",
        "--retries",
        "2",
        f"rasa-sdk=={RASA_SDK_VERSION}",
    ]
    try:  # about 45 s here; the bound stays under pytest's per-test timeout of 300 s
        install = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_SECONDS)
    except subprocess.TimeoutExpired:
        shutil.rmtree(PEER_VENV, ignore_errors=True)
        pytest.skip(
            f"PyPI is too slow to reach: pip install rasa-sdk=={RASA_SDK_VERSION} did not finish "
            f"within {INSTALL_SECONDS} s"
        )
    if install.returncode != 0:
        output = (install.stdout + install.stderr).strip()
        shutil.rmtree(PEER_VENV, ignore_errors=True)
        cause = next((line for line in output.splitlines() if any(m in line for m in UNREACHABLE)), None)
        if cause is not None:
            pytest.skip(f"PyPI is unreachable, so rasa-sdk=={RASA_SDK_VERSION} cannot be installed: {cause.strip()}")
        pytest.fail(f"pip install rasa-sdk=={RASA_SDK_VERSION} failed:\n{output[-3000:]}")
    INSTALLED_MARK.write_text("installed by tests/test_rasa_sdk_peer.py\n")


@pytest.fixture(scope="session")
def rasa_sdk_python() -> Path:
    """The peer venv's python; built once, under a lock so parallel pytest runs share it."""
    repo_id = hashlib.sha1(str(ROOT).encode()).hexdigest()[:12]
    lock_path = Path(tempfile.gettempdir()) / f"botcoach-rasa-sdk-{repo_id}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _has_rasa_sdk():
            _create_peer_venv()
    return PEER_PYTHON


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def wait_until_healthy(process: subprocess.Popen, base: str, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the action server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if _get_json(f"{base}/health") == {"status": "ok"}:
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the action server did not answer {base}/health within {seconds:g} s:\n{log.read_text()[-3000:]}")


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM to the whole group (Sanic runs its worker in a child process), SIGKILL if it lingers."""
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


def ported_actions(folder: Path) -> Path:
    """The sample bots' actions as a package `rasa_sdk_actions`, imports switched to rasa_sdk."""
    package = folder / "rasa_sdk_actions"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for bot, module in ((CONCERTBOT, "concerts"), (FORMBOT, "restaurant")):
        source = (bot / "actions" / "actions.py").read_text()
        assert "rasa_sdk" not in source and "from core.sdk" in source
        (package / f"{module}.py").write_text(source.replace("from core.sdk", "from rasa_sdk"))
    return folder


@pytest.fixture(scope="module")
def rasa_sdk_server(rasa_sdk_python: Path, tmp_path_factory) -> Iterator[str]:
    """`python -m rasa_sdk --actions rasa_sdk_actions` on a free 127.0.0.1 port; yields the webhook URL."""
    workdir = tmp_path_factory.mktemp("rasa_sdk")
    actions_path = ported_actions(tmp_path_factory.mktemp("ported"))
    log = workdir / "server.log"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(PYTHONPATH=str(actions_path), SANIC_HOST="127.0.0.1", PYTHONUNBUFFERED="1")
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(rasa_sdk_python), "-m", "rasa_sdk", "--actions", "rasa_sdk_actions", "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, base, log)
        yield f"{base}/webhook"
    finally:
        stop_process_group(process)
    served = log.read_text()
    assert "Action endpoint is up and running on http://127.0.0.1:" in served
    assert "Exception occurred" not in served and " ERROR " not in served, served  # every request accepted


def test_the_peer_is_rasa_sdk_serving_the_sample_actions(rasa_sdk_server, rasa_sdk_python):
    version = subprocess.run(
        [str(rasa_sdk_python), "-c", "import rasa_sdk; print(rasa_sdk.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == RASA_SDK_VERSION
    served = {item["name"] for item in _get_json(rasa_sdk_server.replace("/webhook", "/actions"))}
    assert served == {
        "action_search_concerts",
        "action_search_venues",
        "action_show_concert_reviews",
        "action_show_venue_reviews",
        "validate_restaurant_form",
        "action_cancel_booking",
    }


# -- concertbot: a trained model, its custom actions on rasa-sdk ---------------------------------


@pytest.fixture(scope="module")
def concertbot_model(tmp_path_factory) -> Path:
    """concertbot's dialogue model without TED (memoization and rules: seconds, deterministic)."""
    project = load_project(CONCERTBOT / "config.yml", CONCERTBOT / "domain.yml", [CONCERTBOT / "data"])
    config = replace(project.config, policies=replace(project.config.policies, ted=False))
    return train(replace(project, config=config), ("core",), tmp_path_factory.mktemp("models"), force=True).path


@pytest.fixture
def concert_agent(concertbot_model, rasa_sdk_server, tmp_path) -> Agent:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"action_endpoint:\n  url: {rasa_sdk_server}\n  timeout: 20\n")
    return Agent.load(concertbot_model, endpoints, rng=random.Random(3))


def test_concertbot_conversation_runs_its_custom_actions_on_rasa_sdk(concert_agent):
    agent = concert_agent
    agent.handle_message("fan", "/greet")
    agent.handle_message("fan", "/affirm")
    search = agent.handle_message("fan", "/search_concerts")
    assert search.problems == []
    assert [e.name for e in search.events if isinstance(e, ActionExecuted)] == [
        "action_search_concerts",
        "action_listen",
    ]
    assert [m.text for m in search.messages] == [f"Coming up soon: {', '.join(CONCERTS)}."]  # rasa_sdk's dispatcher
    tracker = agent.tracker_for("fan")
    assert [c["artist"] for c in tracker.slots["concerts"]] == CONCERTS  # SlotSet from rasa_sdk.events
    assert SlotSet("concerts", tracker.slots["concerts"]) in search.events

    reviews = agent.handle_message("fan", "/compare_reviews")
    assert reviews.problems == []
    assert "action_show_concert_reviews" in [e.name for e in reviews.events if isinstance(e, ActionExecuted)]
    assert reviews.messages[0].text == (  # ranked from the slot rasa-sdk read back out of our tracker
        "Concerts by review score:\n1. The Midnight Lanterns: 4.6 stars\n"
        "2. Juniper & the Owls: 4.2 stars\n3. Cobalt Harbour: 3.9 stars"
    )
    assert tracker.latest_action_name == "action_listen"


# -- formbot: rasa-sdk's FormValidationAction validates what our form loop extracted ----------


@pytest.fixture
def form_agent(rasa_sdk_server) -> Agent:
    domain = load_domain(FORMBOT / "domain.yml")
    agent = Agent(domain, action_endpoint=EndpointConfig(rasa_sdk_server, timeout=20), rng=random.Random(0))
    register_forms(agent, domain)
    return agent


def test_rasa_sdk_form_validation_accepts_our_request(form_agent):
    agent = form_agent
    tracker = agent.tracker_for("diner")
    agent.handle_user(tracker, agent.parse('/request_restaurant{"cuisine": "Thai"}'))
    events = agent.execute(tracker, "restaurant_form")
    assert tracker.get_slot("cuisine") == "thai"  # lower-cased by validate_cuisine on rasa-sdk
    assert tracker.requested_slot == "num_people"
    assert [e.text for e in events if isinstance(e, BotUttered)] == ["How many people is the table for?"]
    agent.execute(tracker, "action_listen")

    agent.handle_user(tracker, agent.parse('/inform{"number": "four"}'))
    agent.execute(tracker, "restaurant_form")
    assert tracker.get_slot("num_people") == 4  # "four" -> 4 by validate_num_people
    assert tracker.requested_slot == "outdoor_seating"


def test_rasa_sdk_form_validation_rejects_a_value_with_a_domain_response(form_agent):
    agent = form_agent
    tracker = agent.tracker_for("typo")
    agent.handle_user(tracker, agent.parse("/request_restaurant"))
    agent.execute(tracker, "restaurant_form")
    agent.execute(tracker, "action_listen")
    agent.handle_user(tracker, agent.parse('/inform{"cuisine": "martian"}'))
    events = agent.execute(tracker, "restaurant_form")
    assert tracker.get_slot("cuisine") is None and tracker.requested_slot == "cuisine"
    messages = [e for e in events if isinstance(e, BotUttered)]
    assert messages[0].text.startswith("Sorry, I don't know any restaurants serving that")
    assert messages[0].metadata["utter_action"] == "utter_wrong_cuisine"  # named by rasa-sdk, rendered by us
