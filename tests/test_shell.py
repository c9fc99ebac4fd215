"""`botcoach shell`: a real trained concertbot in a subprocess, and the chat loop in-process."""

from __future__ import annotations

import io
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from core.domain import read_domain
from core.prediction import Prediction
from core.runtime import Agent
from core.training import load_project, train
from tests.conftest import ROOT
from tui.commands import shell
from tui.settings import ShellSettings

CONCERTBOT = ROOT / "sample_data" / "concertbot"


@pytest.fixture(scope="module")
def core_model(tmp_path_factory) -> Path:
    """concertbot's dialogue half only (memoization and rules), so /intent messages drive it."""
    project = load_project(CONCERTBOT / "config.yml", CONCERTBOT / "domain.yml", [CONCERTBOT / "data"])
    config = replace(project.config, policies=replace(project.config.policies, ted=False))
    return train(replace(project, config=config), ("core",), tmp_path_factory.mktemp("models"), force=True).path


def test_shell_subprocess_chats_and_reports_problems_without_traceback(core_model, tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://127.0.0.1:9/webhook\n  timeout: 2\n")
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli", "shell", "-m", str(core_model), "--endpoints", str(endpoints)],
        input="/greet\n/deny\nhello there\n/search_venues\n/stop\n/greet\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in out + result.stderr
    assert out.count("Your input ->") == 5  # the line after /stop is never read
    greetings = ["Hi! I'm your gig guide. Are you into live music?", "Hello! Before we start: do you enjoy live music?"]
    assert any(g in out for g in greetings)
    assert "Fair enough. If you change your mind" in out
    assert "no NLU part" in out  # a core-only model: text cannot be understood, the chat goes on
    assert "the action server at http://127.0.0.1:9/webhook is not running" in out
    said_first = out.index("! the action server at http://127.0.0.1:9/webhook is unreachable")
    assert said_first < out.index("Bot loaded") and "action_search_concerts" in out[said_first:]


def test_shell_subprocess_with_a_missing_model_prints_one_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli", "shell", "-m", str(tmp_path / "nothing")],
        input="",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stderr.strip()


class _Ensemble:
    def predict(self, tracker, domain):
        answer = {"greet": "utter_choose", "affirm": "utter_yes"}.get(tracker.latest_message.intent_name, "utter_yes")
        action = answer if tracker.latest_action_name == "action_listen" else "action_listen"
        return Prediction((action,), (1.0,), "fake")


BUTTON_DOMAIN = read_domain(
    """
version: "3.1"
intents: [greet, affirm, deny]
responses:
  utter_choose:
    - text: "Shall we?"
      buttons: [{title: "Yes", payload: "/affirm"}, {title: "No", payload: "/deny"}]
      image: "https://example.org/a.png"
  utter_yes: [{text: "Great, {unknown} stays as written."}]
""",
    "domain.yml",
)


def test_shell_lists_buttons_and_takes_their_number(monkeypatch, capsys):
    agents = []

    def load(model, endpoints, **options):
        agents.append(Agent(BUTTON_DOMAIN, ensemble=_Ensemble(), rng=random.Random(0), **options))
        return agents[-1]

    closed: list[Agent] = []
    monkeypatch.setattr(Agent, "load", staticmethod(load))
    monkeypatch.setattr(Agent, "close", lambda agent: closed.append(agent))
    monkeypatch.setattr(sys, "stdin", io.StringIO("/greet\n1\n"))
    code = shell.run(ShellSettings(model="m", conversation_id="me"))
    out = capsys.readouterr().out
    assert code == 0
    assert "Shall we?\nImage: https://example.org/a.png\n  1: Yes (/affirm)\n  2: No (/deny)" in out
    assert "Great, {unknown} stays as written." in out
    tracker = agents[0].tracker_for("me")
    assert [e.intent_name for e in tracker.events if e.type_name == "user"] == ["greet", "affirm"]
    assert tracker.latest_input_channel == "cmdline"
    assert closed == agents  # the connection to the action server is closed on the way out
