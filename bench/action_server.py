"""Action server speed: latency per /webhook call, its overhead over a bare aiohttp endpoint that
does the same JSON work, and throughput at a bounded concurrency. Run:

    .venv/bin/python -m bench.action_server

Both servers run in one background thread's event loop and the calls to them alternate, so
machine noise hits both alike; the overhead is the per-pair difference.
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import threading
import time

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web

from bench.common import SHARED
from core.action_server import create_app
from core.sdk import Action
from core.sdk.events import SlotSet

N_SEQUENTIAL = 2000
N_CONCURRENT = 2000
CONCURRENCY = 16
THROUGHPUT_ROUNDS = 3  # alternating action/echo rounds; the median of each is reported
REQUEST_FILE = SHARED / "compat" / "rasa-sdk" / "request_rasa3.6.21.json"


class TrivialAction(Action):
    def name(self) -> str:
        return "action_search"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="ok")
        return [SlotSet("done", True)]


async def echo(request: web.Request) -> web.Response:
    """The floor: parse the same body and answer a same-shaped JSON, with no SDK in between."""
    body = json.loads(await request.read())
    return web.json_response({"events": [], "responses": [{"text": body["next_action"]}]})


def request_body() -> bytes:
    if REQUEST_FILE.exists():
        return REQUEST_FILE.read_bytes()
    return json.dumps(
        {
            "next_action": "action_search",
            "sender_id": "bench",
            "version": "3.6.21",
            "tracker": {"sender_id": "bench", "slots": {}, "events": []},
            "domain": {},
        }
    ).encode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BackgroundServers:
    """The action server and the echo server on loopback, in a thread with its own loop."""

    def __init__(self) -> None:
        self.action_port, self.echo_port = free_port(), free_port()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.runners: list[web.AppRunner] = []

    def __enter__(self) -> BackgroundServers:
        self.thread.start()
        if not self.ready.wait(timeout=10):
            raise RuntimeError("benchmark servers did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self.ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        echo_app = web.Application()
        echo_app.router.add_post("/webhook", echo)
        apps = [(create_app({"action_search": TrivialAction()}), self.action_port), (echo_app, self.echo_port)]
        for app, port in apps:
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            self.runners.append(runner)

    async def _stop(self) -> None:
        for runner in self.runners:
            await runner.cleanup()


async def timed_post(session: ClientSession, url: str, body: bytes) -> float:
    started = time.perf_counter()
    async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
    return time.perf_counter() - started


async def sequential(action_url: str, echo_url: str, body: bytes) -> tuple[list[float], list[float]]:
    action_times, echo_times = [], []
    async with ClientSession(timeout=ClientTimeout(total=10)) as session:
        for _ in range(50):  # warm-up: connections, first imports
            await timed_post(session, action_url, body)
            await timed_post(session, echo_url, body)
        for i in range(N_SEQUENTIAL):
            first, second = (action_url, echo_url) if i % 2 == 0 else (echo_url, action_url)
            a = await timed_post(session, first, body)
            b = await timed_post(session, second, body)
            action_times.append(a if first == action_url else b)
            echo_times.append(b if first == action_url else a)
    return action_times, echo_times


async def throughput(url: str, body: bytes) -> float:
    remaining = iter(range(N_CONCURRENT))
    connector = TCPConnector(limit=CONCURRENCY)
    async with ClientSession(connector=connector, timeout=ClientTimeout(total=10)) as session:

        async def worker() -> None:
            for _ in remaining:
                await timed_post(session, url, body)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return N_CONCURRENT / (time.perf_counter() - started)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


async def measure(servers: BackgroundServers) -> None:
    body = request_body()
    action_url = f"http://127.0.0.1:{servers.action_port}/webhook"
    echo_url = f"http://127.0.0.1:{servers.echo_port}/webhook"
    action_times, echo_times = await sequential(action_url, echo_url, body)
    overhead = [a - e for a, e in zip(action_times, echo_times)]
    rounds = [(await throughput(action_url, body), await throughput(echo_url, body)) for _ in range(THROUGHPUT_ROUNDS)]
    action_rps = statistics.median(a for a, _ in rounds)
    echo_rps = statistics.median(e for _, e in rounds)
    print(f"request body: {len(body)} bytes ({'Rasa 3.6 capture' if REQUEST_FILE.exists() else 'synthetic'})")
    print(f"sequential, {N_SEQUENTIAL} calls each, alternating:")
    print(f"  action server  median {ms(statistics.median(action_times))}  p99 {ms(percentile(action_times, 0.99))}")
    print(f"  bare echo      median {ms(statistics.median(echo_times))}  p99 {ms(percentile(echo_times, 0.99))}")
    print(f"  overhead       median {ms(statistics.median(overhead))}  p99 {ms(percentile(overhead, 0.99))}")
    print(f"concurrency {CONCURRENCY}, {N_CONCURRENT} calls, median of {THROUGHPUT_ROUNDS} alternating rounds:")
    print(f"  action server  {action_rps:,.0f} requests/s")
    print(f"  bare echo      {echo_rps:,.0f} requests/s  (action/echo = {action_rps / echo_rps:.2f})")


def main() -> None:
    with BackgroundServers() as servers:
        asyncio.run(measure(servers))


if __name__ == "__main__":
    main()
