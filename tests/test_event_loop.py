"""The runtime's loops: a sync call reuses its thread's loop; action-server calls share one loop in a thread."""

from __future__ import annotations

import asyncio
import threading

import pytest

from core.domain import read_domain
from core.runtime import Agent, event_loop
from core.runtime.actions import Action, ActionContext
from core.tracker import DialogueStateTracker

DOMAIN = read_domain('version: "3.1"\nintents: [greet]\nactions: [action_probe]\n', "domain.yml")


def test_sync_calls_reuse_their_threads_loop_which_closes_with_the_thread():
    loops: list[asyncio.AbstractEventLoop] = []

    class Probe(Action):
        async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list:
            loops.append(asyncio.get_running_loop())
            return []

    agent = Agent(DOMAIN)
    agent.registry.register("action_probe", Probe)
    tracker = agent.tracker_for("ann")
    agent.execute(tracker, "action_probe")
    agent.execute(tracker, "action_probe")
    assert loops[0] is loops[1] and not loops[0].is_closed()  # kept for this thread's next call
    worker = threading.Thread(target=agent.execute, args=(tracker, "action_probe"))
    worker.start()
    worker.join()
    assert loops[2] is not loops[0] and loops[2].is_closed()  # the worker's went with it: no leak


def test_a_sync_call_from_the_shared_loop_itself_is_refused_not_deadlocked():
    shared = event_loop.shared_loop()

    async def nested() -> int:
        return shared.run(asyncio.sleep(0, result=1))

    with pytest.raises(RuntimeError, match="await the async form"):
        shared.run(nested())


def test_sync_code_called_from_async_code_runs_on_the_shared_loop():
    """The calling thread's loop is busy running the caller and cannot be re-entered."""
    inner: list[asyncio.AbstractEventLoop] = []

    async def where() -> None:
        inner.append(asyncio.get_running_loop())

    async def outer() -> None:
        event_loop.run(where())  # the sync API, from inside a coroutine

    event_loop.run(outer())
    assert inner == [event_loop.shared_loop().loop]


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
