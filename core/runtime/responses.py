"""Turning a domain response (`utter_greet`) into one bot message, as Rasa's templated NLG does.

A response has variations; which ones may be said depends on slot conditions and the output
channel, and one of those is picked at random (a seeded `random.Random`, so tests and replays are
deterministic). Placeholders `{slot}` are filled from the tracker's slots and any extra values
given; when a placeholder has no value, the text is left exactly as written, as Rasa does.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from typing import Any

from core.events import BotUttered

UTTER_ACTION_KEY = "utter_action"
# Keys of a variation that are the message itself (filled in); the rest says when to use it.
_CONTENT_KEYS = ("text", "image", "custom", "buttons", "attachment", "quick_replies", "elements")
_PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")


class ResponseGenerator:
    """Picks and fills the variations of the domain's responses."""

    def __init__(self, responses: Mapping[str, list[dict[str, Any]]], rng: random.Random | None = None):
        self.responses = responses
        self.rng = rng or random.Random()

    def has(self, name: str) -> bool:
        return bool(self.responses.get(name))

    def generate(
        self,
        name: str,
        slots: Mapping[str, Any],
        channel: str | None = None,
        **values: Any,
    ) -> dict[str, Any] | None:
        """The message for response `name` (text, buttons, image, custom, ... and `utter_action`),
        or None when the domain has no usable variation for it."""
        candidates = matching_variations(self.responses.get(name) or [], slots, channel)
        if not candidates:
            return None
        variation = self.rng.choice(candidates)
        fill_values = {**slots, **values}
        message = {key: fill(variation[key], fill_values) for key in _CONTENT_KEYS if key in variation}
        if variation.get("metadata"):
            message["metadata"] = dict(variation["metadata"])
        message[UTTER_ACTION_KEY] = name
        return message

    def utter(self, name: str, slots: Mapping[str, Any], channel: str | None = None, **values: Any) -> list[BotUttered]:
        """[the BotUttered for `name`], or [] when there is no such response (Rasa stays silent)."""
        message = self.generate(name, slots, channel, **values)
        return [] if message is None else [bot_uttered(message)]


def matching_variations(
    variations: list[dict[str, Any]], slots: Mapping[str, Any], channel: str | None
) -> list[dict[str, Any]]:
    """The variations Rasa would choose from: conditional ones whose conditions all hold win over
    unconditional ones; within each group, those for this channel win over channel-less ones."""
    conditional, unconditional = [], []
    for variation in variations:
        if not isinstance(variation, dict):
            continue
        if variation.get("condition"):
            if _conditions_hold(variation["condition"], slots):
                conditional.append(variation)
        else:
            unconditional.append(variation)
    for group in (conditional, unconditional):
        for_channel = [v for v in group if channel is not None and v.get("channel") == channel]
        if for_channel:
            return for_channel
        without_channel = [v for v in group if v.get("channel") is None]
        if without_channel:
            return without_channel
    return []


def _conditions_hold(conditions: Any, slots: Mapping[str, Any]) -> bool:
    """`condition: [{type: slot, name: x, value: v}, ...]`: every slot must hold its value."""
    if isinstance(conditions, dict):
        conditions = [conditions]
    if not isinstance(conditions, list):
        return False
    for condition in conditions:
        if not isinstance(condition, dict) or condition.get("type", "slot") != "slot":
            return False
        name = condition.get("name")
        if (slots.get(name) if isinstance(name, str) else None) != condition.get("value"):
            return False
    return True


def fill(value: Any, values: Mapping[str, Any]) -> Any:
    """Fills `{name}` placeholders in every string inside `value` (lists and dicts included)."""
    if isinstance(value, str):
        return fill_text(value, values)
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, values) for key, item in value.items()}
    return value


def fill_text(text: str, values: Mapping[str, Any]) -> str:
    """Rasa's `format` interpolation: `{slot}` becomes the slot's value (None prints as "None");
    if any placeholder has no value the text stays as written, and `{{x}}` stays `{x}`-escaped."""
    if "{" not in text:
        return text
    try:
        formatted = _PLACEHOLDER.sub(r"{0[\1]}", text).format(values)
    except (KeyError, IndexError, ValueError, AttributeError):
        return text
    if "0[" in formatted:  # a placeholder in double braces: format only unescaped it
        try:
            return text.format()
        except (KeyError, IndexError, ValueError):
            return text
    return formatted


def bot_uttered(message: dict[str, Any]) -> BotUttered:
    """A message dict as a `BotUttered`: text, the rich parts in `data` (Rasa's keys, an image is
    also the attachment), everything else (utter_action, extra keys) in the metadata."""
    rest = dict(message)
    text = rest.pop("text", None)
    image = rest.pop("image", None)
    data = {
        "elements": rest.pop("elements", None),
        "quick_replies": rest.pop("quick_replies", None),
        "buttons": rest.pop("buttons", None),
        "attachment": rest.pop("attachment", None) or image,
        "image": image,
        "custom": rest.pop("custom", None),
    }
    metadata = rest.pop("metadata", None) or {}
    return BotUttered(text=text, data=data, metadata={**rest, **metadata})
