"""The form action of Rasa 2/3 forms: the loop that asks for each required slot in turn.

One run does one step, as Rasa's FormAction does: activate (`active_loop`, validate slots that
were filled before), or validate what the user's answer filled (through the domain's
`validate_<form>` custom action when there is one), then ask for the next empty slot with the
first of action_ask_<form>_<slot>, utter_ask_<form>_<slot>, action_ask_<slot>, utter_ask_<slot>
the domain has, or finish (`requested_slot: null`, `active_loop: null`).

An answer that fills no slot at all rejects the run (`ActionRejected`) so the policies can pick
an unhappy-path action. After an unhappy path (`is_interrupted`) the form does not validate and
does not use the input for the slot it asks for. A form that asks for the same slot after
MAX_FAILED_ANSWERS useless answers in a row gives up with a message instead of asking forever.
"""

from __future__ import annotations

from typing import Any

from core.domain import REQUESTED_SLOT, Domain
from core.errors import BotcoachError
from core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    BotUttered,
    Event,
    FollowupAction,
    Form,
    SlotSet,
)
from core.runtime.actions import Action, ActionContext, ActionRejected
from core.tracker import ACTION_LISTEN, DialogueStateTracker
from forms.extraction import extract_slots, slots_set_since_user, value_before_user

MAX_FAILED_ANSWERS = 3
FAILED_ANSWERS_KEY = "failed_answers"  # metadata of the form's SlotSet(requested_slot): the count so far
GAVE_UP_KEY = "form_gave_up"  # metadata of the give-up message: form, slot, answers


def validation_action_name(form: str) -> str:
    return f"validate_{form}"


def required_slots(domain: Domain, form: str) -> list[str]:
    spec = domain.forms.get(form)
    return list(spec.required_slots or []) if spec else []


