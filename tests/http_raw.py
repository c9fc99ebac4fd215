"""A real aiohttp server on a thread of its own, and a raw-socket HTTP client that sends bytes as
they are (malformed requests included) and reads exactly one answer."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from core.local_server import start_site


class Served:
    """`start_site(app)` on 127.0.0.1, a free port, served from a background thread."""

    def __init__(self, app: web.Application) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="test-server", daemon=True)
        self.thread.start()
        self.runner = asyncio.run_coroutine_threadsafe(start_site(app, "127.0.0.1", 0), self.loop).result(10)
        self.port: int = self.runner.addresses[0][1]

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(port: int, data: bytes, timeout: float = 15.0) -> Answer:
    """Send `data` and read one final answer (interim 1xx answers are skipped)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(data)
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                chunk = conn.recv(65536)
                if not chunk:
                    raise ConnectionError(f"closed without an answer; got {buffer[:200]!r}")
                buffer += chunk
            head, buffer = buffer.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            if 100 <= status < 200:
                continue
            length = int(headers.get("content-length", "0"))
            while len(buffer) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                buffer += chunk
            return Answer(status, headers, buffer[:length])


def post(port: int, path: str, body: bytes, headers: dict[str, str]) -> Answer:
    lines = [f"POST {path} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items()), f"Content-Length: {len(body)}"]
    return request(port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def closed_within(conn: socket.socket, seconds: float) -> bool:
    """Whether the server closes `conn` within `seconds` (anything it sends first is read)."""
    conn.settimeout(seconds)
    try:
        while conn.recv(65536):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True
