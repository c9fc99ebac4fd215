"""The ensemble's choice: confidence, then priority; fallback below the threshold; followups."""

import json

import pytest

from core.domain import Domain, load_domain, read_domain
from core.errors import DataError
from core.events import ActionExecuted, ActionExecutionRejected, FollowupAction, LoopInterrupted, SlotSet, UserUttered
from core.policies.base import Policy, confidence_scores_for
from core.policies.ensemble import PolicyEnsemble, pick_best
from core.policies.memoization import MemoizationPolicy
from core.prediction import Prediction
from core.tracker import DialogueStateTracker
from core.training_data.loader import load_training_data
from core.training_data.trackers import TrainingTracker, training_trackers
from tests.conftest import COMPAT

DOMAIN = read_domain(
    """
intents: [greet]
responses:
  utter_a: [{text: a}]
  utter_b: [{text: b}]
  utter_c: [{text: c}]
forms:
  book_form: {required_slots: []}
"""
)


class Fixed(Policy):
    """Answers what it was told to; remembers what it was trained on."""

    name = "FixedForTests"

    def __init__(self, scores: dict[str, float], priority: int = 1, name: str = "fixed", **details):
        super().__init__(priority)
        self.scores, self.details, self.trained_on = scores, details, []
        self.name = name

    def train(self, trackers, domain):
        self.trained_on = list(trackers)

    def update(self, new_trackers, domain):
        self.trained_on += new_trackers

    def predict(self, tracker, domain):
        probabilities = [self.scores.get(action, 0.0) for action in domain.action_names]
        return self.prediction(domain, probabilities, **self.details)

    def to_state(self):
        return {"scores": self.scores}, {}

    @classmethod
    def from_state(cls, meta, tensors):
        return cls(meta["scores"])

    def rule_only_data_for_others(self):
        return self.details.get("diagnostics", {}).get("rule_only")


def greeted() -> DialogueStateTracker:
    return DialogueStateTracker(
        "t", DOMAIN.slot_defaults(), [ActionExecuted("action_listen"), UserUttered("hi", intent={"name": "greet"})]
    )


def decide(*policies, **options):
    return PolicyEnsemble(list(policies), **options).predict(greeted(), DOMAIN)


def test_highest_confidence_wins_whatever_the_priority():
    result = decide(Fixed({"utter_a": 0.9, "utter_b": 0.1}, 1, "ted"), Fixed({}, 6, "rules"), Fixed({}, 3, "memo"))
    assert (result.best_action, result.policy_name) == ("utter_a", "ted")
    assert result.ranking[:2] == [("utter_a", 0.9), ("utter_b", 0.1)]
    result = decide(Fixed({"utter_a": 0.9}, 1, "ted"), Fixed({"utter_b": 1.0}, 3, "memo"))
    assert (result.best_action, result.policy_name) == ("utter_b", "memo")


@pytest.mark.parametrize("order", [0, 1])
def test_equal_confidence_is_broken_by_priority(order):
    policies = [Fixed({"utter_a": 1.0}, 3, "memo"), Fixed({"utter_b": 1.0}, 6, "rules")]
    result = decide(*(policies if order else policies[::-1]))
    assert (result.best_action, result.policy_name) == ("utter_b", "rules")
    assert set(result.policy_predictions) == {"memo", "rules"}
    assert result.policy_predictions["memo"].best_action == "utter_a"


def test_full_tie_goes_to_the_policy_listed_first():
    result = decide(Fixed({"utter_c": 1.0}, 3, "first"), Fixed({"utter_a": 1.0}, 3, "second"))
    assert result.policy_name == "first"


def test_below_the_threshold_the_fallback_action_is_proposed():
    unsure = Fixed({"utter_a": 0.25, "utter_b": 0.2, "utter_c": 0.15, "action_listen": 0.4}, 1, "ted")
    result = decide(unsure, core_fallback_threshold=0.45)
    assert (result.best_action, result.confidence) == ("action_default_fallback", 0.45)
    assert result.policy_name == "CoreFallback"
    assert [a for a, _ in result.ranking[:3]] == ["action_default_fallback", "action_listen", "utter_a"]
    assert sum(result.probabilities) == pytest.approx(1.0)
    assert result.diagnostics["below_threshold"] == "ted"
    confident_enough = decide(unsure, core_fallback_threshold=0.3)
    assert confident_enough.best_action == "action_listen"
    disabled = decide(unsure, core_fallback_threshold=0.45, enable_fallback_prediction=False)
    assert disabled.best_action == "action_listen"


