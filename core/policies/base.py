"""The contract every dialogue policy follows.

A policy trains on story trackers and, given a live tracker, returns one probability per domain
action (aligned with `domain.action_names`). The ensemble compares policies by confidence and
priority only, so any policy (memoization, rules, the transformer) plugs in the same way.

Policies save themselves as `(meta, tensors)`: `meta` is JSON-able (settings, lookups) and
`tensors` maps names to numpy arrays or torch tensors, so the model archive decides the file format.
`policy_from_state()` rebuilds any registered policy from what `to_state()` gave.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from core.domain import Domain
from core.errors import DataError
from core.prediction import Prediction
from core.tracker import DialogueStateTracker

if TYPE_CHECKING:
    from core.training_data.trackers import TrainingTracker

# Rasa's default priorities: on equal confidence the higher priority wins.
RULE_POLICY_PRIORITY = 6
MEMOIZATION_POLICY_PRIORITY = 3
AUGMENTED_MEMOIZATION_POLICY_PRIORITY = 3
TED_POLICY_PRIORITY = 1

_POLICY_CLASSES: dict[str, type[Policy]] = {}
# Modules that define policies; loaded on demand so that rebuilding a saved model needs no imports.
_POLICY_MODULES = ("core.policies.memoization", "core.policies.rules", "core.policies.ted")


def default_scores(domain: Domain) -> list[float]:
    return [0.0] * len(domain.action_names)


def confidence_scores_for(action: str, value: float, domain: Domain) -> list[float]:
    """All zeros except `value` for `action` (how memoization and rules answer)."""
    scores = default_scores(domain)
    names = domain.action_names
    if action not in names:
        raise DataError(
            f"the policy predicted action '{action}', which the domain does not define",
            hint="Add the action to the domain's `actions:` (or a response for it), then retrain.",
        )
    scores[names.index(action)] = value
    return scores


class Policy(ABC):
    """Base of every dialogue policy; subclasses register themselves by `name` for loading."""

    name: ClassVar[str] = "Policy"
    default_priority: ClassVar[int] = 0
    # Only the ML policy learns from augmented (randomly glued) stories; lookups must not.
    uses_augmented: ClassVar[bool] = False

    def __init__(self, priority: int | None = None):
        self.priority = self.default_priority if priority is None else priority
        # Slots and loops that only rules use ({"rule_only_slots": [...], "rule_only_loops": [...]}):
        # story-trained policies leave them out of their states. The ensemble hands it round.
        self.rule_only_data: dict[str, list[str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not getattr(cls, "__abstractmethods__", None):
            _POLICY_CLASSES[cls.name] = cls

    @abstractmethod
    def train(self, trackers: list[TrainingTracker], domain: Domain) -> None:
        """Learn from all trackers (the policy picks the kinds it uses: stories, rules, augmented)."""

    @abstractmethod
    def predict(self, tracker: DialogueStateTracker, domain: Domain) -> Prediction:
        """Probabilities over `domain.action_names` for the action after the tracker's history."""

    @abstractmethod
    def update(self, new_trackers: list[TrainingTracker], domain: Domain) -> None:
        """Learn from a few new trackers quickly (interactive learning): no full retraining."""

    @abstractmethod
    def to_state(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """(JSON-able meta, named tensors) from which `from_state` rebuilds the trained policy."""

    @classmethod
    @abstractmethod
    def from_state(cls, meta: dict[str, Any], tensors: dict[str, Any]) -> Policy:
        """The policy `to_state` described."""

    def weights(self) -> list[Any]:
        """The tensors of a learned model (none for the lookup policies): what a copy costs."""
        return []

    def rule_only_data_for_others(self) -> dict[str, list[str]] | None:
        """What this policy knows is rule-only (the rule policy overrides this); None: nothing."""
        return None

    def prediction(self, domain: Domain, probabilities: list[float], **details: Any) -> Prediction:
        """A prediction over `domain`'s actions stamped with this policy's name and priority."""
        return Prediction(tuple(domain.action_names), tuple(probabilities), self.name, self.priority, **details)

    def abstain(self, domain: Domain, **details: Any) -> Prediction:
        """A prediction that says nothing: all zeros, so the ensemble ignores it."""
        return self.prediction(domain, default_scores(domain), **details)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(priority={self.priority})"


def policy_class(name: str) -> type[Policy]:
    """The registered policy class called `name` (a Rasa policy name such as "MemoizationPolicy")."""
    if name not in _POLICY_CLASSES:
        for module in _POLICY_MODULES:
            importlib.import_module(module)
    try:
        return _POLICY_CLASSES[name]
    except KeyError:
        known = ", ".join(sorted(_POLICY_CLASSES)) or "none"
        raise DataError(
            f"unknown policy '{name}' in the saved model", hint=f"Known policies: {known}. Retrain the model."
        ) from None


def policy_to_state(policy: Policy) -> tuple[dict[str, Any], dict[str, Any]]:
    """A policy's state tagged with its class name, so `policy_from_state` can rebuild it."""
    meta, tensors = policy.to_state()
    return {"policy": policy.name, "priority": policy.priority, "meta": meta}, tensors


def policy_from_state(meta: dict[str, Any], tensors: dict[str, Any]) -> Policy:
    policy = policy_class(meta["policy"]).from_state(meta["meta"], tensors)
    policy.priority = meta.get("priority", policy.priority)
    return policy
