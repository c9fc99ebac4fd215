"""TEDPolicy on real bots: it learns every story, generalises to recombined stories, learns a
new turn in place without forgetting, and saves and loads exactly.

Speed is measured, not asserted (shared machines are noisy): see the policy's
`train_seconds`/`update_seconds`, and the figures quoted in the report.
"""

from __future__ import annotations

import dataclasses
import io
import json
from functools import cache

import pytest
import torch

from core.domain import Domain, Intent, load_domain
from core.events import ActionExecuted, Event, SlotSet, UserUttered
from core.policies.featurizer import StateFeaturizer, state_features
from core.policies.states import state_key, training_examples
from core.policies.ted import HISTORY_DROPOUT, TEDConfig, TEDPolicy, _shortened
from core.policies.ted_model import DialogueTransformer, TEDModelConfig
from core.tracker import DialogueStateTracker
from core.training_data.loader import load_training_data
from core.training_data.trackers import TrainingTracker, training_trackers
from tests.conftest import COMPAT, SAMPLES

BOTS = {
    **{name: SAMPLES / name for name in ("moodbot", "concertbot", "formbot")},
    **{
        name: COMPAT / name
        for name in (
            "moodbot-1x",
            "moodbot-3x",
            "concertbot-1x",
            "concertbot-3x",
            "formbot-1x",
            "formbot-3x",
            "initial-project-3x",
        )
    },
}


@cache
def bot(name: str) -> tuple[Domain, list[TrainingTracker]]:
    path = BOTS[name]
    domain = load_domain(path / "domain.yml")
    stories = load_training_data([path / "data"]).stories
    return domain, training_trackers(stories, domain, augmentation_factor=20, seed=42)


@cache
def trained(name: str) -> TEDPolicy:
    domain, trackers = bot(name)
    policy = TEDPolicy(TEDConfig())
    policy.train(trackers, domain)
    return policy


def user(intent: str, **entities: str) -> UserUttered:
    found = [{"entity": k, "value": v, "start": 0, "end": 1} for k, v in entities.items()]
    return UserUttered(intent, intent={"name": intent, "confidence": 1.0}, entities=found)


def act(name: str) -> ActionExecuted:
    return ActionExecuted(name)


def mistakes(policy: TEDPolicy, domain: Domain, events_list: list[list[Event]]) -> tuple[list[str], int]:
    """Every action of every dialogue predicted from the live tracker before it (as at runtime).

    Actions a running loop takes care of (the loop's own next run on its happy path, and the
    listen right after it) are skipped: the form loop, not a policy, picks those.
    """
    wrong, checked = [], 0
    for events in events_list:
        for index, event in enumerate(events):
            if not isinstance(event, ActionExecuted) or index == 0:
                continue
            tracker = DialogueStateTracker("test", domain.slot_defaults(), events[:index])
            loop = tracker.active_loop_name
            if loop and loop in (event.name, tracker.latest_action_name):
                continue
            checked += 1
            predicted = policy.predict(tracker, domain).best_action
            if predicted != (event.name or event.action_text):
                wrong.append(f"event {index}: expected {event.name}, predicted {predicted}")
    return wrong, checked


def story_events(trackers: list[TrainingTracker]) -> list[list[Event]]:
    return [t.events for t in trackers if not t.is_rule and not t.is_augmented]


# -- featurizer -------------------------------------------------------------------------------


def test_vocabulary_covers_the_domain_and_only_grows():
    domain, _ = bot("formbot-3x")
    featurizer = StateFeaturizer.from_domain(domain)
    assert "intent:inform" in featurizer.features and "loop:restaurant_form" in featurizer.features
    assert "action:utter_submit" in featurizer.features and "utter_submit" in featurizer.actions
    slots = [name for name in StateFeaturizer.from_domain(bot("concertbot")[0]).features if name.startswith("slot:")]
    assert slots == ["slot:likes_music:0", "slot:likes_music:1"]  # bool: (is set, value); others do not count
    before = dict(featurizer.features)
    featurizer.add_states([{"user": {"intent": "brand_new", "entities": ("city#from",)}}])
    assert {k: featurizer.features[k] for k in before} == before
    assert featurizer.features["intent:brand_new"] == len(before)
    assert featurizer.features["entity:city#from"] == len(before) + 1


def test_a_state_becomes_one_multi_hot_row():
    state = {
        "user": {"intent": "inform", "entities": ("cuisine",)},
        "prev_action": {"action_name": "action_listen"},
        "active_loop": {"name": "restaurant_form"},
        "slots": {"outdoor_seating": (1.0, 0.0)},
    }
    names = dict(state_features(state))
    assert names == {
        "present": 1.0,
        "intent:inform": 1.0,
        "entity:cuisine": 1.0,
        "action:action_listen": 1.0,
        "loop:restaurant_form": 1.0,
        "slot:outdoor_seating:0": 1.0,
    }
    featurizer = StateFeaturizer(list(names) + ["intent:greet"])
    x = featurizer.window([featurizer.encode(state)], max_history=3)
    assert x.shape == (3, 7)
    assert x[:2].sum() == 0  # padding before the only state
    assert x[2].tolist() == [1.0] * 6 + [0.0]


