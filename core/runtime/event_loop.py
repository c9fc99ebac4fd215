"""Where the runtime's async code runs when a synchronous caller asks for it.

Two kinds of loop, both long-lived:
- the shared loop, one per process in a daemon thread, does every call to an action server: an
  HTTP session belongs to the loop it was opened on, so keeping one session (one kept-alive
  connection) across calls and threads needs one loop that outlives the calls. Between calls it
  is idle but still reads the sockets, so a connection the server closed leaves the pool at once;
- a loop per calling thread runs the agent's own steps (parse, predict, built-in actions) in that
  thread, with no hand-over: a hop to another thread right after torch work waits for a core
  (torch's worker threads keep spinning), which costs milliseconds on a busy machine. It is
  kept for the thread's next call (a fresh loop per call cost ~0.1 ms) and closed when the
  thread ends.
Only a remote action hands over to the shared loop, and it waits on the network anyway.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
import weakref
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
    """The process's loop for action-server calls, started on first use (again in a forked
    child, whose copy of the parent's thread does not run)."""
    global _shared, _shared_pid
    with _lock:
        if _shared is None or _shared_pid != os.getpid():
            _shared, _shared_pid = LoopThread(), os.getpid()
        return _shared


class _ThreadLoop:
    """The calling thread's own loop; threading.local drops it when the thread ends, which closes it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.pid = os.getpid()
        weakref.finalize(self, self.loop.close)


_per_thread = threading.local()


def thread_loop() -> asyncio.AbstractEventLoop:
    """The calling thread's long-lived loop (not running between calls)."""
    own: _ThreadLoop | None = getattr(_per_thread, "own", None)
    if own is None or own.pid != os.getpid() or own.loop.is_closed():
        own = _per_thread.own = _ThreadLoop()
    return own.loop


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """`coroutine`'s result, for synchronous callers: on the calling thread's own loop, or, when
    that thread already runs a loop (sync code called from async code), on the shared loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return thread_loop().run_until_complete(coroutine)
    return shared_loop().run(coroutine)
