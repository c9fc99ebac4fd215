"""What the runtime adds to one remote custom action: `agent.execute` of a custom action against
our own action server on loopback, next to the floor, a bare keep-alive HTTP POST of the same
request body (stdlib `http.client`, one connection) to the same server. Run:

    .venv/bin/python -m bench.agent_remote

The calls alternate, so machine noise hits both alike; the overhead is the per-pair difference.
Every call runs on a copy of the same conversation, so the request body does not grow.
"""

from __future__ import annotations

import http.client
import json
import statistics
import time

from bench.action_server import BackgroundServers, ms, percentile
from core.domain import read_domain
from core.events import ActionExecuted, SlotSet, UserUttered
from core.runtime import Agent, EndpointConfig
from core.runtime.actions import ActionContext
from core.runtime.remote import RemoteAction
from core.tracker import DialogueStateTracker

CALLS = 500
WARM_UP = 20
ACTION = "action_search"  # what bench.action_server's TrivialAction answers to
DOMAIN = read_domain(
    f"""
version: "3.1"
intents: [greet, search]
slots:
  done: {{type: bool, mappings: [{{type: custom}}]}}
responses:
  utter_greet: [{{text: "Hello!"}}]
actions: [{ACTION}]
""",
    "bench domain",
)


def conversation(agent: Agent) -> DialogueStateTracker:
    """Ten user turns, each answered: a request body of a realistic size."""
    tracker = agent.create_tracker("bench")
    for turn in range(10):
        intent = "greet" if turn % 2 else "search"
        tracker.update_all(
            [
                UserUttered(f"message {turn}", {"name": intent, "confidence": 0.9}),
                ActionExecuted("utter_greet", "bench", 0.9),
                ActionExecuted("action_listen", "bench", 0.9),
            ]
        )
    tracker.update(SlotSet("done", False))
    return tracker


def bare_post(connection: http.client.HTTPConnection, body: bytes) -> float:
    started = time.perf_counter()
    connection.request("POST", "/webhook", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"the action server answered {response.status}")
    return time.perf_counter() - started


def agent_call(agent: Agent, template: DialogueStateTracker) -> float:
    tracker = DialogueStateTracker(template.sender_id, template.slot_defaults, template.events)
    started = time.perf_counter()
    events = agent.execute(tracker, ACTION)
    elapsed = time.perf_counter() - started
    if not events or events[-1] != SlotSet("done", True):
        raise RuntimeError(f"unexpected answer: {events}")
    return elapsed


def main() -> None:
    with BackgroundServers() as servers:
        agent = Agent(DOMAIN, action_endpoint=EndpointConfig(f"http://127.0.0.1:{servers.action_port}/webhook"))
        template = conversation(agent)
        context = ActionContext(DOMAIN, agent.responses, agent.registry)
        body = json.dumps(RemoteAction(ACTION, agent.registry.action_endpoint).request_body(template, context))
        connection = http.client.HTTPConnection("127.0.0.1", servers.action_port, timeout=10)
        try:
            for _ in range(WARM_UP):
                agent_call(agent, template)
                bare_post(connection, body.encode())
            agent_times, bare_times = [], []
            for i in range(CALLS):
                if i % 2:
                    agent_times.append(agent_call(agent, template))
                    bare_times.append(bare_post(connection, body.encode()))
                else:
                    bare_times.append(bare_post(connection, body.encode()))
                    agent_times.append(agent_call(agent, template))
        finally:
            connection.close()
            agent.close()
    overhead = [a - b for a, b in zip(agent_times, bare_times)]
    print(f"request body: {len(body)} bytes, {CALLS} calls each, alternating:")
    for label, times in (
        ("agent.execute (remote)", agent_times),
        ("bare keep-alive POST", bare_times),
        ("runtime overhead", overhead),
    ):
        print(f"  {label:<23} median {ms(statistics.median(times))}  p99 {ms(percentile(times, 0.99))}")


if __name__ == "__main__":
    main()
