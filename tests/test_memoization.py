"""Memoization and augmented memoization on real Rasa data and the sample bots."""

import json
from pathlib import Path

import pytest

from core.domain import Domain, load_domain, read_domain
from core.events import ActionExecuted, SlotSet, UserUttered
from core.policies.base import policy_from_state, policy_to_state
from core.policies.memoization import AugmentedMemoizationPolicy, MemoizationPolicy
from core.tracker import DialogueStateTracker
from core.training_data.loader import load_training_data
from core.training_data.stories_md import read_stories_md
from core.training_data.trackers import TrainingTracker, training_trackers
from tests.conftest import COMPAT, ROOT

BOTS = [COMPAT / name for name in (
    "moodbot-1x", "moodbot-3x", "concertbot-1x", "concertbot-3x", "formbot-1x", "formbot-3x", "initial-project-3x",
)] + [p for p in sorted((ROOT / "sample_data").glob("*")) if (p / "domain.yml").is_file()]  # fmt: skip


def bot_data(path: Path) -> tuple[Domain, list[TrainingTracker]]:
    domain = load_domain(path / "domain.yml")
    return domain, training_trackers(load_training_data([path / "data"]).stories, domain, augmentation_factor=10)


def recall(policy: MemoizationPolicy, trackers: list[TrainingTracker], domain: Domain) -> tuple[int, int]:
    """(right, total) over every action of the original stories, predicted from the history before it."""
    right = total = 0
    for tracker in trackers:
        if tracker.is_rule or tracker.is_augmented:
            continue
        applied = tracker.dialogue_tracker(domain).applied_events()
        for index, event in enumerate(applied):
            if isinstance(event, ActionExecuted) and index > 0:
                prefix = DialogueStateTracker("t", domain.slot_defaults(), applied[:index])
                total += 1
                right += policy.predict(prefix, domain).best_action == event.name
    return right, total


@pytest.mark.parametrize("bot", BOTS, ids=[p.name for p in BOTS])
@pytest.mark.parametrize("policy_class", [MemoizationPolicy, AugmentedMemoizationPolicy])
def test_memoization_recalls_all_its_training_stories(bot, policy_class):
    domain, trackers = bot_data(bot)
    policy = policy_class(max_history=5)
    policy.train(trackers, domain)
    assert not policy.ambiguous, f"{bot.name} has conflicting stories"
    right, total = recall(policy, trackers, domain)
    assert total > 10
    assert right == total


def test_prediction_is_one_hot_or_nothing():
    domain, trackers = bot_data(COMPAT / "moodbot-3x")
    policy = MemoizationPolicy()
    policy.train(trackers, domain)
    tracker = DialogueStateTracker("t", domain.slot_defaults())
    tracker.update_all([ActionExecuted("action_listen"), UserUttered("hi", intent={"name": "greet"})])
    prediction = policy.predict(tracker, domain)
    assert prediction.best_action == "utter_greet"
    assert sorted(prediction.probabilities)[-2:] == [0.0, 1.0]
    assert prediction.priority == 3 and prediction.policy_name == "MemoizationPolicy"
    tracker.update(UserUttered("??", intent={"name": "bot_challenge"}))  # never in a story after listen
    assert policy.predict(tracker, domain).confidence == 0.0


STORIES = """## greet
* greet
    - utter_greet

## greet differently
* greet
    - utter_hello

## name
* tell_name
    - action_store
    - slot{"name": "ann"}
* thanks
    - utter_welcome

## bye
* goodbye
    - utter_bye
"""


def simple_domain() -> Domain:
    return read_domain(
        """
intents: [greet, tell_name, thanks, goodbye]
slots:
  name: {type: text, mappings: [{type: custom}]}
responses:
  utter_greet: [{text: hi}]
  utter_hello: [{text: hello}]
  utter_welcome: [{text: welcome}]
  utter_bye: [{text: bye}]
actions: [action_store]
"""
    )


def conversation(domain: Domain, *turns) -> DialogueStateTracker:
    tracker = DialogueStateTracker("t", domain.slot_defaults())
    for turn in turns:
        if isinstance(turn, str) and turn.startswith("*"):
            tracker.update(ActionExecuted("action_listen"))
            tracker.update(UserUttered(turn, intent={"name": turn[1:]}))
        elif isinstance(turn, str):
            tracker.update(ActionExecuted(turn))
        else:
            tracker.update(turn)
    return tracker


def test_ambiguous_histories_are_dropped_and_update_teaches_immediately():
    domain = simple_domain()
    trackers = training_trackers(read_stories_md(STORIES, "s.md"), domain, augmentation_factor=0)
    policy = MemoizationPolicy(max_history=3)
    policy.train(trackers, domain)
    greeting = conversation(domain, "*greet")
    assert policy.predict(greeting, domain).confidence == 0.0  # greet -> utter_greet / utter_hello
    assert len(policy.ambiguous) == 1
    taught = training_trackers(read_stories_md("## taught\n* greet\n    - utter_hello\n", "t.md"), domain, 0)
    policy.update(taught, domain)
    assert policy.predict(greeting, domain).best_action == "utter_hello"


def test_augmented_memoization_recalls_a_story_glued_after_another():
    domain = simple_domain()
    trackers = training_trackers(read_stories_md(STORIES, "s.md"), domain, augmentation_factor=0)
    # after the "name" story (which set a slot) the user says goodbye: no story has that history
    tracker = conversation(
        domain, "*tell_name", "action_store", SlotSet("name", "ann"), "*thanks", "utter_welcome", "*goodbye"
    )
    plain, augmented = MemoizationPolicy(max_history=5), AugmentedMemoizationPolicy(max_history=5)
    plain.train(trackers, domain)
    augmented.train(trackers, domain)
    assert plain.predict(tracker, domain).confidence == 0.0
    prediction = augmented.predict(tracker, domain)
    assert prediction.best_action == "utter_bye"
    assert prediction.diagnostics["forgotten_events"] > 0
    # a history it cannot shorten into anything known still gets no answer
    unknown = conversation(domain, "*thanks", "utter_bye", "*thanks")
    assert augmented.predict(unknown, domain).confidence == 0.0


def test_augmented_trackers_and_rules_are_not_memorized():
    domain = simple_domain()
    trackers = training_trackers(read_stories_md(STORIES, "s.md"), domain, augmentation_factor=20)
    policy = MemoizationPolicy(max_history=8)
    policy.train(trackers, domain)
    originals = MemoizationPolicy(max_history=8)
    originals.train([t for t in trackers if not t.is_augmented], domain)
    assert policy.lookup == originals.lookup


def test_state_round_trip_through_json():
    domain, trackers = bot_data(COMPAT / "formbot-3x")
    policy = AugmentedMemoizationPolicy(max_history=4)
    policy.train(trackers, domain)
    meta, tensors = policy_to_state(policy)
    restored = policy_from_state(json.loads(json.dumps(meta)), tensors)
    assert type(restored) is AugmentedMemoizationPolicy
    assert restored.lookup == policy.lookup and restored.max_history == 4 and restored.priority == 3
    assert recall(restored, trackers, domain) == recall(policy, trackers, domain)
