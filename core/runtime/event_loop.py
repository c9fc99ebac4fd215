"""The one event loop on which the runtime does its async work, whoever calls it.

Sync callers (the shell, the app's worker threads) and async callers (tests, an async channel)
both reach the action server; an HTTP session belongs to the loop it was opened on, so keeping one
session across calls needs one loop that outlives the calls. It runs in a daemon thread: between
calls it is idle but still reads the sockets, so a keep-alive connection the server closed is
dropped from the pool before the next call would pick it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """An event loop running forever in a daemon thread; coroutines are submitted to it."""

    def __init__(self, name: str = "botcoach-runtime-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def is_current(self) -> bool:
        """Whether the caller runs on this loop's thread (where waiting on it would deadlock)."""
        return threading.current_thread() is self._thread

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the loop and wait for its result, from synchronous code."""
        if self.is_current():
            coroutine.close()
            raise RuntimeError("a synchronous runtime call from the runtime's own event loop: await the async form")
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result()
        except BaseException:  # Ctrl-C in the waiting thread: stop the work too
            future.cancel()
            raise

    async def run_async(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Await `coroutine` on this loop from any loop (directly when already on it)."""
        if self.is_current():
            return await coroutine
        future: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return await asyncio.wrap_future(future)


_shared: LoopThread | None = None
_shared_pid: int | None = None
_lock = threading.Lock()


def shared_loop() -> LoopThread:
    """The process's runtime loop, started on first use (again in a forked child, whose copy of
    the parent's thread does not run)."""
    global _shared, _shared_pid
    with _lock:
        if _shared is None or _shared_pid != os.getpid():
            _shared, _shared_pid = LoopThread(), os.getpid()
        return _shared


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """`coroutine`'s result, run on the shared loop: the sync entry to the runtime's async code."""
    return shared_loop().run(coroutine)
