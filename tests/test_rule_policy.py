"""The rule policy on real Rasa data and the sample bots: rules, loops, defaults, fallback, checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.config import PolicyConfig, load_config
from core.domain import RULE_SNIPPET_ACTION, Domain, load_domain, read_domain
from core.errors import DataError
from core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    Event,
    LoopInterrupted,
    SlotSet,
    UserUttered,
)
from core.policies.base import policy_from_state, policy_to_state
from core.policies.rule_patterns import pattern_start, rule_events, rule_patterns
from core.policies.rules import RulePolicy
from core.tracker import ACTION_LISTEN, DialogueStateTracker
from core.training_data.loader import load_training_data
from core.training_data.stories_yaml import read_stories_yaml
from core.training_data.trackers import TrainingTracker, training_trackers
from tests.conftest import COMPAT, SAMPLES

RULES_WITHOUT_STORIES = COMPAT / "test-data" / "data" / "test_yaml_stories" / "rules_without_stories.yml"

LOOP_DOMAIN = read_domain(
    """
intents: [inform, explain, greet, stop, chitchat, bot_challenge]
entities: [some_slot]
slots:
  some_slot:
    type: text
    mappings: [{type: from_entity, entity: some_slot}]
forms:
  loop_q_form:
    required_slots: [some_slot]
responses:
  utter_explain_some_slot: [{text: "Some slot is where you say something."}]
  utter_greet: [{text: "Hi!"}]
  utter_chitchat: [{text: "Nice."}]
  utter_iamabot: [{text: "I am a bot."}]
  utter_ask_continue: [{text: "Continue?"}]
