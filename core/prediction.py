"""What the dialogue model thinks should happen next: one type from a policy, through the ensemble
and the runtime, to the app.

A policy answers with a probability per domain action; the ensemble answers with the same type,
naming the policy that decided and keeping every policy's own answer; the runtime runs its
`action` and logs its confidence; the app shows its `ranking`. Frozen, so a prediction shown to a
person is the one that runs (a change is a `dataclasses.replace`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from core.events import Event


@dataclass(frozen=True)
class Prediction:
    """A probability for each of `actions` (the domain's action names, in their order).

    `events` are applied before the action runs whichever policy wins; `optional_events` only when
    this prediction wins (e.g. a rule deciding that the form must not validate this input, as
    `LoopInterrupted(True)`); `is_no_user_prediction` marks predictions made without a user message
    in the state (rules for the conversation start); `hide_rule_turn` asks story-trained policies
    to ignore this turn later; `diagnostics` holds anything a person may want to inspect (the
    matched rule, the memorized key). The ensemble's answer keeps each policy's answer in
    `policy_predictions`, by policy name.
    """

    actions: tuple[str, ...]
    probabilities: tuple[float, ...]
    policy_name: str | None = None
    priority: int = 0
    events: tuple[Event, ...] = ()
    optional_events: tuple[Event, ...] = ()
    is_no_user_prediction: bool = False
    hide_rule_turn: bool = False
    diagnostics: Mapping[str, Any] = field(default_factory=dict)
    policy_predictions: Mapping[str, Prediction] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.actions) != len(self.probabilities):
            raise ValueError(f"{len(self.probabilities)} probabilities for {len(self.actions)} actions")

    @cached_property
    def ranking(self) -> list[tuple[str, float]]:
        """Every action with its probability, best first (ties in the domain's order)."""
        return sorted(zip(self.actions, self.probabilities), key=lambda item: -item[1])

    @property
    def confidence(self) -> float:
        """The highest probability (0.0 when there are no actions)."""
        return max(self.probabilities, default=0.0)

    @property
    def action(self) -> str:
        """The action to run: the top of the ranking, even when nothing is above zero."""
        return self.ranking[0][0]

    @property
    def best_action(self) -> str | None:
        """The most probable action; None when this prediction has no opinion (all zeros)."""
        return self.action if self.confidence > 0.0 else None

    def confidence_of(self, action: str) -> float | None:
        """The probability of `action`; None for an action this prediction does not rank."""
        return self._by_action.get(action)

    @cached_property
    def _by_action(self) -> dict[str, float]:
        return dict(zip(self.actions, self.probabilities))
