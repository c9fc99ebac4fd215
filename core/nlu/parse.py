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


def base_ranking(full_ranking: list[IntentGuess]) -> list[IntentGuess]:
    """The ranking with retrieval intents (`faq/ask_name`) summed into their base intent (`faq`)."""
    totals: dict[str, float] = {}
    for entry in full_ranking:
        base = (entry["name"] or "").split("/", 1)[0]
        totals[base] = totals.get(base, 0.0) + entry["confidence"]
    return [IntentGuess(name=n, confidence=p) for n, p in sorted(totals.items(), key=lambda kv: -kv[1])]


def response_selector(full_ranking: list[IntentGuess]) -> dict[str, Any]:
    """Rasa's `response_selector` entry, one selector per retrieval intent."""
    by_base: dict[str, list[IntentGuess]] = {}
    for entry in full_ranking:
        name = entry["name"] or ""
        if "/" in name:
            by_base.setdefault(name.split("/", 1)[0], []).append(entry)
    if not by_base:
        return {}
    selector: dict[str, Any] = {"all_retrieval_intents": sorted(by_base)}
    for base, entries in by_base.items():
        total = sum(e["confidence"] for e in entries) or 1.0
        ranking = [{"intent_response_key": e["name"], "confidence": e["confidence"] / total} for e in entries]
        best = ranking[0]
        selector[base] = {
            "response": {
                "intent_response_key": best["intent_response_key"],
                "utter_action": f"utter_{best['intent_response_key']}",
                "confidence": best["confidence"],
            },
            "ranking": ranking,
        }
    return selector
