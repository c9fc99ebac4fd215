"""The HTTP side of calling an action server: one aiohttp session, kept across calls.

A session per call would open a new TCP connection (and, before this, a new event loop) for
every custom action; one session on the runtime's long-lived loop keeps the connection alive
between calls. The session opens at the first call and closes with `close()` (`Agent.close()`);
a call after that opens a new one. Transport failures (no server, a timeout, a broken
connection) become `ActionServerError`s here; what an answer means is `RemoteAction`'s business.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.errors import ActionServerError
from core.runtime import event_loop
from core.runtime.endpoints import EndpointConfig

if TYPE_CHECKING:
    import aiohttp

START_HINT = "start it with `botcoach run actions` (or check action_endpoint in endpoints.yml)"


class ActionClient:
    """POSTs to action servers through one HTTP session on the shared runtime loop."""

    def __init__(self, loop: event_loop.LoopThread | None = None) -> None:
        self._loop = loop
        self._session: aiohttp.ClientSession | None = None

    @property
    def loop(self) -> event_loop.LoopThread:
        if self._loop is None:
            self._loop = event_loop.shared_loop()
        return self._loop

    async def post(self, endpoint: EndpointConfig, request: dict[str, Any], action_name: str) -> tuple[int, str]:
        """The status and text of the answer to `request`, from whichever loop calls it."""
        return await self.loop.run_async(self._post(endpoint, request, action_name))

    def close(self) -> None:
        """Close the session (and its connections); nothing to do when none was opened."""
        if self._session is not None:
            self.loop.run(self._close())

    async def _close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def _post(self, endpoint: EndpointConfig, request: dict[str, Any], action_name: str) -> tuple[int, str]:
        import aiohttp  # noqa: PLC0415 - ~0.3 s to import: only a bot that calls a custom action pays it

        url = endpoint.url
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        timeout = aiohttp.ClientTimeout(total=endpoint.timeout)
        try:
            async with self._session.post(url, json=request, params=endpoint.params, timeout=timeout) as response:
                return response.status, await response.text(errors="replace")
        except TimeoutError:
            raise ActionServerError(
                f"the action server at {url} did not answer '{action_name}' within {endpoint.timeout:g} s",
                hint="make the action faster, or raise `timeout:` under action_endpoint in endpoints.yml",
            ) from None
        except aiohttp.ClientConnectionError as error:
            raise ActionServerError(
                f"the action server at {url} is not running: start it with `botcoach run actions` "
                f"(the custom action '{action_name}' could not run: {error})",
                hint="if it runs elsewhere, correct the url under action_endpoint in endpoints.yml",
            ) from None
        except aiohttp.ClientError as error:
            raise ActionServerError(
                f"calling the action server at {url} for '{action_name}' failed: {error}", hint=START_HINT
            ) from None
