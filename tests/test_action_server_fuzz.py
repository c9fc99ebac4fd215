"""Fuzz: arbitrary headers and bodies POSTed to a real action server over a raw socket. Every answer
is JSON with a 4xx code (200 only for a well-formed call of its one action), no client mistake
logs a traceback, and the server keeps answering."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.action_server import create_app
from core.sdk import Action
from tests.http_raw import Served, request


class Hello(Action):
    def name(self) -> str:
        return "action_hello"

    def run(self, dispatcher, tracker, domain):
        return []


NAMES = st.one_of(
    st.sampled_from(
        [
            "Host",
            "Content-Type",
            "Content-Length",
            "Content-Encoding",
            "Transfer-Encoding",
            "Expect",
            "Connection",
            "Origin",
            "Upgrade",
        ]
    ),
    st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=":"), min_size=1, max_size=20),
)
VALUES = st.one_of(
    st.sampled_from(
        [b"localhost", b"application/json", b"gzip", b"deflate", b"br", b"chunked", b"100-continue", b"0", b"-1"]
    ),
    st.binary(max_size=200),
)
# Headers that change how the body is read, so that the fuzzer meets them often.
PAIRS = st.sampled_from(
    [
        ("Content-Encoding", b"gzip"),
        ("Content-Encoding", b"deflate"),
        ("Content-Encoding", b"br"),
        ("Transfer-Encoding", b"chunked"),
        ("Content-Length", b"5"),
        ("Expect", b"100-continue"),
        ("Connection", b"keep-alive"),
        ("Content-Type", b"application/json; charset=latin-1"),
        ("Host", b"attacker.example"),
    ]
)
HEADERS = st.lists(st.tuples(NAMES, VALUES) | PAIRS, max_size=6)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=15), inner, max_size=5),
    max_leaves=30,
)
CALLS = st.fixed_dictionaries(
    {"next_action": st.sampled_from(["action_hello", "action_nope", "", "x" * 300]) | st.text(max_size=20)},
    optional={"tracker": JSON_VALUES, "domain": JSON_VALUES, "domain_digest": JSON_VALUES, "version": JSON_VALUES},
)
BODIES = st.one_of(
    st.binary(max_size=3000),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    CALLS.map(lambda v: json.dumps(v).encode()),
    st.integers(1, 200_000).map(lambda n: b"[" * n + b"]" * n),
)


def test_arbitrary_requests_get_json_4xx_answers_and_the_server_stays_up(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    served = Served(create_app({"action_hello": Hello()}))
    try:

        @settings(
            max_examples=500,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        )
        @example(local=True, as_json=True, headers=[("Content-Encoding", b"gzip")], body=b"not gzip")
        @given(
            local=st.booleans(),
            as_json=st.booleans(),
            headers=HEADERS,
            body=BODIES,
        )
        def one(local: bool, as_json: bool, headers: list[tuple[str, bytes]], body: bytes) -> None:
            lines = [b"POST /webhook HTTP/1.1"]
            lines += [b"Host: localhost"] if local else []
            lines += [b"Content-Type: application/json"] if as_json else []
            lines += [name.encode() + b": " + value for name, value in headers]
            lines += [b"Content-Length: " + str(len(body)).encode()]
            answer = request(served.port, b"\r\n".join(lines) + b"\r\n\r\n" + body)
            assert answer.headers.get("content-type", "").startswith("application/json"), answer
            data = answer.json()
            assert isinstance(data, dict)
            if answer.status == 200:  # only a well-formed call of the one action runs
                assert json.loads(body)["next_action"] == "action_hello" and "events" in data
            else:
                assert 400 <= answer.status < 500 and "error" in data, answer

        one()
        assert request(served.port, b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n").json() == {"status": "ok"}
    finally:
        served.close()
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert not tracebacks, tracebacks[0].getMessage()