"""
)


def user(intent: str, entities: list[dict] | None = None) -> UserUttered:
    return UserUttered(f"/{intent}", intent={"name": intent, "confidence": 1.0}, entities=entities or [])


def act(name: str) -> ActionExecuted:
    return ActionExecuted(name)


def tracker_of(domain: Domain, *events: Event) -> DialogueStateTracker:
    return DialogueStateTracker("test", domain.slot_defaults(), events)


def trained(domain: Domain, yaml_text: str, config: PolicyConfig | None = None) -> RulePolicy:
    policy = RulePolicy(config)
    policy.train(training_trackers(read_stories_yaml(yaml_text), domain, 0), domain)
    return policy


def load_bot(folder: Path) -> tuple[Domain, list[TrainingTracker]]:
    domain = load_domain(folder / "domain.yml")
    data = load_training_data([folder / "data"])
    return domain, training_trackers(data.stories, domain, 0)


def replay_rule(policy: RulePolicy, rule: TrainingTracker, domain: Domain) -> list[tuple[str, str | None]]:
    """(expected, predicted) for every action the rule predicts, with loops refusing off-path input."""
    results = []
    predictable = {index for index, key, _ in rule_patterns(rule, domain) if key is not None}
    running = DialogueStateTracker(rule.name, domain.slot_defaults())
    if not rule.conversation_start:
        running.update(act(RULE_SNIPPET_ACTION))  # the rule applies in the middle of a conversation
    for index, event in enumerate(rule_events(rule)):
        if index in predictable:
            gold = event.name
            predicted = policy.predict(running, domain)
            best = predicted.best_action
            loop = running.active_loop_name
            if loop and best == loop != gold:  # the form rejects what it does not handle
                running.update(ActionExecutionRejected(loop))
                predicted = policy.predict(running, domain)
                best = predicted.best_action
            assert predicted.confidence == 1.0, (rule.name, gold, predicted.diagnostics)
            results.append((gold, best))
        running.update(event)
    return results


# -- real bots: rules train without contradictions and predict their own actions --------------


@pytest.mark.parametrize(
    "folder",
    [
        COMPAT / "formbot-3x",
        COMPAT / "concertbot-3x",
        COMPAT / "moodbot-3x",
        COMPAT / "initial-project-3x",
        SAMPLES / "formbot",
        SAMPLES / "concertbot",
    ],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_real_rules_train_and_predict_their_own_actions(folder: Path) -> None:
    domain, trackers = load_bot(folder)
    rules = [t for t in trackers if t.is_rule]
    assert rules, "the bot has rules"
    policy = RulePolicy()
    policy.train(trackers, domain)  # the contradiction check runs: it must not raise
    for rule in rules:
        results = replay_rule(policy, rule, domain)
        assert results, rule.name
        assert all(gold == best for gold, best in results), (rule.name, results)


def test_rules_without_stories_file_contradicts_where_rasa_does() -> None:
    """Two of its rules continue 'explain -> utter_explain_some_slot' differently: a real contradiction."""
    rules = read_stories_yaml(RULES_WITHOUT_STORIES.read_text(), RULES_WITHOUT_STORIES)
    assert len(rules) == 5
    with pytest.raises(DataError) as caught:
        RulePolicy().train(training_trackers(rules, LOOP_DOMAIN, 0), LOOP_DOMAIN)
    message = caught.value.message
    assert "'loop_q_form' in rule 'Rule without condition'" in message
    assert "rule(s) 'Rule which explicitly waits for user input when finished'" in message
    assert "in rule 'Rule which explicitly waits for user input when finished' is contradicting" in message
    assert "Rule with condition" not in message and "conversation start" not in message
    assert "fix the conflicting rule or story" in str(caught.value).lower()


@pytest.fixture
def rules_without_stories() -> dict[str, object]:
    stories = read_stories_yaml(RULES_WITHOUT_STORIES.read_text(), RULES_WITHOUT_STORIES)
    return {story.name: story for story in stories}


def test_rules_without_stories_each_rule_predicts_its_actions(rules_without_stories: dict) -> None:
    for name, rule in rules_without_stories.items():
        trackers = training_trackers([rule], LOOP_DOMAIN, 0)
        policy = RulePolicy()
        policy.train(trackers, LOOP_DOMAIN)
        results = replay_rule(policy, trackers[0], LOOP_DOMAIN)
        assert results and all(gold == best for gold, best in results), (name, results)


def test_condition_rule_pattern_holds_the_condition(rules_without_stories: dict) -> None:
    tracker = training_trackers([rules_without_stories["Rule with condition"]], LOOP_DOMAIN, 0)[0]
    assert tracker.condition_length == 2 and pattern_start(tracker) == 0
    first_key = rule_patterns(tracker, LOOP_DOMAIN)[0][1]
    pattern = json.loads(first_key)
    assert pattern == [
        {
            "active_loop": {"name": "loop_q_form"},
            "prev_action": {"action_name": ACTION_LISTEN},
            "user": {"entities": ["some_slot"], "intent": "inform"},
            "slots": {"some_slot": [1.0]},  # filled by the entity, as Rasa fills it in a rule
        }
    ]


def test_conversation_start_rule_matches_only_at_the_start(rules_without_stories: dict) -> None:
    rule = rules_without_stories["Rule which only applies to conversation start"]
    policy = RulePolicy()
    policy.train(training_trackers([rule], LOOP_DOMAIN, 0), LOOP_DOMAIN)
    at_start = tracker_of(LOOP_DOMAIN, act(ACTION_LISTEN), user("explain"))
    assert policy.predict(at_start, LOOP_DOMAIN).best_action == "utter_explain_some_slot"
    later = tracker_of(
        LOOP_DOMAIN, act(ACTION_LISTEN), user("greet"), act("utter_greet"), act(ACTION_LISTEN), user("explain")
    )
    assert policy.predict(later, LOOP_DOMAIN).best_action == "action_default_fallback"
    anywhere = RulePolicy()
    anywhere.train(
        training_trackers(
            [rules_without_stories["Rule which explicitly waits for user input when finished"]], LOOP_DOMAIN, 0
        ),
        LOOP_DOMAIN,
    )
    assert anywhere.predict(later, LOOP_DOMAIN).best_action == "utter_explain_some_slot"


def test_wait_for_user_input_false_leaves_the_next_action_open(rules_without_stories: dict) -> None:
    after_explain = tracker_of(LOOP_DOMAIN, act(ACTION_LISTEN), user("explain"), act("utter_explain_some_slot"))
    hand_over = RulePolicy()
    hand_over.train(
        training_trackers(
            [rules_without_stories["Rule after which another action should be predicted"]], LOOP_DOMAIN, 0
        ),
        LOOP_DOMAIN,
    )
    assert hand_over.predict(after_explain, LOOP_DOMAIN).best_action == "action_default_fallback"
    waiting = RulePolicy()
    waiting.train(
        training_trackers(
            [rules_without_stories["Rule which explicitly waits for user input when finished"]], LOOP_DOMAIN, 0
        ),
        LOOP_DOMAIN,
    )
    assert waiting.predict(after_explain, LOOP_DOMAIN).best_action == ACTION_LISTEN


# -- loops ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def formbot() -> tuple[Domain, RulePolicy]:
    domain, trackers = load_bot(SAMPLES / "formbot")
    policy = RulePolicy()
    policy.train(trackers, domain)
    return domain, policy


def in_form(*more: Event) -> list[Event]:
    return [
        act(ACTION_LISTEN),
        user("request_restaurant"),
        act("restaurant_form"),
        ActiveLoop("restaurant_form"),
        SlotSet("requested_slot", "cuisine"),
        act(ACTION_LISTEN),
        *more,
    ]


def test_loop_prediction_after_user_input_then_listen(formbot) -> None:
    domain, policy = formbot
    tracker = tracker_of(domain, *in_form(user("inform", [{"entity": "cuisine", "value": "thai"}])))
    prediction = policy.predict(tracker, domain)
    assert prediction.best_action == "restaurant_form" and prediction.confidence == 1.0
    assert prediction.is_no_user_prediction
    tracker.update(act("restaurant_form"))
    assert policy.predict(tracker, domain).best_action == ACTION_LISTEN


def test_rejected_loop_is_not_predicted_and_chitchat_rule_returns_to_the_form(formbot) -> None:
    domain, policy = formbot
    tracker = tracker_of(domain, *in_form(user("chitchat"), ActionExecutionRejected("restaurant_form")))
    assert policy.predict(tracker, domain).best_action == "utter_chitchat"
    tracker.update(act("utter_chitchat"))
    back = policy.predict(tracker, domain)
    assert back.best_action == "restaurant_form"
    assert "chitchat inside the form, then back to the form" in back.diagnostics["rule_names"]
    # an input no rule handles: the loop is not predicted, the fallback is all the rules offer
    stopped = tracker_of(domain, *in_form(user("stop"), ActionExecutionRejected("restaurant_form")))
    prediction = policy.predict(stopped, domain)
    assert prediction.confidence_of("restaurant_form") == 0.0
    assert prediction.best_action == "action_default_fallback"


def test_general_listen_rule_hands_back_to_the_active_loop() -> None:
    """formbot-3x has only a general chitchat rule: inside the form, the form runs after it."""
    domain, trackers = load_bot(COMPAT / "formbot-3x")
    policy = RulePolicy()
    policy.train(trackers, domain)
    tracker = tracker_of(domain, *in_form(user("chitchat"), ActionExecutionRejected("restaurant_form")))
    assert policy.predict(tracker, domain).best_action == "utter_chitchat"
    tracker.update(act("utter_chitchat"))
    assert policy.predict(tracker, domain).best_action == "restaurant_form"


def test_deactivated_loop_lets_the_submit_rule_apply(formbot) -> None:
    domain, policy = formbot
    tracker = tracker_of(domain, *in_form(user("inform"), act("restaurant_form"), ActiveLoop(None)))
    assert policy.predict(tracker, domain).best_action == "utter_submit"
    tracker.update(act("utter_submit"))
    assert policy.predict(tracker, domain).best_action == "utter_slots_values"
    # the same action with the loop still active is not the submit rule's situation
    active = tracker_of(domain, *in_form(user("inform"), act("restaurant_form")))
    assert policy.predict(active, domain).best_action == ACTION_LISTEN


def test_story_unhappy_path_marks_the_loop_interrupted(formbot) -> None:
    """The stories run the form right after 'affirm' to continue: it must not validate that input."""
    domain, policy = formbot
    tracker = tracker_of(
        domain,
        *in_form(
            user("stop"),
            ActionExecutionRejected("restaurant_form"),
            act("utter_ask_continue"),
            act(ACTION_LISTEN),
            user("affirm"),
        ),
    )
    prediction = policy.predict(tracker, domain)
    assert any(isinstance(e, LoopInterrupted) and e.is_interrupted for e in prediction.events)


# -- defaults, fallback, persistence ----------------------------------------------------------


def test_default_intents_overrule_loops_and_rules(formbot) -> None:
    domain, policy = formbot
    for intent, action in [
        ("restart", "action_restart"),
        ("back", "action_back"),
        ("session_start", "action_session_start"),
    ]:
        tracker = tracker_of(domain, *in_form(user(intent)))
        prediction = policy.predict(tracker, domain)
        assert prediction.best_action == action and prediction.confidence == 1.0


def test_core_fallback_confidence_when_no_rule_applies() -> None:
    domain, trackers = load_bot(COMPAT / "moodbot-3x")
    tracker = tracker_of(domain, act(ACTION_LISTEN), user("mood_great"))
    policy = RulePolicy(PolicyConfig(core_fallback_threshold=0.4))
    policy.train(trackers, domain)
    prediction = policy.predict(tracker, domain)
    assert prediction.confidence_of("action_default_fallback") == pytest.approx(0.4)
    assert sorted(prediction.probabilities)[-2] == 0.0
    quiet = RulePolicy(PolicyConfig(enable_fallback_prediction=False))
    quiet.train(trackers, domain)
    assert quiet.predict(tracker, domain).best_action is None
    goodbye = tracker_of(domain, act(ACTION_LISTEN), user("goodbye"))
    assert policy.predict(goodbye, domain).best_action == "utter_goodbye"


def test_a_1x_fallback_policy_answers_an_nlu_fallback_message_with_its_action_outside_forms() -> None:
    """Rasa 1.x's FallbackPolicy (formbot-1x's config, unchanged) answered a message NLU was unsure
    of with its fallback action whatever the stories said, but not inside a form (the FormPolicy
    ranked above it). It is kept through the saved state; a 3.x config has no such default."""
    folder = COMPAT / "formbot-1x"
    domain, trackers = load_bot(folder)
    config = load_config(folder / "config.yml").policies
    assert config.nlu_fallback_action == "action_default_fallback"
    policy = RulePolicy(config)
    policy.train(trackers, domain)
    unsure = tracker_of(domain, act(ACTION_LISTEN), user("nlu_fallback"))
    prediction = policy.predict(unsure, domain)
    assert prediction.best_action == "action_default_fallback" and prediction.confidence == 1.0
    reloaded = policy_from_state(*policy_to_state(policy))
    assert reloaded.predict(unsure, domain).best_action == "action_default_fallback"
    in_the_form = tracker_of(domain, *in_form(user("nlu_fallback")))
    assert policy.predict(in_the_form, domain).best_action == "restaurant_form"
    plain = RulePolicy(PolicyConfig())
    plain.train(trackers, domain)
    assert plain.predict(unsure, domain).confidence < 1.0


def test_state_is_plain_json_and_reloads(formbot) -> None:
    domain, policy = formbot
    meta, tensors = policy_to_state(policy)
    assert tensors == {}
    reloaded = policy_from_state(json.loads(json.dumps(meta)), {})
    assert isinstance(reloaded, RulePolicy) and reloaded.rules == policy.rules
    tracker = tracker_of(domain, *in_form(user("chitchat"), ActionExecutionRejected("restaurant_form")))
    tracker.update(act("utter_chitchat"))
    assert reloaded.predict(tracker, domain).probabilities == policy.predict(tracker, domain).probabilities


# -- training-time checks ---------------------------------------------------------------------

CONFLICT = """
rules:
- rule: greet politely
  steps:
  - intent: greet
  - action: utter_greet
