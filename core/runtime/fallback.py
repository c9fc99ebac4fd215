"""The two-stage fallback: when NLU is unsure, ask "did you mean X?", then ask to rephrase, then
give up; once the user is clear, the conversation continues as if the first message had been
understood (the clarification turns are rewound and the message is restated).

Simplified from Rasa 3's loop, but with its moves: the affirmation's "Yes" button sends the
suggested intent, "No" sends `/out_of_scope`; a message that is neither `nlu_fallback` nor
`out_of_scope` counts as clarified.
"""

from __future__ import annotations

from core.domain.items import NLU_FALLBACK_INTENT
from core.events import ActionExecuted, ActiveLoop, BotUttered, Event, UserUtteranceReverted, UserUttered
from core.runtime.actions import Action, ActionContext, DefaultFallbackAction
from core.runtime.responses import UTTER_ACTION_KEY, bot_uttered
from core.tracker import ACTION_LISTEN, DialogueStateTracker

OUT_OF_SCOPE_INTENT = "out_of_scope"
ASK_AFFIRMATION = "action_default_ask_affirmation"
ASK_REPHRASE = "action_default_ask_rephrase"
TWO_STAGE_FALLBACK = "action_two_stage_fallback"
_UNCLEAR = (NLU_FALLBACK_INTENT, OUT_OF_SCOPE_INTENT)


class AskAffirmationAction(Action):
    """ "Did you mean 'X'?" with Yes (`/X`) and No (`/out_of_scope`) buttons."""

    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        intent = _intent_to_affirm(tracker)
        return [
            bot_uttered(
                {
                    "text": f"Did you mean '{intent}'?",
                    "buttons": [
                        {"title": "Yes", "payload": f"/{intent}"},
                        {"title": "No", "payload": f"/{OUT_OF_SCOPE_INTENT}"},
                    ],
                    UTTER_ACTION_KEY: ASK_AFFIRMATION,
                }
            )
        ]


class AskRephraseAction(Action):
    """Says `utter_ask_rephrase`, or a plain request to rephrase when the domain has none."""

    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        messages = context.utter("utter_ask_rephrase", tracker)
        if not messages:
            messages = [bot_uttered({"text": "I'm not sure I understood. Could you say it another way?"})]
        return [_marked(message, ASK_REPHRASE) for message in messages]


class TwoStageFallbackAction(Action):
    """A loop: affirm, then rephrase, then affirm the rephrasing, then give up."""

    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        affirm = AskAffirmationAction(ASK_AFFIRMATION)
        if tracker.active_loop_name != self.name:
            return [ActiveLoop(self.name), *await affirm.run(tracker, context)]
        if _latest_intent(tracker) not in _UNCLEAR:
            return clarified(tracker) or [ActiveLoop(None)]
        asked = _questions_since_activation(tracker, self.name)
        if asked and asked[-1] == ASK_REPHRASE:
            return await affirm.run(tracker, context)
        if ASK_REPHRASE in asked:
            give_up = await DefaultFallbackAction("action_default_fallback").run(tracker, context)
            return [ActiveLoop(None), *give_up]
        return await AskRephraseAction(ASK_REPHRASE).run(tracker, context)


class RevertFallbackEventsAction(Action):
    """After the user clarified (1.x TwoStageFallbackPolicy): undo the clarification turns and
    restate the first message with the clarified intent."""

    async def run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        return clarified(tracker)


def clarified(tracker: DialogueStateTracker) -> list[Event]:
    """Rewind every user message since the one that needed clarifying, then listen and restate
    it with the latest message's intent (confidence 1) and both messages' entities."""
    chain = _clarification_chain(tracker)
    if len(chain) < 2:
        return []
    original, latest = chain[0], chain[-1]
    intent = {**latest.intent, "confidence": 1.0}
    entities = list(original.entities) + [e for e in latest.entities if e not in original.entities]
    restated = UserUttered(
        text=original.text,
        intent=intent,
        entities=entities,
        parse_data={**original.parse_data, "intent_ranking": [intent]},
        input_channel=original.input_channel,
        message_id=original.message_id,
        metadata=dict(original.metadata),
    )
    return [*(UserUtteranceReverted() for _ in chain), ActionExecuted(ACTION_LISTEN), restated]


def _clarification_chain(tracker: DialogueStateTracker) -> list[UserUttered]:
    """The user messages of the ongoing clarification, the unclear one first and the latest last
    ([] when there is none): each message after the first answers an affirmation or rephrase
    question, i.e. the bot's last message before it was one."""
    chain: list[UserUttered] = []
    questioned = seen_bot = False
    for event in reversed(tracker.applied_events(collapse_loops=False)):
        if isinstance(event, UserUttered):
            if chain and not questioned:
                break
            chain.insert(0, event)
            questioned = seen_bot = False
        elif isinstance(event, BotUttered) and chain and not seen_bot:
            seen_bot = True
            questioned = event.metadata.get(UTTER_ACTION_KEY) in (ASK_AFFIRMATION, ASK_REPHRASE)
    return chain if len(chain) > 1 else []


def _questions_since_activation(tracker: DialogueStateTracker, loop: str) -> list[str]:
    asked: list[str] = []
    for event in reversed(tracker.applied_events(collapse_loops=False)):
        if isinstance(event, ActiveLoop) and event.name == loop:
            break
        if isinstance(event, BotUttered) and event.metadata.get(UTTER_ACTION_KEY) in (ASK_AFFIRMATION, ASK_REPHRASE):
            asked.insert(0, event.metadata[UTTER_ACTION_KEY])
    return asked


def _latest_intent(tracker: DialogueStateTracker) -> str | None:
    message = tracker.latest_message
    return message.intent_name if message else None


def _intent_to_affirm(tracker: DialogueStateTracker) -> str:
    """The intent NLU thought most likely, skipping `nlu_fallback` itself."""
    message = tracker.latest_message
    if message is None:
        return OUT_OF_SCOPE_INTENT
    ranking = message.full_parse_data.get("intent_ranking") or [message.intent]
    for entry in ranking:
        name = entry.get("name") if isinstance(entry, dict) else None
        if name and name != NLU_FALLBACK_INTENT:
            return name
    return message.intent_name or OUT_OF_SCOPE_INTENT


def _marked(message: BotUttered, utter_action: str) -> BotUttered:
    return BotUttered(
        text=message.text, data=message.data, metadata={**message.metadata, UTTER_ACTION_KEY: utter_action}
    )