# -- the model ----------------------------------------------------------------------------------


def test_model_grows_without_changing_what_it_knew():
    torch.manual_seed(0)
    model = DialogueTransformer(TEDModelConfig(n_features=6, n_actions=4, max_history=3)).eval()
    x = torch.zeros(2, 3, 6)
    x[:, :, 0] = 1.0
    x[0, 2, 3] = 1.0
    before, _ = model(x)
    model.grow(n_features=9, n_actions=6)
    after, _ = model(torch.cat([x, torch.zeros(2, 3, 3)], dim=2))
    assert after.shape == (2, 6)
    assert torch.allclose(before, after[:, :4], atol=1e-6)
    assert torch.equal(after[:, 4], after[:, 5])  # untaught actions: no opinion between them


# -- training on real bots -------------------------------------------------------------------


@pytest.mark.parametrize("name", list(BOTS))
def test_every_story_action_is_predicted(name):
    domain, trackers = bot(name)
    policy = trained(name)
    assert any(t.is_augmented for t in trackers)
    wrong, checked = mistakes(policy, domain, story_events(trackers))
    assert checked >= 10
    assert wrong == []


def test_training_is_seeded_and_reports_progress():
    domain, trackers = bot("moodbot")
    seen: list[tuple[int, int, float]] = []
    first = TEDPolicy(TEDConfig(epochs=8), on_epoch=lambda *progress: seen.append(progress))
    first.train(trackers, domain)
    second = TEDPolicy(TEDConfig(epochs=8))
    second.train(trackers, domain)
    assert [(e, n) for e, n, _ in seen] == [(e, 8) for e in range(1, first.trained_epochs + 1)]
    assert first.trained_epochs == second.trained_epochs >= TEDConfig().min_epochs
    assert seen[-1][2] < seen[0][2]
    tracker = DialogueStateTracker("t", domain.slot_defaults(), [act("action_listen"), user("greet")])
    assert first.predict(tracker, domain).probabilities == second.predict(tracker, domain).probabilities


def test_training_stops_once_every_story_action_is_learned():
    """`epochs` is a cap: a sample bot is learned (every example first, confidently) well before."""
    policy = trained("formbot")
    assert TEDConfig().min_epochs <= policy.trained_epochs < TEDConfig().epochs / 2
    domain, trackers = bot("formbot")
    examples = list(policy.examples.pairs)
    table, windows, targets = policy._tensors(examples)
    right, confidence = policy._correct(table, windows, targets)
    assert bool(right.all())
    assert float(confidence.min()) >= TEDConfig().stop_confidence


def test_a_recombined_story_it_never_saw_is_predicted():
    """No music, then concerts compared, then goodbye: parts of several stories, in a new order."""
    domain, trackers = bot("concertbot")
    concerts = [{"artist": "A", "reviews": 4.0}]
    held_out = [
        act("action_listen"),
        user("greet"),
        act("utter_greet"),
        act("action_listen"),
        user("deny"),
        SlotSet("likes_music", False),
        act("utter_no_music"),
        act("action_listen"),
        user("search_concerts"),
        act("action_search_concerts"),
        SlotSet("concerts", concerts),
        act("action_listen"),
        user("compare_reviews"),
        act("action_show_concert_reviews"),
        act("action_listen"),
        user("goodbye"),
        act("utter_goodbye"),
        act("action_listen"),
    ]
    history = TEDConfig().max_history
    stories = [t for t in trackers if not t.is_rule]
    known = {state_key(states[-history:]) for t in stories for states, _ in training_examples(t, domain)}
    new_windows = [a for s, a in training_examples(held_out, domain) if state_key(s[-history:]) not in known]
    assert len(new_windows) >= 3  # not a memorised story: these histories were never trained on
    wrong, checked = mistakes(trained("concertbot"), domain, [held_out])
    assert checked == 10
    assert wrong == []


def test_a_feature_no_training_state_has_changes_no_prediction():
    """Rasa's moodbot without its happy path: `mood_great` is in the domain but in no remaining
    story. Its row of the input table stays zero, so a state with it is read like one without it."""
    domain, _ = bot("moodbot-3x")
    stories = [s for s in load_training_data([BOTS["moodbot-3x"] / "data"]).stories if s.name != "happy path"]
    policy = TEDPolicy(TEDConfig())
    policy.train(training_trackers(stories, domain, augmentation_factor=20, seed=42), domain)
    start = [act("action_listen"), user("greet"), act("utter_greet"), act("action_listen")]
    unseen = DialogueStateTracker("a", domain.slot_defaults(), [*start, user("mood_great"), act("utter_happy")])
    without = DialogueStateTracker("b", domain.slot_defaults(), [*start, UserUttered("hm"), act("utter_happy")])
    assert policy.predict(unseen, domain).probabilities == pytest.approx(policy.predict(without, domain).probabilities)


