"""Custom actions over HTTP: the client side of the Rasa SDK wire protocol.

The request is what Rasa sends (`next_action`, `sender_id`, `tracker`, `domain`, `version`); the
answer's `events` are read with our event reader and its `responses` become `BotUttered`s, a
`response` (or 1.x `template`) key being rendered from the domain's responses. Every way the
call can fail becomes an `ActionServerError` that says what happened and what to do, except a
400 naming the action, which is the SDK's ActionExecutionRejection and becomes `ActionRejected`.
The HTTP goes through the registry's `ActionClient` (one session for all calls).
"""

from __future__ import annotations

import json
from typing import Any

from core.errors import ActionServerError, DataError
from core.events import Event, events_from_dicts
from core.runtime.actions import Action, ActionContext, ActionRejected
from core.runtime.endpoints import EndpointConfig
from core.runtime.responses import UTTER_ACTION_KEY, bot_uttered
from core.tracker import DialogueStateTracker

# The Rasa version whose wire format we speak; rasa-sdk parses it, so it must look like one.
RASA_WIRE_VERSION = "3.6.21"


class RemoteAction(Action):
    def __init__(self, name: str, endpoint: EndpointConfig):
        super().__init__(name)
        self.endpoint = endpoint

    def request_body(self, tracker: DialogueStateTracker, context: ActionContext) -> dict[str, Any]:
        return {
            "next_action": self.name,
            "sender_id": tracker.sender_id,
            "tracker": tracker.as_dict(),
            "domain": context.domain.as_rasa_dict(),
            "version": RASA_WIRE_VERSION,
        }

    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        body = await self._call(self.request_body(tracker, context), context)
        return self._read_answer(body, tracker, context)

    async def _call(self, request: dict[str, Any], context: ActionContext) -> Any:
        url = self.endpoint.url
        status, text = await context.registry.client.post(self.endpoint, request, self.name)
        if status != 200:
            raise self._http_error(status, text)
        try:
            return json.loads(text)
        except ValueError:
            raise ActionServerError(
                f"the action server at {url} answered '{self.name}' with something that is not JSON: {_excerpt(text)}",
                hint="is the URL in endpoints.yml the action server's /webhook?",
            ) from None

    def _http_error(self, status: int, text: str) -> Exception:
        url = self.endpoint.url
        answer = _json_or_none(text)
        detail = answer.get("error") if isinstance(answer, dict) else None
        if status == 400 and isinstance(answer, dict) and answer.get("action_name"):
            return ActionRejected(str(answer["action_name"]), detail)
        if status == 404:
            return ActionServerError(
                f"the action server at {url} has no action '{self.name}'" + (f" ({detail})" if detail else ""),
                hint=f"define a class whose name() returns '{self.name}' in your actions module, and restart the "
                "server (or run it with --auto-reload)",
            )
        if status == 500:
            return ActionServerError(
                f"the custom action '{self.name}' failed on the action server: {detail or _excerpt(text)}",
                hint="see the action server's log for the traceback",
            )
        if status in (401, 403):
            return ActionServerError(
                f"the action server at {url} refused the call ({status})",
                hint="check `token:` under action_endpoint in endpoints.yml",
            )
        return ActionServerError(
            f"the action server at {url} answered '{self.name}' with HTTP {status}: {detail or _excerpt(text)}",
            hint="see the action server's log",
        )

    def _read_answer(self, body: Any, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        if not isinstance(body, dict):
            raise ActionServerError(
                f"the action server's answer to '{self.name}' must be a JSON object, not {type(body).__name__}",
                hint='answer {"events": [...], "responses": [...]}',
            )
        try:
            events = events_from_dicts(body.get("events") or [])
        except DataError as error:
            raise ActionServerError(
                f"the custom action '{self.name}' returned an event botcoach cannot read: {error.message}",
                hint=error.hint,
            ) from None
        responses = body.get("responses") or []
        if not isinstance(responses, list):
            raise ActionServerError(
                f"the 'responses' of '{self.name}' must be a list", hint='answer {"events": [...], "responses": [...]}'
            )
        return [*self._messages(responses, tracker, context), *events]

    def _messages(self, responses: list[Any], tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        """Each response dict as a BotUttered (Rasa's `_utter_responses`)."""
        messages: list[Event] = []
        for raw in responses:
            if not isinstance(raw, dict):
                continue
            response = dict(raw)
            name = response.pop("response", None) or response.pop("template", None)
            response.pop("template", None)
            draft: dict[str, Any] = {}
            if name:
                values = {k: v for k, v in response.items() if v is not None}
                generated = context.responses.generate(name, tracker.slots, context.channel, **values)
                if generated is None:
                    context.report(
                        ActionServerError(
                            f"the custom action '{self.name}' asked for the response '{name}', which the domain lacks",
                            hint=f"add '{name}' under `responses:` in domain.yml",
                        )
                    )
                    continue
                draft = generated
                draft[UTTER_ACTION_KEY] = name
            buttons = response.pop("buttons", None) or []
            if buttons:
                draft["buttons"] = [*(draft.get("buttons") or []), *buttons]
            draft.update({k: v for k, v in response.items() if v})
            messages.append(bot_uttered(draft))
        return messages


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _excerpt(text: str, limit: int = 200) -> str:
    text = text.strip()
    return repr(text if len(text) <= limit else text[:limit] + "...")
