"""What NLU understood of one message, typed as the JSON it is on the wire.

Rasa's parse result is a JSON object that tracker stores, action servers and HTTP clients all
exchange; keeping it a (typed) dict means it crosses those seams as it is, while the type checker
knows its keys.
"""

from __future__ import annotations

from typing import Any, TypedDict


class IntentGuess(TypedDict):
    name: str | None
    confidence: float


class Entity(TypedDict, total=False):
    entity: str
    value: Any
    start: int
    end: int
    role: str
    group: str
    extractor: str
    confidence_entity: float


class Parse(TypedDict, total=False):
    text: str
    intent: IntentGuess
    intent_ranking: list[IntentGuess]
    entities: list[Entity]
    response_selector: dict[str, Any]
    message_id: str
    metadata: dict[str, Any]


def intent_name(parse: Parse) -> str | None:
    guess = parse.get("intent")
    return guess.get("name") if guess else None