- rule: greet with a joke
  steps:
  - intent: greet
  - action: utter_chitchat
"""


def test_contradicting_rules_name_both_rules() -> None:
    with pytest.raises(DataError) as caught:
        trained(LOOP_DOMAIN, CONFLICT)
    message = caught.value.message
    assert "the prediction of the action 'utter_greet' in rule 'greet politely'" in message
    assert "contradicting with rule(s) 'greet with a joke'" in message
    assert "in rule 'greet with a joke' is contradicting with rule(s) 'greet politely'" in message
    unchecked = trained(LOOP_DOMAIN, CONFLICT, PolicyConfig(check_for_contradictions=False))
    assert unchecked.ambiguous  # nothing is predicted where the rules disagree


def test_rule_contradicting_a_story_names_the_story() -> None:
    text = """
rules:
- rule: greet back
  steps:
  - intent: greet
  - action: utter_greet
stories:
- story: greeting answered with small talk
  steps:
  - intent: greet
  - action: utter_chitchat
"""
    with pytest.raises(DataError) as caught:
        trained(LOOP_DOMAIN, text)
    assert (
        "the prediction of the action 'utter_chitchat' in story 'greeting answered with small talk' is "
        "contradicting with rule(s) 'greet back' which predicted action 'utter_greet'"
    ) in caught.value.message


def test_story_continuing_after_a_rule_is_fine_and_rules_used_by_stories_are_not_hidden() -> None:
    text = """
