"""Rasa 1.x forms: a FormAction on the action server does the whole loop (extraction, validation,
asking, submit); the runtime only calls it.

Two things differ from a plain custom action. The action server learns whether to validate the
user's input the way rasa_sdk 1.x reads it: `tracker.active_form.validate` (False after a
`form_validation{"validate": false}` or a `loop_interrupted`), next to the 2+/3 `active_loop`.
And the runtime keeps the bound on useless answers that the server-side loop lacks: when the
form asks for the same slot again after MAX_FAILED_ANSWERS answers in a row that filled
nothing, it ends the form with a message. A 400 from the server (ActionExecutionRejection)
reaches the agent as `ActionRejected`, which logs `action_execution_rejected`.
"""

from __future__ import annotations

from typing import Any

from core.domain import REQUESTED_SLOT
from core.events import BotUttered, Event, SlotSet
from core.runtime.actions import ActionContext
from core.runtime.endpoints import EndpointConfig
from core.runtime.remote import RemoteAction
from core.tracker import DialogueStateTracker
from forms.loop import FAILED_ANSWERS_KEY, MAX_FAILED_ANSWERS, count_failed_answers, give_up


class LegacyFormAction(RemoteAction):
    def __init__(self, name: str, endpoint: EndpointConfig, max_failed_answers: int = MAX_FAILED_ANSWERS):
        super().__init__(name, endpoint)
        self.max_failed_answers = max_failed_answers

    def request_body(self, tracker: DialogueStateTracker, context: ActionContext) -> dict[str, Any]:
        body = super().request_body(tracker, context)
        loop = tracker.active_loop
        if loop is not None:
            body["tracker"]["active_form"] = {
                "name": loop["name"],
                "validate": not loop["is_interrupted"],
                "rejected": loop["rejected"],
                "trigger_message": loop["trigger_message"],
            }
        return body

    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        events = await super().run(tracker, context)
        request = next((e for e in reversed(events) if isinstance(e, SlotSet) and e.name == REQUESTED_SLOT), None)
        if request is None or request.value is None or tracker.active_loop_name != self.name:
            return events
        failures = count_failed_answers(tracker, events, request.value)
        if failures >= self.max_failed_answers:
            kept = [e for e in events if not isinstance(e, BotUttered) and e is not request]
            return kept + give_up(self.name, request.value, failures, context, legacy=True)
        stamped = SlotSet(REQUESTED_SLOT, request.value, metadata={**request.metadata, FAILED_ANSWERS_KEY: failures})
        return [stamped if e is request else e for e in events]
