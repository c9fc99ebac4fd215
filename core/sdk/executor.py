"""Runs one action request: the dispatcher that collects bot messages, and the executor that maps
Rasa's request to an action and its answer to `{"events": [...], "responses": [...]}`."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import Mapping
from typing import Any

from .interfaces import Action, ActionMissingDomainException, ActionNotFoundException, Tracker
from .types import DomainDict, EventDict

logger = logging.getLogger(__name__)


class CollectingDispatcher:
    """Collects the messages an action wants sent; Rasa turns each into a `BotUttered`."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def utter_message(
        self,
        text: str | None = None,
        image: str | None = None,
        json_message: dict[str, Any] | None = None,
        response: str | None = None,
        attachment: str | None = None,
        buttons: list[dict[str, Any]] | None = None,
        elements: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        """Queue one message. `response` names a domain response (`utter_...`) to render; the old
        keyword `template` is accepted too. Extra keywords travel with the message (e.g. slot
        values used to fill the response's placeholders)."""
        if response is None and "template" in kwargs:
            response = kwargs.pop("template")
        message = {
            "text": text,
            "buttons": buttons or [],
            "elements": elements or [],
            "custom": json_message or {},
            "template": response,
            "response": response,
            "image": image,
            "attachment": attachment,
        }
        message.update(kwargs)
        self.messages.append(message)


class ActionExecutor:
    """The registry of hosted actions and the code path of one `/webhook` call."""

    def __init__(self, actions: Mapping[str, Action] | None = None) -> None:
        self.actions: dict[str, Action] = dict(actions or {})
        self.domain: DomainDict | None = None
        self.domain_digest: str | None = None

    def register_action(self, action: Action | type[Action]) -> None:
        """Host an action (instance or class); a later registration under the same name wins."""
        instance = action() if inspect.isclass(action) else action
        if not isinstance(instance, Action):
            raise TypeError(f"{action!r} is not an Action: subclass core.sdk.Action")
        self.actions[instance.name()] = instance

    def replace_actions(self, actions: Mapping[str, Action]) -> None:
        """Swap the whole registry at once (auto-reload), so no request sees half of it."""
        self.actions = dict(actions)

    def list_actions(self) -> list[dict[str, str]]:
        return [{"name": name} for name in self.actions]

    def _domain_for(self, action_call: Mapping[str, Any], action_name: str) -> DomainDict:
        """The request's domain, else the cached one when the digest still matches (Rasa 3.7+
        sends the domain only when it changed)."""
        domain = action_call.get("domain")
        digest = action_call.get("domain_digest")
        if isinstance(domain, dict):
            self.domain, self.domain_digest = domain, digest
            return domain
        if digest is None and "domain_digest" not in action_call:
            return self.domain or {}
        if self.domain is not None and digest == self.domain_digest:
            return self.domain
        raise ActionMissingDomainException(action_name)

    async def run(self, action_call: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
        """Run `action_call["next_action"]` and return the webhook answer.

        Raises ActionNotFoundException, ActionMissingDomainException, or whatever the action
        raises (ActionExecutionRejection included): the HTTP layer maps each to a status.
        """
        action_name = action_call["next_action"]
        action = self.actions.get(action_name)
        if action is None:
            raise ActionNotFoundException(action_name)
        domain = self._domain_for(action_call, action_name)
        tracker = Tracker.from_dict(action_call.get("tracker") or {})
        dispatcher = CollectingDispatcher()
        events = await call_action(action, dispatcher, tracker, domain)
        return {"events": valid_events(events, action_name), "responses": dispatcher.messages}


async def call_action(action: Action, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Any:
    """Await an async `run`; run a sync one in the default thread pool so the loop stays free."""
    if inspect.iscoroutinefunction(action.run):
        result = await action.run(dispatcher, tracker, domain)
    else:
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(None, functools.partial(action.run, dispatcher, tracker, domain))
    if inspect.isawaitable(result):
        result = await result
    return result


async def maybe_await(value: Any) -> Any:
    """Let user hooks (validate_<slot>, extract_<slot>, submit...) be sync or async."""
    return await value if inspect.isawaitable(value) else value


def valid_events(events: Any, action_name: str) -> list[EventDict]:
    """Keep only event dicts with an "event" key; log and drop anything else, as rasa_sdk does."""
    if not events:
        return []
    if isinstance(events, dict) or not isinstance(events, (list, tuple)):
        logger.error("Action '%s' returned %r instead of a list of events; ignored.", action_name, events)
        return []
    kept = []
    for event in events:
        if isinstance(event, dict) and event.get("event"):
            kept.append(event)
        else:
            logger.error(
                "Action '%s' returned an invalid event %r; ignored. Use the helpers in core.sdk.events.",
                action_name,
                event,
            )
    return kept
