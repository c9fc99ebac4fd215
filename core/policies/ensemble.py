"""The policy ensemble: ask every policy, let the most confident one decide (Rasa 3's rules).

The winner is the prediction with the highest confidence; on equal confidence the higher priority
wins, and on equal priority the policy listed first. A policy with no opinion answers all zeros
and so never wins against one that has an opinion. When any policy makes a prediction that needs
no user message (a loop's happy path, a conversation-start rule), only such predictions compete.
A pending `FollowupAction` is obeyed before any policy is asked, as Rasa's processor does, and an
action the tracker just rejected is never proposed again for this turn.

If even the winner is less sure than `core_fallback_threshold`, the fallback action is proposed
with that threshold as its confidence; the rest of the ranking still shows what the policies said.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from core.domain import Domain
from core.events import ActionExecuted, ActionExecutionRejected, Event
from core.policies.base import Policy, policy_from_state, policy_to_state
from core.prediction import Prediction
from core.tracker import DialogueStateTracker
from core.training_data.trackers import TrainingTracker

FOLLOWUP_POLICY = "FollowupAction"
FALLBACK_POLICY = "CoreFallback"


class PolicyEnsemble:
    """Trains, updates, saves and consults a list of policies as one."""

    def __init__(
        self,
        policies: list[Policy],
        core_fallback_threshold: float = 0.3,
        core_fallback_action: str = "action_default_fallback",
        enable_fallback_prediction: bool = True,
    ):
        names = [policy.name for policy in policies]
        if len(set(names)) != len(names):
            raise ValueError(f"each policy may appear once in an ensemble, got {names}")
        self.policies = list(policies)
        self.core_fallback_threshold = core_fallback_threshold
        self.core_fallback_action = core_fallback_action
        self.enable_fallback_prediction = enable_fallback_prediction
        self.rule_only_data: dict[str, list[str]] = {}

    # -- training -------------------------------------------------------------------------------

    def train(self, trackers: list[TrainingTracker], domain: Domain) -> None:
        """Trains every policy (augmented trackers only for those that want them)."""
        originals = [t for t in trackers if not t.is_augmented]
        for policy in self.policies:
            policy.train(trackers if policy.uses_augmented else originals, domain)
        self._share_rule_only_data()

    def fork(self) -> PolicyEnsemble:
        """A copy to update while this one goes on predicting (then swapped in)."""
        return copy.deepcopy(self)

    def weights(self) -> list[Any]:
        return [w for policy in self.policies for w in policy.weights()]

    def update(self, new_trackers: list[TrainingTracker], domain: Domain) -> None:
        """Quick incremental learning from freshly taught dialogues."""
        for policy in self.policies:
            policy.update(new_trackers, domain)
        self._share_rule_only_data()

    def _share_rule_only_data(self) -> None:
        data: dict[str, list[str]] = {}
        for policy in self.policies:
            for key, names in (policy.rule_only_data_for_others() or {}).items():
                data[key] = sorted({*data.get(key, []), *names})
        self.rule_only_data = data
        for policy in self.policies:
            policy.rule_only_data = data

    # -- predicting -----------------------------------------------------------------------------

    def predict(self, tracker: DialogueStateTracker, domain: Domain) -> Prediction:
        """The winner's opinion over every action (normalised), named after the policy that won,
        with every policy's own prediction in `policy_predictions`."""
        names = tuple(domain.action_names)
        followup = tracker.followup_action
        if followup and followup in names:
            probabilities = tuple(1.0 if name == followup else 0.0 for name in names)
            return self._result(Prediction(names, probabilities, FOLLOWUP_POLICY), {}, ())
        rejected = _rejected_action(tracker)
        predictions: dict[str, Prediction] = {}
        for policy in self.policies:
            prediction = policy.predict(tracker, domain)
            if rejected in names:
                scores = list(prediction.probabilities)
                scores[names.index(rejected)] = 0.0
                prediction = replace(prediction, probabilities=tuple(scores))
            predictions[policy.name] = prediction
        winner = pick_best(list(predictions.values()))
        events = tuple(event for p in predictions.values() for event in p.events)
        if winner is None:
            winner = Prediction(names, (0.0,) * len(names), FALLBACK_POLICY)
        else:
            events += winner.optional_events
        if self.enable_fallback_prediction and winner.confidence < self.core_fallback_threshold:
            return self._fallback(winner, predictions, events)
        return self._result(winner, predictions, events)

    def _fallback(
        self, winner: Prediction, predictions: dict[str, Prediction], events: tuple[Event, ...]
    ) -> Prediction:
        """The fallback action at the threshold; the winner's opinion shares the rest."""
        names = winner.actions
        if self.core_fallback_action not in names:
            raise ValueError(f"the fallback action '{self.core_fallback_action}' is not in the domain")
        fallback_index = names.index(self.core_fallback_action)
        others = _normalised([0.0 if i == fallback_index else p for i, p in enumerate(winner.probabilities)])
        threshold = self.core_fallback_threshold
        scores = [threshold if i == fallback_index else p * (1.0 - threshold) for i, p in enumerate(others)]
        if not any(others):
            scores = [threshold if i == fallback_index else 0.0 for i in range(len(names))]
        fallback = Prediction(
            names,
            tuple(scores),
            FALLBACK_POLICY,
            winner.priority,
            diagnostics={"below_threshold": winner.policy_name, "confidence": winner.confidence},
        )
        return self._result(fallback, predictions, events, normalise=False)

    @staticmethod
    def _result(
        winner: Prediction, predictions: dict[str, Prediction], events: tuple[Event, ...], normalise: bool = True
    ) -> Prediction:
        """The winner as the ensemble's answer: its (normalised) probabilities, everyone's events."""
        probabilities = winner.probabilities
        if normalise:
            probabilities = tuple(_normalised(list(probabilities)))
        return replace(
            winner,
            probabilities=probabilities,
            events=events,
            optional_events=(),
            diagnostics=dict(winner.diagnostics),
            policy_predictions=predictions,
        )

    # -- saving ---------------------------------------------------------------------------------

    def to_state(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """All policies' states; tensor names are prefixed with the policy's position."""
        metas, tensors = [], {}
        for index, policy in enumerate(self.policies):
            meta, own = policy_to_state(policy)
            metas.append(meta)
            tensors.update({f"{index}/{name}": value for name, value in own.items()})
        meta = {
            "policies": metas,
            "core_fallback_threshold": self.core_fallback_threshold,
            "core_fallback_action": self.core_fallback_action,
            "enable_fallback_prediction": self.enable_fallback_prediction,
        }
        return meta, tensors

    @classmethod
    def from_state(cls, meta: dict[str, Any], tensors: dict[str, Any]) -> PolicyEnsemble:
        policies = []
        for index, policy_meta in enumerate(meta["policies"]):
            prefix = f"{index}/"
            own = {name[len(prefix) :]: value for name, value in tensors.items() if name.startswith(prefix)}
            policies.append(policy_from_state(policy_meta, own))
        ensemble = cls(
            policies, meta["core_fallback_threshold"], meta["core_fallback_action"], meta["enable_fallback_prediction"]
        )
        ensemble._share_rule_only_data()
        return ensemble


def pick_best(predictions: list[Prediction]) -> Prediction | None:
    """Highest (confidence, priority) wins, the earlier policy on a full tie; no-user predictions
    compete only among themselves when there is one."""
    no_user = any(p.is_no_user_prediction for p in predictions)
    best: Prediction | None = None
    for prediction in predictions:
        if prediction.is_no_user_prediction != no_user:
            continue
        if best is None or (prediction.confidence, prediction.priority) > (best.confidence, best.priority):
            best = prediction
    return best


def _rejected_action(tracker: DialogueStateTracker) -> str | None:
    """The action rejected since the latest action ran (it must not be proposed again now)."""
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecutionRejected):
            return event.name
        if isinstance(event, ActionExecuted):
            return None
    return None


def _normalised(scores: list[float]) -> list[float]:
    total = sum(scores)
    return [s / total for s in scores] if total > 0 else list(scores)