class FormLoopAction(Action):
    def __init__(self, name: str, max_failed_answers: int = MAX_FAILED_ANSWERS):
        super().__init__(name)
        self.max_failed_answers = max_failed_answers

    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        events: list[Event] = []
        if tracker.active_loop_name != self.name:
            events.append(ActiveLoop(self.name))
            events += await self._activate(tracker, events, context)
        else:
            events += await self._take_answer(tracker, context)
        if any(isinstance(e, ActionExecutionRejected) for e in events):
            return events  # the validation action refused this input itself
        if not is_done(events):
            events += await self._request_next_slot(tracker, events, context)
        if is_done(events) and not _deactivates(events):
            events.append(ActiveLoop(None))
        return events

    # -- activation and answers -------------------------------------------------------------

    async def _activate(
        self, tracker: DialogueStateTracker, so_far: list[Event], context: ActionContext
    ) -> list[Event]:
        """Slots filled before the form started are validated like answers."""
        prefilled = {
            slot: tracker.get_slot(slot)
            for slot in required_slots(context.domain, self.name)
            if tracker.get_slot(slot) is not None
        }
        return await self.validate_slots(prefilled, tracker, so_far, context)

    async def _take_answer(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        after_user = tracker.latest_action_name == ACTION_LISTEN
        if not after_user or tracker.is_active_loop_interrupted:
            events: list[Event] = []
            if after_user and requested and requested in slots_set_since_user(tracker):
                events.append(SlotSet(requested, value_before_user(tracker, requested)))  # input not used
            return events + await self.validate_slots({}, tracker, events, context)
        names = required_slots(context.domain, self.name)
        candidates = slots_set_since_user(tracker, names if names else None)
        if requested and requested not in candidates:
            # extraction skipped it while the loop stood rejected; the form runs on it now
            candidates.update(extract_slots(tracker, context.domain, only=[requested], ignore_rejection=True))
        events = await self.validate_slots(candidates, tracker, [], context)
        filled = any(isinstance(e, SlotSet) and e.name != REQUESTED_SLOT for e in events)
        rejected = any(isinstance(e, ActionExecutionRejected) for e in events)
        if requested and not filled and not rejected:
            raise ActionRejected(self.name, f"the answer fills no slot of '{self.name}', which asked for '{requested}'")
        return events

    async def validate_slots(
        self, candidates: dict[str, Any], tracker: DialogueStateTracker, so_far: list[Event], context: ActionContext
    ) -> list[Event]:
        """SlotSets for the candidates, as `validate_<form>` changed or rejected them (None)."""
        events: list[Event] = [SlotSet(slot, value) for slot, value in candidates.items()]
        name = validation_action_name(self.name)
        if name not in context.domain.action_names_or_texts:
            return events
        # Rasa's temporary tracker: the form ran, then the candidates: what the SDK validates
        seen = DialogueStateTracker(
            tracker.sender_id,
            tracker.slot_defaults,
            [*tracker.events, *so_far, ActionExecuted(self.name), *events],
        )
        validated = await context.registry.resolve(name).run(seen, context)
        touched = {e.name for e in validated if isinstance(e, SlotSet)}
        return [*validated, *(e for e in events if isinstance(e, SlotSet) and e.name not in touched)]

    # -- asking -------------------------------------------------------------------------------

    async def _request_next_slot(
        self, tracker: DialogueStateTracker, so_far: list[Event], context: ActionContext
    ) -> list[Event]:
        updated = DialogueStateTracker(tracker.sender_id, tracker.slot_defaults, [*tracker.events, *so_far])
        chosen = _last_requested(so_far)  # a validation action may pick the next slot itself
        if chosen is None:
            slot = next((s for s in required_slots(context.domain, self.name) if updated.get_slot(s) is None), None)
        else:
            slot = chosen.value
        if slot is None:
            return [] if chosen is not None else [SlotSet(REQUESTED_SLOT, None)]
        failures = count_failed_answers(tracker, so_far, slot)
        if failures >= self.max_failed_answers:
            return give_up(self.name, slot, failures, context)
        request = SlotSet(REQUESTED_SLOT, slot, metadata={FAILED_ANSWERS_KEY: failures})
        updated.update(request)
        asked = await self._ask(slot, updated, context)
        return ([] if chosen is not None else [request]) + asked

    async def _ask(self, slot: str, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        known = set(context.domain.action_names_or_texts)
        candidates = [
            f"action_ask_{self.name}_{slot}",
            f"utter_ask_{self.name}_{slot}",
            f"action_ask_{slot}",
            f"utter_ask_{slot}",
        ]
        action = next((name for name in candidates if name in known), f"utter_ask_{slot}")
        return await context.registry.resolve(action).run(tracker, context)


# -- shared with the 1.x form ----------------------------------------------------------------


def is_done(events: list[Event]) -> bool:
    """The latest requested_slot set to None, or the loop deactivated (a validation action may
    end the form early either way)."""
    request = _last_requested(events)
    return (request is not None and request.value is None) or _deactivates(events)


def _deactivates(events: list[Event]) -> bool:
    loop = next((e for e in reversed(events) if isinstance(e, ActiveLoop)), None)
    return loop is not None and loop.name is None


def _last_requested(events: list[Event]) -> SlotSet | None:
    return next((e for e in reversed(events) if isinstance(e, SlotSet) and e.name == REQUESTED_SLOT), None)


def count_failed_answers(tracker: DialogueStateTracker, new_events: list[Event], slot: str) -> int:
    """How many user answers in a row have left `slot` empty while the form asked for it,
    counting the current one. Re-asking after a side question (not after user input) neither
    counts nor resets; any answer that fills a slot resets the count."""
    if tracker.get_slot(REQUESTED_SLOT) != slot:
        return 0
    previous = _last_requested(tracker.applied_events(collapse_loops=False))
    count = previous.metadata.get(FAILED_ANSWERS_KEY, 0) if previous is not None else 0
    if tracker.latest_action_name != ACTION_LISTEN:
        return count if isinstance(count, int) else 0
    others = (REQUESTED_SLOT, slot)
    validated = any(
        isinstance(e, SlotSet) and e.name not in others and e.value is not None and e.value != tracker.get_slot(e.name)
        for e in new_events
    )
    extracted = any(
        name not in others and value is not None and value != value_before_user(tracker, name)
        for name, value in slots_set_since_user(tracker).items()
    )
    return 0 if validated or extracted else (count if isinstance(count, int) else 0) + 1


def give_up(form: str, slot: str, answers: int, context: ActionContext, legacy: bool = False) -> list[Event]:
    """End the form with a message that says why, report it to the person running the bot, and
    listen next: to the policies a deactivated form looks like a submitted one."""
    context.report(
        BotcoachError(
            f"the form '{form}' asked for '{slot}' and got no usable answer {answers} times in a row, so it stopped",
            hint=f"check the mappings and the validation of '{slot}', or teach a story for this situation",
        )
    )
    message = BotUttered(
        text=f"Sorry, I still could not get your {slot.replace('_', ' ')} after {answers} tries, "
        "so I stopped this form.",
        metadata={GAVE_UP_KEY: {"form": form, "slot": slot, "answers": answers}},
    )
    end = Form(None) if legacy else ActiveLoop(None)
    return [message, SlotSet(REQUESTED_SLOT, None), end, FollowupAction(ACTION_LISTEN)]
