"""Messages that state their own parse: `/intent`, `/intent@0.7`, `/intent{"entity": "value"}`.

Buttons and tests send these to bypass the model, as Rasa's RegexInterpreter does. The result
has the same shape as a model parse. An entity given in the JSON has no place in the text, so,
like Rasa 2.x, its `start`/`end` cover the whole JSON object ("can't be more specific"); a list
value gives one entity per element.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from core.jsonio import loads_bounded
from core.nlu.parse import Entity, IntentGuess, Parse

PREFIX = "/"
_MESSAGE = re.compile(r"^/(?P<intent>[^{@]+)(?P<confidence>@[0-9.]+)?(?P<entities>\{.+\})?(?P<rest>.*)$", re.DOTALL)


def is_intent_message(text: str) -> bool:
    return text.strip().startswith(PREFIX)


def parse_intent_message(text: str, known_intents: Collection[str] | None = None) -> Parse | None:
    """The parse dict stated by `text`, or None when `text` is not such a message (or names an
    intent outside `known_intents`, when given: then it is ordinary user text, as in Rasa 3)."""
    stripped = text.strip()
    match = _MESSAGE.match(stripped)
    if match is None:
        return None
    intent = match.group("intent").strip()
    if not intent or (known_intents is not None and intent not in known_intents):
        return None
    confidence = _confidence(match.group("confidence"))
    ranked: IntentGuess = {"name": intent, "confidence": confidence}
    return {
        "text": stripped,
        "intent": ranked.copy(),
        "intent_ranking": [ranked.copy()],
        "entities": _entities(match),
    }


def _confidence(raw: str | None) -> float:
    """`@0.7` -> 0.7; no `@` means certain; an unreadable number means 0.0; at most 1.0."""
    if raw is None:
        return 1.0
    try:
        return min(1.0, float(raw[1:]))
    except ValueError:
        return 0.0


def _entities(match: re.Match) -> list[Entity]:
    raw = match.group("entities")
    if raw is None:
        return []
    try:
        parsed = loads_bounded(raw)
    except ValueError:  # not JSON, a number too long, or nested too deep: no entities
        return []
    if not isinstance(parsed, dict):
        return []
    start, end = match.span("entities")
    entities: list[Entity] = []
    for name, values in parsed.items():
        for value in values if isinstance(values, list) else [values]:
            entities.append({"entity": name, "start": start, "end": end, "value": value})
    return entities