def test_training_windows_are_shortened_to_their_newest_states_at_random():
    windows = torch.arange(1, 5001).view(1000, 5)  # five real states each, none padding (0)
    torch.manual_seed(0)
    shortened = _shortened(windows)
    changed = (shortened != windows).any(1)
    assert abs(changed.float().mean().item() - HISTORY_DROPOUT) < 0.05
    kept = (shortened != 0).sum(1)
    assert set(kept[changed].tolist()) == {1, 2, 3, 4}  # the newest state always stays
    for row, original, k in zip(shortened, windows, kept.tolist()):
        assert row.tolist() == [0] * (5 - k) + original[5 - k :].tolist()  # older states become padding


def test_rules_are_not_training_data():
    domain, trackers = bot("formbot-3x")
    policy = TEDPolicy(TEDConfig(epochs=2))
    policy.train([t for t in trackers if t.is_rule], domain)
    tracker = DialogueStateTracker("t", domain.slot_defaults(), [act("action_listen"), user("greet")])
    assert policy.predict(tracker, domain).confidence == 0.0  # nothing learned: it abstains


# -- interactive learning ---------------------------------------------------------------------


def with_new_turn(domain: Domain) -> Domain:
    return dataclasses.replace(
        domain,
        intents={**domain.intents, "ask_price": Intent()},
        responses={**domain.responses, "utter_price": [{"text": "Tickets start at 20 euros."}]},
    )


def test_update_learns_a_new_intent_and_action_and_keeps_the_old_stories():
    domain, trackers = bot("concertbot")
    policy = TEDPolicy()
    policy.train(trackers, domain)
    grown = with_new_turn(domain)
    taught = [
        act("action_listen"),
        user("greet"),
        act("utter_greet"),
        act("action_listen"),
        user("ask_price"),
        act("utter_price"),
        act("action_listen"),
    ]
    policy.update([TrainingTracker("taught", taught)], grown)
    assert policy.update_steps < policy.config.update_max_steps  # it stopped early: all learned
    wrong, _ = mistakes(policy, grown, [taught, *story_events(trackers)])
    assert wrong == []
    # the new action is ranked where it was taught only
    tracker = DialogueStateTracker("t", grown.slot_defaults(), [act("action_listen"), user("search_concerts")])
    assert policy.predict(tracker, grown).confidence_of("utter_price") < 0.1


def test_a_correction_replaces_what_the_stories_said():
    domain, trackers = bot("moodbot")
    policy = trained_copy("moodbot")
    corrected = [act("action_listen"), user("greet"), act("utter_happy"), act("action_listen")]
    policy.update([TrainingTracker("correction", corrected)], domain)
    wrong, _ = mistakes(policy, domain, [corrected])
    assert wrong == []
    tracker = DialogueStateTracker("t", domain.slot_defaults(), corrected[:2])
    assert policy.predict(tracker, domain).confidence_of("utter_greet") < 0.5


def test_a_taught_turn_the_policy_already_predicts_costs_no_step():
    domain, trackers = bot("moodbot")
    policy = trained_copy("moodbot")
    story = story_events(trackers)[0]
    assert mistakes(policy, domain, [story])[0] == []
    policy.update([TrainingTracker("confirmed", story)], domain)
    assert policy.update_steps == 0


def trained_copy(name: str) -> TEDPolicy:
    meta, tensors = trained(name).to_state()
    return TEDPolicy.from_state(json.loads(json.dumps(meta)), tensors)


# -- saving -----------------------------------------------------------------------------------


def test_save_and_load_give_the_same_probabilities_and_can_keep_learning():
    domain, trackers = bot("formbot")
    policy = trained("formbot")
    meta, tensors = policy.to_state()
    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    buffer.seek(0)
    loaded = TEDPolicy.from_state(json.loads(json.dumps(meta)), torch.load(buffer, weights_only=True))
    for events in story_events(trackers)[:4]:
        for end in range(2, len(events)):
            tracker = DialogueStateTracker("t", domain.slot_defaults(), events[:end])
            assert loaded.predict(tracker, domain).probabilities == policy.predict(tracker, domain).probabilities
    assert loaded.examples.pairs.keys() == policy.examples.pairs.keys()
    taught = [
        act("action_listen"),
        user("greet"),
        act("utter_greet"),
        act("action_listen"),
        user("bot_challenge"),
        act("utter_iamabot"),
        act("action_listen"),
    ]
    loaded.update([TrainingTracker("taught", taught)], domain)
    wrong, _ = mistakes(loaded, domain, [taught, *story_events(trackers)])
    assert wrong == []


def test_an_untrained_policy_abstains_and_saves():
    domain, _ = bot("moodbot")
    policy = TEDPolicy()
    tracker = DialogueStateTracker("t", domain.slot_defaults(), [act("action_listen"), user("greet")])
    assert policy.predict(tracker, domain).best_action is None
    meta, tensors = policy.to_state()
    assert TEDPolicy.from_state(meta, tensors).predict(tracker, domain).best_action is None