rules:
- rule: greet back
  steps:
  - intent: greet
  - action: utter_greet
- rule: bot challenge
  steps:
  - intent: bot_challenge
  - action: utter_iamabot
stories:
- story: greet then explain
  steps:
  - intent: greet
  - action: utter_greet
  - intent: explain
  - action: utter_explain_some_slot
"""
    policy = trained(LOOP_DOMAIN, text)
    greet = policy.predict(tracker_of(LOOP_DOMAIN, act(ACTION_LISTEN), user("greet")), LOOP_DOMAIN)
    challenge = policy.predict(tracker_of(LOOP_DOMAIN, act(ACTION_LISTEN), user("bot_challenge")), LOOP_DOMAIN)
    assert not greet.hide_rule_turn and challenge.hide_rule_turn


def test_rules_with_two_user_messages_are_refused_unless_allowed() -> None:
    text = """
rules:
- rule: a little state machine
  steps:
  - intent: greet
  - action: utter_greet
  - intent: explain
  - action: utter_explain_some_slot
"""
    with pytest.raises(DataError, match="'a little state machine' contain more than 1 user message"):
        trained(LOOP_DOMAIN, text)
    policy = trained(LOOP_DOMAIN, text, PolicyConfig(restrict_rules=False))
    assert "utter_explain_some_slot" in policy.rules.values()


def test_incomplete_rule_names_the_action_and_slot() -> None:
    text = """
rules:
- rule: explain sets the slot
  steps:
  - intent: explain
  - action: utter_explain_some_slot
  - slot_was_set:
    - some_slot: something
- rule: explain after greet
  steps:
  - intent: greet
  - action: utter_explain_some_slot
  - action: utter_greet
"""
    with pytest.raises(DataError) as caught:
        trained(LOOP_DOMAIN, text)
    assert (
        "the action 'utter_explain_some_slot' in rule 'explain after greet' does not set some of the slots "
        "that it sets in other rules: 'some_slot'"
    ) in caught.value.message
