"""Actions written for rasa_sdk run unchanged on botcoach's action server.

The actions here are written for this test with every rasa_sdk import the two real projects in
../shared/compat/projects use (rasa_sdk, .forms, .interfaces, .executor, .events, .utils, .types),
and with the pattern financial-demo's forms rely on: a FormValidationAction subclass that wraps
`super().validate(...)`. The real projects' own actions load in tests/test_real_projects.py.
"""

from __future__ import annotations

import json
import sys
import textwrap
import urllib.request
from pathlib import Path

import pytest

import core.sdk
from core.action_server import load_actions
from core.errors import ActionServerError
from core.sdk.as_rasa_sdk import answer_as_rasa_sdk, real_rasa_sdk_installed
from core.sdk.executor import ActionExecutor
from tui.background_actions import BackgroundActionServer

ACTIONS = '''
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker, utils
from rasa_sdk.events import (
    ActionExecutionRejected,
    AllSlotsReset,
    EventType,
    FollowupAction,
    LoopInterrupted,
    SessionStarted,
    SlotSet,
)
from rasa_sdk.executor import Action as ExecutorAction, CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.interfaces import Action as InterfaceAction
from rasa_sdk.types import DomainDict


class ActionSessionStart(InterfaceAction):
    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        return [SessionStarted(), FollowupAction("action_listen")]


class ActionReset(ExecutorAction):
    def name(self) -> Text:
        return "action_reset"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(text="All forgotten.")
        return [AllSlotsReset()]


class CountingFormValidation(FormValidationAction):
    """Like financial-demo's CustomFormValidationAction: adds events around super().validate."""

    def name(self) -> Text:
        return "validate_pay_form"

    async def explain_amount(self, value, dispatcher, tracker, domain):
        dispatcher.utter_message(text="An amount is a number, like 20.")
        return {}

    async def validate(self, dispatcher, tracker, domain) -> List[EventType]:
        events = [SlotSet("continue", "yes")] if not tracker.get_slot("continue") else []
        events.extend(await super().validate(dispatcher, tracker, domain))
        if not any(e["name"] == "amount" and e["value"] for e in events if e["event"] == "slot"):
            await utils.call_potential_coroutine(self.explain_amount(None, dispatcher, tracker, domain))
            events += [LoopInterrupted(is_interrupted=True), ActionExecutionRejected(action_name=self.form_name())]
        return events

    def validate_amount(self, value, dispatcher, tracker, domain):
        return {"amount": value if str(value).isdigit() else None}
'''

DOMAIN = {"forms": {"pay_form": {"required_slots": ["continue", "amount"]}}, "slots": {}}


def tracker_state(slots: dict, events: list[dict]) -> dict:
    return {
        "sender_id": "t",
        "slots": slots,
        "latest_message": {"intent": {"name": "inform"}, "entities": [], "text": "x"},
        "events": events,
        "active_loop": {"name": "pay_form"},
        "latest_action_name": "action_listen",
    }


@pytest.fixture
def actions(tmp_path: Path) -> dict:
    package = tmp_path / "ported_actions"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "actions.py").write_text(textwrap.dedent(ACTIONS))
    return load_actions(str(package))


def test_rasa_sdk_imports_load_the_actions(actions):
    assert sorted(actions) == ["action_reset", "action_session_start", "validate_pay_form"]
    assert sys.modules["rasa_sdk"] is core.sdk and sys.modules["rasa_sdk.forms"] is core.sdk.forms


async def test_a_validate_override_around_super_runs_as_rasa_sdk_3_runs_it(actions):
    executor = ActionExecutor(actions)
    good = tracker_state({"amount": "20"}, [{"event": "slot", "name": "amount", "value": "20"}])
    answer = await executor.run({"next_action": "validate_pay_form", "tracker": good, "domain": DOMAIN})
    assert [(e["event"], e.get("name"), e.get("value")) for e in answer["events"]] == [
        ("slot", "continue", "yes"),
        ("slot", "amount", "20"),
    ]
    bad = tracker_state({"amount": "lots", "continue": "yes"}, [{"event": "slot", "name": "amount", "value": "lots"}])
    answer = await executor.run({"next_action": "validate_pay_form", "tracker": bad, "domain": DOMAIN})
    assert [e["event"] for e in answer["events"]] == ["slot", "loop_interrupted", "action_execution_rejected"]
    assert answer["responses"][0]["text"] == "An amount is a number, like 20."


async def test_sync_and_async_actions_from_either_module_run(actions):
    executor = ActionExecutor(actions)
    answer = await executor.run({"next_action": "action_reset", "tracker": tracker_state({}, []), "domain": DOMAIN})
    assert answer["events"][0]["event"] == "reset_slots" and answer["responses"][0]["text"] == "All forgotten."
    answer = await executor.run(
        {"next_action": "action_session_start", "tracker": tracker_state({}, []), "domain": DOMAIN}
    )
    assert [e["event"] for e in answer["events"]] == ["session_started", "followup"]


def test_an_installed_rasa_sdk_is_left_alone(monkeypatch):
    monkeypatch.delitem(sys.modules, "rasa_sdk", raising=False)
    monkeypatch.setattr("importlib.util.find_spec", lambda name: object() if name == "rasa_sdk" else None)
    assert real_rasa_sdk_installed() and not answer_as_rasa_sdk()
    assert "rasa_sdk" not in sys.modules


def test_actions_on_an_installed_rasa_sdk_are_refused_with_what_to_do(tmp_path, monkeypatch):
    fake = tmp_path / "site" / "rasa_sdk"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("class Action:\n    pass\n")
    monkeypatch.syspath_prepend(str(fake.parent))
    for name in [n for n in sys.modules if n == "rasa_sdk" or n.startswith("rasa_sdk.")]:
        monkeypatch.delitem(sys.modules, name)
    file = tmp_path / "real_sdk_actions.py"
    file.write_text("from rasa_sdk import Action\n\nclass Greet(Action):\n    def name(self):\n        return 'x'\n")
    with pytest.raises(ActionServerError) as caught:
        load_actions(str(file))
    assert "uninstall rasa-sdk" in caught.value.hint
    for name in [n for n in sys.modules if n == "rasa_sdk" or n.startswith("rasa_sdk.")]:
        monkeypatch.delitem(sys.modules, name)


def test_what_the_module_makes_on_import_serves_its_async_actions_in_the_session_server(tmp_path):
    """As under rasa-sdk, the module is imported on the thread its async actions run on: a
    sqlite3 connection made at import (financial-demo's database) works in them."""
    file = tmp_path / "db_actions.py"
    file.write_text(
        textwrap.dedent("""
        import sqlite3
        from rasa_sdk import Action
        from rasa_sdk.events import SlotSet

        DB = sqlite3.connect(":memory:")
        DB.execute("create table t (x)")

        class Count(Action):
            def name(self):
                return "action_count"

            async def run(self, dispatcher, tracker, domain):
                DB.execute("insert into t values (1)")
                return [SlotSet("rows", DB.execute("select count(*) from t").fetchone()[0])]
        """)
    )
    server = BackgroundActionServer(str(file))
    url = server.start()
    try:
        body = json.dumps({"next_action": "action_count", "tracker": tracker_state({}, []), "domain": DOMAIN})
        request = urllib.request.Request(url, body.encode(), {"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as answer:
            events = json.loads(answer.read())["events"]
    finally:
        server.stop()
    assert events[0]["name"] == "rows" and events[0]["value"] == 1
