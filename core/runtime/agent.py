"""The dialogue runtime: a trained bot holding conversations.

Two ways in. `handle_message` runs a whole turn, as `botcoach shell` needs: parse, log the user
message, extract slots, then predict and run actions until the bot listens (at most
`max_predictions` of them). The interactive app instead drives the same steps one at a time so a
person can confirm or correct each: `parse`, `handle_user`, `predict`, `execute`, `undo`. Each
step appends its events to the tracker and returns them; only `execute` of a custom action waits
on the network, and it has an async form (`execute_async`) and a bounded timeout. The sync forms
run on the calling thread's long-lived loop, and every action-server call on one shared loop
where the HTTP session lives (core/runtime/event_loop.py); `close()` closes that session.

Errors a user can cause (an action server that is down, slow or broken) surface as
`ActionServerError`: `execute` raises it and appends nothing, so the person can pick another
action; a whole turn reports it in `Turn.problems` and goes on, as Rasa does.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.domain import Domain
from core.errors import ActionServerError, BotcoachError, DataError, ModelError
from core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    BotUttered,
    Event,
    UserUtteranceReverted,
    UserUttered,
)
from core.nlu.intent_message import is_intent_message, parse_intent_message
from core.nlu.parse import Parse
from core.policies.ensemble import PolicyEnsemble
from core.prediction import Prediction
from core.runtime import event_loop
from core.runtime.actions import ActionContext, ActionRejected
from core.runtime.endpoints import EndpointConfig, load_endpoints
from core.runtime.registry import ActionRegistry
from core.runtime.responses import ResponseGenerator
from core.tracker import ACTION_LISTEN, ACTION_SESSION_START, DialogueStateTracker

if TYPE_CHECKING:  # both load torch, which importing the agent (the CLI, the shell) must not
    from core.model import TrainedModel
    from core.nlu.interpreter import Interpreter

logger = logging.getLogger(__name__)

ACTION_EXTRACT_SLOTS = "action_extract_slots"
RESTART_INTENT = "restart"
DEFAULT_MAX_PREDICTIONS = 10
_STOPPING_ACTIONS = (ACTION_LISTEN, ACTION_SESSION_START)


@dataclass
class Turn:
    """What one `handle_message` did: the bot's messages, every event, and what went wrong."""

    messages: list[BotUttered] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    problems: list[BotcoachError] = field(default_factory=list)


