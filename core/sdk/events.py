"""Event helpers: functions (not classes) returning the wire dicts Rasa reads, shaped as rasa_sdk's.

They are functions with capitalised names because user code calls them like constructors
(`SlotSet("city", "Berlin")`) and compares the results as plain dicts.
"""

from __future__ import annotations

import datetime
from typing import Any

from .types import EventDict

EventType = dict[str, Any]


def UserUttered(  # noqa: N802 - rasa_sdk's public name
    text: str | None,
    parse_data: dict[str, Any] | None = None,
    timestamp: float | None = None,
    input_channel: str | None = None,
) -> EventDict:
    return {
        "event": "user",
        "timestamp": timestamp,
        "text": text,
        "parse_data": parse_data,
        "input_channel": input_channel,
    }


def BotUttered(  # noqa: N802
    text: str | None = None,
    data: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    timestamp: float | None = None,
) -> EventDict:
    return {"event": "bot", "timestamp": timestamp, "text": text, "data": data, "metadata": metadata}


def SlotSet(key: str, value: Any = None, timestamp: float | None = None) -> EventDict:  # noqa: N802
    return {"event": "slot", "timestamp": timestamp, "name": key, "value": value}


def Restarted(timestamp: float | None = None) -> EventDict:  # noqa: N802
    return {"event": "restart", "timestamp": timestamp}


def SessionStarted(timestamp: float | None = None) -> EventDict:  # noqa: N802
    return {"event": "session_started", "timestamp": timestamp}


def UserUtteranceReverted(timestamp: float | None = None) -> EventDict:  # noqa: N802
    return {"event": "rewind", "timestamp": timestamp}


def AllSlotsReset(timestamp: float | None = None) -> EventDict:  # noqa: N802
    return {"event": "reset_slots", "timestamp": timestamp}


def ReminderScheduled(  # noqa: N802
    intent_name: str,
    trigger_date_time: datetime.datetime,
    entities: list[dict[str, Any]] | dict[str, str] | None = None,
    name: str | None = None,
    kill_on_user_message: bool = True,
    timestamp: float | None = None,
) -> EventDict:
    return {
        "event": "reminder",
        "timestamp": timestamp,
        "intent": intent_name,
        "entities": entities,
        "date_time": trigger_date_time.isoformat(),
        "name": name,
        "kill_on_user_msg": kill_on_user_message,
    }


def ReminderCancelled(  # noqa: N802
    name: str | None = None,
    intent_name: str | None = None,
    entities: list[dict[str, Any]] | dict[str, str] | None = None,
    timestamp: float | None = None,
) -> EventDict:
    return {
        "event": "cancel_reminder",
        "timestamp": timestamp,
        "intent": intent_name,
        "entities": entities,
        "name": name,
    }


def ActionReverted(timestamp: float | None = None) -> EventDict:  # noqa: N802
    return {"event": "undo", "timestamp": timestamp}


def StoryExported(timestamp: float | None = None) -> EventDict:  # noqa: N802
    return {"event": "export", "timestamp": timestamp}


def FollowupAction(name: str, timestamp: float | None = None) -> EventDict:  # noqa: N802
    return {"event": "followup", "timestamp": timestamp, "name": name}


def ConversationPaused(timestamp: float | None = None) -> EventDict:  # noqa: N802
    return {"event": "pause", "timestamp": timestamp}


def ConversationResumed(timestamp: float | None = None) -> EventDict:  # noqa: N802
    return {"event": "resume", "timestamp": timestamp}


def ActionExecuted(  # noqa: N802
    action_name: str,
    policy: str | None = None,
    confidence: float | None = None,
    timestamp: float | None = None,
) -> EventDict:
    return {
        "event": "action",
        "name": action_name,
        "policy": policy,
        "confidence": confidence,
        "timestamp": timestamp,
    }


def AgentUttered(text: str | None = None, data: Any = None, timestamp: float | None = None) -> EventDict:  # noqa: N802
    return {"event": "agent", "text": text, "data": data, "timestamp": timestamp}


def ActiveLoop(name: str | None, timestamp: float | None = None) -> EventDict:  # noqa: N802
    return {"event": "active_loop", "name": name, "timestamp": timestamp}


def LoopInterrupted(is_interrupted: bool, timestamp: float | None = None) -> EventDict:  # noqa: N802
    return {"event": "loop_interrupted", "is_interrupted": is_interrupted, "timestamp": timestamp}


def ActionExecutionRejected(  # noqa: N802
    action_name: str,
    policy: str | None = None,
    confidence: float | None = None,
    timestamp: float | None = None,
) -> EventDict:
    return {
        "event": "action_execution_rejected",
        "name": action_name,
        "policy": policy,
        "confidence": confidence,
        "timestamp": timestamp,
    }


def Form(name: str | None, timestamp: float | None = None) -> EventDict:  # noqa: N802
    """Rasa 1.x's form activation event; Rasa 2+/3 still read "form" as the legacy ActiveLoop."""
    return {"event": "form", "name": name, "timestamp": timestamp}


def FormValidation(validate: bool, timestamp: float | None = None) -> EventDict:  # noqa: N802
    """Rasa 1.x's switch for validating the next user turn (the legacy LoopInterrupted, inverted)."""
    return {"event": "form_validation", "validate": validate, "timestamp": timestamp}
