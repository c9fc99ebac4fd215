"""The runtime's one event loop: sync calls from any thread run on it, and it outlives them."""

from __future__ import annotations

import asyncio
import threading

import pytest

from core.domain import read_domain
from core.runtime import Agent, event_loop
from core.runtime.actions import Action, ActionContext
from core.tracker import DialogueStateTracker

DOMAIN = read_domain('version: "3.1"\nintents: [greet]\nactions: [action_probe]\n', "domain.yml")


def test_sync_calls_from_any_thread_run_on_one_long_lived_loop():
    loops: list[asyncio.AbstractEventLoop] = []

    class Probe(Action):
        async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list:
            loops.append(asyncio.get_running_loop())
            return []

    agent = Agent(DOMAIN)
    agent.registry.register("action_probe", Probe)
    tracker = agent.tracker_for("ann")
    agent.execute(tracker, "action_probe")
    worker = threading.Thread(target=agent.execute, args=(tracker, "action_probe"))
    worker.start()
    worker.join()
    agent.execute(tracker, "action_probe")
    assert len(loops) == 3 and loops[0] is loops[1] is loops[2]
    assert loops[0].is_running()  # still there for the next call, with the HTTP session on it


def test_a_sync_call_from_the_loop_itself_is_refused_not_deadlocked():
    async def nested() -> int:
        return event_loop.run(asyncio.sleep(0, result=1))

    with pytest.raises(RuntimeError, match="await the async form"):
        event_loop.run(nested())


async def test_async_callers_on_another_loop_await_work_on_the_shared_loop():
    shared = event_loop.shared_loop()

    async def where() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    assert await shared.run_async(where()) is shared.loop is not asyncio.get_running_loop()
    assert event_loop.run(where()) is shared.loop


def test_an_error_reaches_the_caller():
    async def fail() -> None:
        raise ValueError("from the loop")

    with pytest.raises(ValueError, match="from the loop"):
        event_loop.run(fail())
