"""Type names user actions annotate with, spelled as rasa_sdk spells them so imports port one to one."""

from __future__ import annotations

from typing import Any

DomainDict = dict[str, Any]
"""The bot's domain as Rasa sends it in the action request (intents, entities, slots, forms...)."""

TrackerState = dict[str, Any]
"""The `tracker` object of an action request: sender_id, slots, latest_message, events..."""

EventDict = dict[str, Any]
"""One event in Rasa's wire format: always an "event" key naming its type."""
