"""Reading `endpoints.yml`: where the action server is (`action_endpoint: {url, token}`).

As in Rasa, a missing endpoints file means "no endpoints" (a bot without custom actions needs
none), and `${NAME}` in a value is replaced by the environment variable NAME.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import DataError
from core.yamlio import load_yaml, location_of, read_text

DEFAULT_ACTION_TIMEOUT = 10.0  # seconds one custom action may take before the turn goes on
_ENV_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_HINT = 'write it as:\naction_endpoint:\n  url: "http://localhost:5055/webhook"'


@dataclass(frozen=True)
class EndpointConfig:
    """One HTTP endpoint: its URL, an optional token (sent as `?token=`) and a timeout."""

    url: str
    token: str | None = None
    timeout: float = DEFAULT_ACTION_TIMEOUT

    @property
    def params(self) -> dict[str, str]:
        return {"token": self.token} if self.token else {}


@dataclass(frozen=True)
class Endpoints:
    action: EndpointConfig | None = None
    file: str | None = None


def load_endpoints(path: str | Path | None) -> Endpoints:
    """The endpoints in `path`; an absent path or file gives no endpoints at all."""
    if path is None or not Path(path).is_file():
        return Endpoints()
    return read_endpoints(read_text(path), str(path))


def read_endpoints(text: str, file: str | None = None) -> Endpoints:
    data = load_yaml(text, file)
    if data is None:
        return Endpoints(file=file)
    if not isinstance(data, dict):
        raise DataError("an endpoints file must be a mapping of endpoint names", location_of(data, None, file), _HINT)
    spec = data.get("action_endpoint")
    if spec is None:
        return Endpoints(file=file)
    if not isinstance(spec, dict):
        raise DataError(
            "`action_endpoint` must be a mapping with a `url`", location_of(data, "action_endpoint", file), _HINT
        )
    return Endpoints(action=_endpoint(spec, file), file=file)


def _endpoint(spec: dict, file: str | None) -> EndpointConfig:
    url = _expand(spec.get("url"))
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise DataError(
            f"the action endpoint's `url` must be an http:// or https:// address, not {url!r}",
            location_of(spec, "url" if "url" in spec else None, file),
            _HINT,
        )
    token = _expand(spec.get("token"))
    timeout = spec.get("timeout", DEFAULT_ACTION_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise DataError(
            f"the action endpoint's `timeout` must be a positive number of seconds, not {timeout!r}",
            location_of(spec, "timeout", file),
            "write e.g. `timeout: 10`",
        )
    return EndpointConfig(url=url, token=None if token is None else str(token), timeout=float(timeout))


def _expand(value: Any) -> Any:
    """`${NAME}` -> the environment variable NAME; an unset variable is an error, as in Rasa."""
    if not isinstance(value, str):
        return value

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise DataError(
                f"endpoints file: the environment variable '{name}' is not set",
                hint=f"set it (export {name}=...) or write the value itself",
            )
        return os.environ[name]

    return _ENV_VARIABLE.sub(replace, value)
