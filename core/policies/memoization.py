"""Memoization: predict exactly what the stories did after the same recent history.

The key is the last `max_history` states (as canonical JSON); the value is the action the story
took next. A key that stories follow with different actions is ambiguous and dropped, as Rasa
does, so memoization only answers when the training data is unanimous. It answers with
confidence 1.0 or not at all (all zeros), and learns only from original stories: rules belong to
the rule policy and augmented stories would memorize random glue.

The augmented variant also recalls a story that starts in the middle of a conversation: when the
full history is unknown it forgets the oldest turns, one action at a time (slots set back then
forgotten too), and looks the shorter history up. That is Rasa's AugmentedMemoizationPolicy idea.
"""

from __future__ import annotations

from typing import Any

from core.domain import Domain
from core.events import ActionExecuted, Event
from core.policies.base import (
    AUGMENTED_MEMOIZATION_POLICY_PRIORITY,
    MEMOIZATION_POLICY_PRIORITY,
    Policy,
    confidence_scores_for,
)
from core.policies.states import State, state_key, tracker_states, training_examples
from core.prediction import Prediction
from core.tracker import ACTION_LISTEN, DialogueStateTracker
from core.training_data.trackers import TrainingTracker

DEFAULT_MAX_HISTORY = 5


class MemoizationPolicy(Policy):
    """Exact recall of the last `max_history` states of the training stories."""

    name = "MemoizationPolicy"
    default_priority = MEMOIZATION_POLICY_PRIORITY

    def __init__(self, max_history: int = DEFAULT_MAX_HISTORY, priority: int | None = None):
        super().__init__(priority)
        if max_history < 1:
            raise ValueError(f"max_history must be at least 1, not {max_history}")
        self.max_history = max_history
        self.lookup: dict[str, str] = {}
        self.ambiguous: set[str] = set()

    # -- learning -------------------------------------------------------------------------------

    def key(self, states: list[State]) -> str:
        return state_key(states[-self.max_history :])

    def _examples(self, trackers: list[TrainingTracker], domain: Domain) -> list[tuple[str, str]]:
        return [
            (self.key(states), action)
            for tracker in trackers
            if not tracker.is_rule and not tracker.is_augmented
            for states, action in training_examples(tracker, domain)
        ]

    def train(self, trackers: list[TrainingTracker], domain: Domain) -> None:
        """Memorizes every history -> action; histories followed by different actions are dropped."""
        self.lookup, self.ambiguous = {}, set()
        for key, action in self._examples(trackers, domain):
            if key in self.ambiguous:
                continue
            if self.lookup.setdefault(key, action) != action:
                del self.lookup[key]
                self.ambiguous.add(key)

    def update(self, new_trackers: list[TrainingTracker], domain: Domain) -> None:
        """The newest example wins: a person just taught it, even against older stories."""
        for key, action in self._examples(new_trackers, domain):
            self.lookup[key] = action
            self.ambiguous.discard(key)

    # -- predicting -----------------------------------------------------------------------------

    def states(self, source: DialogueStateTracker | list[Event], domain: Domain) -> list[State]:
        return tracker_states(source, domain, ignore_rule_only_turns=True, rule_only_data=self.rule_only_data)

    def recall(self, tracker: DialogueStateTracker, domain: Domain) -> tuple[str | None, dict[str, Any]]:
        """(memorized action or None, diagnostics)."""
        key = self.key(self.states(tracker, domain))
        return self.lookup.get(key), {"key": key}

    def predict(self, tracker: DialogueStateTracker, domain: Domain) -> Prediction:
        action, diagnostics = self.recall(tracker, domain)
        if action is None or action not in domain.action_names:
            return self.abstain(domain, diagnostics=diagnostics)
        return self.prediction(domain, confidence_scores_for(action, 1.0, domain), diagnostics=diagnostics)

    # -- saving ---------------------------------------------------------------------------------

    def to_state(self) -> tuple[dict[str, Any], dict[str, Any]]:
        meta = {"max_history": self.max_history, "lookup": self.lookup, "ambiguous": sorted(self.ambiguous)}
        return meta, {}

    @classmethod
    def from_state(cls, meta: dict[str, Any], tensors: dict[str, Any]) -> MemoizationPolicy:
        policy = cls(max_history=meta["max_history"])
        policy.lookup = dict(meta["lookup"])
        policy.ambiguous = set(meta["ambiguous"])
        return policy


class AugmentedMemoizationPolicy(MemoizationPolicy):
    """Memoization that also recalls histories whose older turns are forgotten."""

    name = "AugmentedMemoizationPolicy"
    default_priority = AUGMENTED_MEMOIZATION_POLICY_PRIORITY

    def recall(self, tracker: DialogueStateTracker, domain: Domain) -> tuple[str | None, dict[str, Any]]:
        action, diagnostics = super().recall(tracker, domain)
        if action is not None:
            return action, diagnostics
        tried = {diagnostics["key"]}
        events = tracker.applied_events()
        for start in self._truncation_points(events):
            key = self.key(self.states(events[start:], domain))
            if key in tried:
                continue
            tried.add(key)
            if key in self.lookup:
                return self.lookup[key], {"key": key, "forgotten_events": start}
        return None, diagnostics

    def _truncation_points(self, events: list[Event]) -> list[int]:
        """Where a shorter history may start: each action, from the last listen that lies beyond
        `max_history` actions back (so the user turn of the oldest state stays whole) onwards."""
        actions = [(i, event) for i, event in enumerate(events) if isinstance(event, ActionExecuted)]
        first = 0
        for count, (index, action) in enumerate(reversed(actions), start=1):
            if count > self.max_history and action.name == ACTION_LISTEN:
                first = index
                break
        return [i for i, _ in actions if i >= first and i > 0]