def test_no_opinion_at_all_falls_back():
    result = decide(Fixed({}, 6, "rules"), Fixed({}, 3, "memo"))
    assert (result.best_action, result.confidence) == ("action_default_fallback", 0.3)
    assert result.ranking[1][1] == 0.0


def test_no_user_predictions_take_precedence():
    loop = Fixed({"book_form": 0.5}, 1, "loop", is_no_user_prediction=True)
    result = decide(Fixed({"utter_a": 1.0}, 6, "rules"), loop)
    assert (result.best_action, result.policy_name, result.is_no_user_prediction) == ("book_form", "loop", True)
    assert result.probabilities[DOMAIN.action_names.index("book_form")] == 1.0  # normalised


def test_events_of_all_policies_and_optional_events_of_the_winner():
    interrupt = LoopInterrupted(is_interrupted=True)
    winner = Fixed({"utter_a": 1.0}, 6, "rules", optional_events=(interrupt,), events=(SlotSet("x", 1),))
    loser = Fixed({"utter_b": 0.5}, 1, "ted", optional_events=(SlotSet("lost", 1),), events=(SlotSet("y", 2),))
    result = decide(winner, loser)
    assert result.events == (SlotSet("x", 1), SlotSet("y", 2), interrupt)


def test_a_rejected_action_is_not_proposed_again():
    tracker = greeted()
    tracker.update(ActionExecutionRejected("book_form"))
    ensemble = PolicyEnsemble([Fixed({"book_form": 1.0}, 6, "rules"), Fixed({"utter_a": 0.8}, 1, "ted")])
    result = ensemble.predict(tracker, DOMAIN)
    assert (result.best_action, result.policy_name) == ("utter_a", "ted")


def test_a_followup_action_is_obeyed_first():
    tracker = greeted()
    tracker.update(FollowupAction("utter_c"))
    result = PolicyEnsemble([Fixed({"utter_a": 1.0}, 6, "rules")]).predict(tracker, DOMAIN)
    assert (result.best_action, result.policy_name, result.confidence) == ("utter_c", "FollowupAction", 1.0)


def test_training_gives_augmented_trackers_only_to_policies_that_want_them():
    class Hungry(Fixed):
        name = "HungryForTests"
        uses_augmented = True

    plain = Fixed({}, 3, "plain", diagnostics={"rule_only": {"rule_only_slots": ["s"]}})
    hungry = Hungry({}, 1, "hungry")
    trackers = [
        TrainingTracker("a", []),
        TrainingTracker("a + a", [], is_augmented=True),
        TrainingTracker("r", [], True),
    ]
    ensemble = PolicyEnsemble([plain, hungry])
    ensemble.train(trackers, DOMAIN)
    assert [t.name for t in plain.trained_on] == ["a", "r"]
    assert [t.name for t in hungry.trained_on] == ["a", "a + a", "r"]
    assert hungry.rule_only_data == {"rule_only_slots": ["s"]} == ensemble.rule_only_data


def test_ensemble_with_memoization_round_trips_and_predicts_the_same():
    bot = COMPAT / "moodbot-3x"
    domain = load_domain(bot / "domain.yml")
    trackers = training_trackers(load_training_data([bot / "data"]).stories, domain)
    ensemble = PolicyEnsemble([MemoizationPolicy(max_history=3)])
    ensemble.train(trackers, domain)
    meta, tensors = ensemble.to_state()
    restored = PolicyEnsemble.from_state(json.loads(json.dumps(meta)), tensors)
    tracker = DialogueStateTracker("t", domain.slot_defaults())
    tracker.update_all([ActionExecuted("action_listen"), UserUttered("hi", intent={"name": "greet"})])
    for candidate in (ensemble, restored):
        result = candidate.predict(tracker, domain)
        assert (result.best_action, result.confidence, result.policy_name) == ("utter_greet", 1.0, "MemoizationPolicy")


def test_prediction_helpers():
    policy = Fixed({})
    prediction = policy.prediction(DOMAIN, confidence_scores_for("utter_b", 0.7, DOMAIN))
    assert prediction.confidence == 0.7 and prediction.best_action == "utter_b" == prediction.action
    assert (prediction.policy_name, prediction.priority) == ("fixed", 1)
    assert prediction.confidence_of("utter_a") == 0.0 and prediction.confidence_of("utter_nope") is None
    silent = policy.abstain(DOMAIN)
    assert silent.best_action is None and silent.action == DOMAIN.action_names[0]  # the top of a flat ranking
    assert pick_best([]) is None
    with pytest.raises(ValueError, match="2 probabilities for 1 actions"):
        Prediction(("a",), (0.5, 0.5))
    with pytest.raises(DataError, match="utter_nope"):
        confidence_scores_for("utter_nope", 1.0, Domain())