class Agent:
    """A domain, an NLU interpreter and a policy ensemble, with the actions that run them."""

    def __init__(
        self,
        domain: Domain,
        interpreter: Interpreter | None = None,
        ensemble: PolicyEnsemble | None = None,
        *,
        action_endpoint: EndpointConfig | None = None,
        max_predictions: int = DEFAULT_MAX_PREDICTIONS,
        rng: random.Random | None = None,
        channel: str | None = None,
        on_problem: Callable[[BotcoachError], None] | None = None,
    ):
        self.domain = domain
        self.interpreter = interpreter
        self.ensemble = ensemble
        self.max_predictions = max_predictions
        self.channel = channel
        self.responses = ResponseGenerator(domain.responses, rng or random.Random())
        self.registry = ActionRegistry(domain, action_endpoint)
        self.on_problem = on_problem or (lambda problem: logger.warning("%s", problem))
        self.trackers: dict[str, DialogueStateTracker] = {}

    @classmethod
    def from_model(cls, model: TrainedModel, endpoints: str | Path | None = None, **options: Any) -> Agent:
        if model.domain is None or model.ensemble is None:
            raise ModelError(
                f"{model.path or 'the model'} has no dialogue model, so it cannot hold a conversation",
                hint="train one with `botcoach train` (stories or rules and a domain are needed)",
            )
        options.setdefault("max_predictions", model.config.policies.max_predictions)
        action_endpoint = load_endpoints(endpoints).action
        return cls(model.domain, model.interpreter, model.ensemble, action_endpoint=action_endpoint, **options)

    @classmethod
    def load(cls, model_path: str | Path | None, endpoints: str | Path | None = None, **options: Any) -> Agent:
        from core.model import load_model  # noqa: PLC0415 - loads torch: importing the agent must not

        return cls.from_model(load_model(model_path), endpoints, **options)

    def close(self) -> None:
        """Close the connection to the action server (a later call opens a new one)."""
        self.registry.client.close()

    # -- trackers -------------------------------------------------------------------------------

    def create_tracker(self, sender_id: str) -> DialogueStateTracker:
        return DialogueStateTracker(sender_id, self.domain.slot_defaults())

    def tracker_for(self, sender_id: str) -> DialogueStateTracker:
        """The conversation with `sender_id` (kept in memory), a new one the first time."""
        if sender_id not in self.trackers:
            self.trackers[sender_id] = self.create_tracker(sender_id)
        return self.trackers[sender_id]

    # -- steps ----------------------------------------------------------------------------------

    def parse(self, text: str) -> Parse:
        """Rasa's parse dict for `text`; `/intent{"entity": "value"}` states its own parse."""
        if is_intent_message(text):
            stated = parse_intent_message(text)
            if stated is not None and (stated["intent"]["name"] or "").split("/", 1)[0] in self.domain.all_intent_names:
                return stated
        if self.interpreter is None:
            raise ModelError(
                "this model has no NLU part, so it understands only messages like /greet",
                hint="train it with NLU data (`botcoach train`), or type /intent_name",
            )
        return self.interpreter.parse(text)

    def needs_session_start(self, tracker: DialogueStateTracker) -> bool:
        """A conversation without events in effect, or idle for longer than the session time."""
        if not tracker.applied_events():
            return True
        minutes = self.domain.session_config.session_expiration_time
        last_user = next((e for e in reversed(tracker.events) if isinstance(e, UserUttered)), None)
        return bool(minutes and minutes > 0 and last_user and time.time() - last_user.timestamp > minutes * 60)

    def start_session(self, tracker: DialogueStateTracker, metadata: dict[str, Any] | None = None) -> list[Event]:
        return event_loop.run(self._start_session(tracker, self._context(tracker, metadata)))

    def handle_user(
        self,
        tracker: DialogueStateTracker,
        parse: Parse,
        input_channel: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> list[Event]:
        """Log the (confirmed) user message and run slot extraction; a new session first if due."""
        context = self._context(tracker, metadata, input_channel)
        return event_loop.run(self._handle_user(tracker, parse, input_channel, metadata, context))

    def predict(self, tracker: DialogueStateTracker) -> Prediction:
        if self.ensemble is None:
            raise ModelError(
                "this model has no dialogue part, so it cannot choose actions",
                hint="train it with stories or rules and a domain (`botcoach train`)",
            )
        return self.ensemble.predict(tracker, self.domain)

    async def execute_async(
        self, tracker: DialogueStateTracker, action_name: str, prediction: Prediction | None = None
    ) -> list[Event]:
        """Run `action_name` and append what it caused (`ActionExecuted` and its events, or
        `ActionExecutionRejected` alone). Raises ActionServerError with nothing appended."""
        return await self._execute(tracker, action_name, prediction, self._context(tracker))

    def execute(
        self, tracker: DialogueStateTracker, action_name: str, prediction: Prediction | None = None
    ) -> list[Event]:
        """`execute_async` for callers without an event loop (a worker thread, the shell)."""
        return event_loop.run(self.execute_async(tracker, action_name, prediction))

    def can_undo(self, tracker: DialogueStateTracker) -> bool:
        return self._undo_target(tracker) is not None

    def undo(self, tracker: DialogueStateTracker) -> list[Event]:
        """Take back the latest step: the latest action, or the latest user message (after which
        the bot listens again). Returns the events appended, [] when there is nothing to undo."""
        target = self._undo_target(tracker)
        if target is None:
            return []
        events: list[Event] = (
            [ActionReverted()]
            if isinstance(target, ActionExecuted)
            else [UserUtteranceReverted(), ActionExecuted(ACTION_LISTEN)]
        )
        tracker.update_all(events)
        return events

    # -- a whole turn ---------------------------------------------------------------------------

    def handle_message(
        self,
        tracker_or_sender: DialogueStateTracker | str,
        text: str,
        parse: Parse | None = None,
        input_channel: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Turn:
        return event_loop.run(self.handle_message_async(tracker_or_sender, text, parse, input_channel, metadata))

    async def handle_message_async(
        self,
        tracker_or_sender: DialogueStateTracker | str,
        text: str,
        parse: Parse | None = None,
        input_channel: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Turn:
        """One user message and everything the bot does until it listens again."""
        tracker = self.tracker_for(tracker_or_sender) if isinstance(tracker_or_sender, str) else tracker_or_sender
        turn = Turn()
        context = self._context(tracker, metadata, input_channel, report=turn.problems.append)
        turn.events += await self._handle_user(tracker, parse or self.parse(text), input_channel, metadata, context)
        turn.events += await self._predict_and_run(tracker, context)
        turn.messages = [e for e in turn.events if isinstance(e, BotUttered)]
        return turn

    async def _predict_and_run(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        events: list[Event] = []
        for _ in range(self.max_predictions):
            if not self._should_handle(tracker):
                return events
            prediction = self.predict(tracker)
            action_name = prediction.action
            try:
                new_events = await self._execute(tracker, action_name, prediction, context)
            except ActionServerError as problem:
                context.report(problem)
                new_events = [self._executed(action_name, prediction)]  # logged without effect, as Rasa does
                tracker.update_all(new_events)
            events += new_events
            rejected = any(isinstance(e, ActionExecutionRejected) for e in new_events)
            if action_name in _STOPPING_ACTIONS and not rejected:
                return events
        context.report(
            BotcoachError(
                f"the bot ran {self.max_predictions} actions in a row without listening, so it stopped there "
                f"(max_predictions = {self.max_predictions})",
                hint="look for a story or rule where actions follow each other in a circle; "
                "if the bot really needs more actions per turn, raise max_predictions",
            )
        )
        return events

    def _should_handle(self, tracker: DialogueStateTracker) -> bool:
        """A paused conversation waits for a restart, as in Rasa."""
        message = tracker.latest_message
        return not tracker.is_paused or (message is not None and message.intent_name == RESTART_INTENT)

    # -- internals ------------------------------------------------------------------------------

    def _context(
        self,
        tracker: DialogueStateTracker,
        metadata: dict[str, Any] | None = None,
        input_channel: str | None = None,
        report: Callable[[BotcoachError], None] | None = None,
    ) -> ActionContext:
        return ActionContext(
            domain=self.domain,
            responses=self.responses,
            registry=self.registry,
            channel=self.channel or input_channel or tracker.latest_input_channel,
            metadata=dict(metadata or {}),
            report=report or self.on_problem,
        )

    async def _start_session(self, tracker: DialogueStateTracker, context: ActionContext) -> list[Event]:
        return await self._execute(tracker, ACTION_SESSION_START, None, context)

    async def _handle_user(
        self,
        tracker: DialogueStateTracker,
        parse: Parse,
        input_channel: str | None,
        metadata: dict[str, Any] | None,
        context: ActionContext,
    ) -> list[Event]:
        events: list[Event] = []
        if self.needs_session_start(tracker):
            try:
                events += await self._start_session(tracker, context)
            except ActionServerError as problem:  # a custom session start on a server that is down
                context.report(
                    ActionServerError(
                        "the bot's own action_session_start failed, so this conversation started without it "
                        f"(what it sets up is missing, and the bot may not answer as trained): {problem.message}",
                        problem.location,
                        problem.hint,
                    )
                )
        message = user_uttered(parse, input_channel, metadata)
        tracker.update(message)
        events.append(message)
        try:
            extracted = await self.registry.resolve(ACTION_EXTRACT_SLOTS).run(tracker, context)
        except (ActionServerError, ActionRejected) as problem:
            if isinstance(problem, ActionServerError):
                context.report(problem)
            extracted = []
        tracker.update_all(extracted)
        return events + list(extracted)

    async def _execute(
        self, tracker: DialogueStateTracker, action_name: str, prediction: Prediction | None, context: ActionContext
    ) -> list[Event]:
        action = self.registry.resolve(action_name)
        policy_events = prediction.events if prediction is not None and prediction.action == action_name else []
        run_on = tracker
        if policy_events:  # the action sees them; they are kept only if it does not reject
            run_on = DialogueStateTracker(tracker.sender_id, tracker.slot_defaults, tracker.events)
            run_on.update_all(policy_events)
        try:
            events = await action.run(run_on, context)
        except ActionRejected:
            confidence = prediction.confidence_of(action_name) if prediction else None
            rejection = ActionExecutionRejected(action_name, prediction.policy_name if prediction else None, confidence)
            tracker.update(rejection)
            return [rejection]
        logged: list[Event] = []
        if not any(isinstance(e, ActionExecutionRejected) for e in events):
            logged += [*policy_events, self._executed(action_name, prediction)]
        logged += events
        tracker.update_all(logged)
        return logged

    @staticmethod
    def _executed(action_name: str, prediction: Prediction | None) -> ActionExecuted:
        if prediction is None:
            return ActionExecuted(action_name)
        return ActionExecuted(
            action_name,
            prediction.policy_name,
            prediction.confidence_of(action_name),
            hide_rule_turn=prediction.hide_rule_turn,
        )

    def _undo_target(self, tracker: DialogueStateTracker) -> Event | None:
        """The latest user message or action in effect, except the listen that opens a session."""
        history = tracker.applied_events(collapse_loops=False)
        steps = [e for e in history if isinstance(e, (ActionExecuted, UserUttered))]
        if not steps or (len(steps) == 1 and isinstance(steps[0], ActionExecuted) and steps[0].name == ACTION_LISTEN):
            return None
        return steps[-1]


def user_uttered(parse: Parse, input_channel: str | None = None, metadata: dict[str, Any] | None = None) -> UserUttered:
    """The `UserUttered` for a parse dict (Rasa's shape: text, intent, entities, ...)."""
    if not isinstance(parse, dict) or not isinstance(parse.get("intent") or {}, dict):
        raise DataError(
            f"a parse must be a dict with an 'intent' dict, not {parse!r}",
            hint="pass what agent.parse() returns, with a corrected intent if need be",
        )
    entities = parse.get("entities") or []
    if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
        raise DataError(f"the parse's 'entities' must be a list of dicts, not {entities!r}")
    rest = {k: v for k, v in parse.items() if k not in ("text", "intent", "entities", "message_id", "metadata")}
    return UserUttered(
        text=parse.get("text"),
        intent=dict(parse.get("intent") or {}),
        entities=[dict(e) for e in entities],
        parse_data=rest,
        input_channel=input_channel,
        message_id=parse.get("message_id") or uuid.uuid4().hex,
        metadata=dict(metadata or {}),
    )
