"""The rule policy: short state patterns that always predict the same action, and active loops.

A rule is learned as patterns, one per action it predicts: the states leading to the action,
stored as a canonical JSON key (`state_key`), so the trained policy is plain JSON. A pattern
matches when its states match the *end* of the conversation's states, each rule state matching if
every feature it names has the same value there (features it leaves out are wildcards; a value of
`should_not_be_set`, from `null` in a rule, requires the feature to be absent). A rule with
`conversation_start: true` starts with the empty marker state `{}`: it only matches a whole
conversation. Rules end by predicting `action_listen` unless `wait_for_user_input: false`.

Prediction order follows Rasa 3: the default intents (/restart, /back, /session_start); then the
active loop's happy path (run the loop after a user message, listen after the loop ran); then,
under a Rasa 1.x FallbackPolicy, its fallback action after an `nlu_fallback` message (1.x answered
a message NLU was unsure of so, whatever the stories said); then the most specific matching rule.
Inside a loop, a general rule that would listen hands back to the loop instead, unless the stories
show that the loop must not run there. When nothing applies, the core fallback action gets
`core_fallback_threshold`, so the ensemble can fall back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.config import PolicyConfig
from core.domain import Domain
from core.domain.items import NLU_FALLBACK_INTENT
from core.errors import DataError
from core.events import (
    ActionExecutionRejected,
    Event,
    LoopInterrupted,
)
from core.policies.base import RULE_POLICY_PRIORITY, Policy, confidence_scores_for, default_scores
from core.policies.states import (
    ACTIVE_LOOP,
    RULE_ONLY_LOOPS,
    RULE_ONLY_SLOTS,
    USER,
    State,
    is_prev_action_listen,
    states_for_prediction,
    training_examples,
)
from core.prediction import Prediction
from core.tracker import ACTION_LISTEN, SHOULD_NOT_BE_SET, DialogueStateTracker

if TYPE_CHECKING:
    from core.training_data.trackers import TrainingTracker

from core.policies.rule_check import check_incomplete_rules, check_rule_restriction, find_contradictions
from core.policies.rule_patterns import (
    DEFAULT_ACTION_MAPPINGS,
    DEFAULT_RULES,
    DO_NOT_PREDICT_LOOP_ACTION,
    LOOP_RULES,
    LOOP_RULES_SEPARATOR,
    LOOP_WAS_INTERRUPTED,
    RuleDecision,
    last_action_key,
    pattern_matches,
    pattern_of,
    pattern_start,
    rule_events,
    rule_patterns,
    slots_and_loops,
    specificity,
    unhappy_loop_key,
)


class RulePolicy(Policy):
    """Rasa 3's RulePolicy: rules, active loops, default intents, core fallback."""

    name = "RulePolicy"
    default_priority = RULE_POLICY_PRIORITY
    uses_augmented = False

    def __init__(self, config: PolicyConfig | None = None, priority: int | None = None):
        super().__init__(priority)
        config = config or PolicyConfig()
        self.fallback_threshold = config.core_fallback_threshold
        self.fallback_action = config.core_fallback_action
        self.enable_fallback_prediction = config.enable_fallback_prediction
        self.nlu_fallback_action = config.nlu_fallback_action
        self.restrict_rules = config.restrict_rules
        self.check_for_contradictions = config.check_for_contradictions
        self.rules: dict[str, str] = {}  # pattern key -> action
        self.rule_names: dict[str, list[str]] = {}  # pattern key -> the rules that taught it
        self.ambiguous: set[str] = set()  # keys on which rules disagree: they predict nothing
        self.loop_unhappy: dict[str, str] = {}  # unhappy-path key -> LOOP_WAS_INTERRUPTED / DO_NOT_...
        self.rules_not_in_stories: set[str] = set()  # sources whose turns ML policies may skip
        self.rule_only_slots: list[str] = []
        self.rule_only_loops: list[str] = []
        self._index: dict[str, list[str]] | None = None

    # -- training -----------------------------------------------------------------------------

    def train(self, trackers: list[TrainingTracker], domain: Domain) -> None:
        self._check_fallback_action(domain)
        originals = [t for t in trackers if not t.is_augmented]
        rule_trackers = [t for t in originals if t.is_rule]
        story_trackers = [t for t in originals if not t.is_rule]
        if self.restrict_rules:
            check_rule_restriction(rule_trackers)
        if self.check_for_contradictions:
            check_incomplete_rules(rule_trackers, domain)
        self.rules, self.rule_names, self.ambiguous, self.loop_unhappy = {}, {}, set(), {}
        rule_states, story_states = self._learn(rule_trackers, story_trackers, domain)
        rule_slots, rule_loops = slots_and_loops(rule_states)
        story_slots, story_loops = slots_and_loops(story_states)
        self.rule_only_slots = sorted(rule_slots - story_slots)
        self.rule_only_loops = sorted(rule_loops - story_loops)
        self.rules_not_in_stories = set()
        if self.check_for_contradictions:
            used_in_stories, sources = find_contradictions(self, rule_trackers, originals, domain)
            everything = set(sources) | self.default_sources() | self.loop_sources(domain)
            self.rules_not_in_stories = everything - used_in_stories

    def update(self, new_trackers: list[TrainingTracker], domain: Domain) -> None:
        """Adds what new rules and stories teach, without the (slow) contradiction check."""
        originals = [t for t in new_trackers if not t.is_augmented]
        self._learn([t for t in originals if t.is_rule], [t for t in originals if not t.is_rule], domain)

    def _learn(
        self, rule_trackers: list[TrainingTracker], story_trackers: list[TrainingTracker], domain: Domain
    ) -> tuple[list[list[State]], list[list[State]]]:
        """Learns rule patterns and loop unhappy paths; returns the rule and story state histories."""
        rule_states: list[list[State]] = []
        for tracker in rule_trackers:
            for _, key, action in rule_patterns(tracker, domain):
                if key is not None:
                    self._add_rule(key, action, tracker.name)
            rule_states.extend(
                states for states, _ in training_examples(rule_events(tracker), domain, omit_unset_slots=True)
            )
        story_states: list[list[State]] = []
        for tracker in [*rule_trackers, *story_trackers]:
            events = rule_events(tracker) if tracker.is_rule else tracker.events
            start = pattern_start(tracker) if tracker.is_rule else 0
            for states, action in training_examples(events, domain, omit_unset_slots=tracker.is_rule):
                if not tracker.is_rule:
                    story_states.append(states)
                self._add_unhappy_path(states[start:], action)
        self._index = None
        return rule_states, story_states

    def _add_rule(self, key: str, action: str, rule_name: str) -> None:
        names = self.rule_names.setdefault(key, [])
        if rule_name not in names:
            names.append(rule_name)
        if key in self.ambiguous:
            return
        if key in self.rules and self.rules[key] != action:
            del self.rules[key]  # rules disagree here: the contradiction check names them
            self.ambiguous.add(key)
        else:
            self.rules[key] = action

    def _add_unhappy_path(self, states: list[State], action: str) -> None:
        loop = states[-1].get(ACTIVE_LOOP, {}).get("name") if states else None
        key = unhappy_loop_key(states)
        if not loop or loop == SHOULD_NOT_BE_SET or key is None:
            return
        after_listen = is_prev_action_listen(states[-1])
        if after_listen and action == loop:
            self.loop_unhappy[key] = LOOP_WAS_INTERRUPTED
        elif not after_listen and action != loop:
            self.loop_unhappy[key] = DO_NOT_PREDICT_LOOP_ACTION

    def _check_fallback_action(self, domain: Domain) -> None:
        if self.enable_fallback_prediction and self.fallback_action not in domain.action_names:
            raise DataError(
                f"the core fallback action '{self.fallback_action}' of the RulePolicy is not in the domain",
                hint="Add it to the domain's `actions:` or set `core_fallback_action_name` to a known action.",
            )

    @staticmethod
    def default_sources() -> set[str]:
        return {DEFAULT_RULES + intent for intent in DEFAULT_ACTION_MAPPINGS}

    @staticmethod
    def loop_sources(domain: Domain) -> set[str]:
        sources = set()
        for loop in domain.form_names:
            sources.update({LOOP_RULES + loop, LOOP_RULES + loop + LOOP_RULES_SEPARATOR + ACTION_LISTEN})
        return sources

    def rule_only_data_for_others(self) -> dict[str, list[str]]:
        """Slots and loops only rules use: story-trained policies leave them out of their states."""
        return {RULE_ONLY_SLOTS: list(self.rule_only_slots), RULE_ONLY_LOOPS: list(self.rule_only_loops)}

    # -- prediction ---------------------------------------------------------------------------

    def predict(self, tracker: DialogueStateTracker, domain: Domain) -> Prediction:
        decision = self.decide(tracker, domain)
        # applied whichever policy wins (as Rasa's `events`): the loop must not validate this input
        events: tuple[Event, ...] = (LoopInterrupted(True),) if decision.returning_from_unhappy_path else ()
        if decision.action is None:
            scores = default_scores(domain)
            if self.enable_fallback_prediction:
                scores = confidence_scores_for(self.fallback_action, self.fallback_threshold, domain)
            return self.prediction(
                domain, scores, events=events, diagnostics={"rule": None, "matched": decision.matched}
            )
        return self.prediction(
            domain,
            confidence_scores_for(decision.action, 1.0, domain),
            events=events,
            is_no_user_prediction=decision.is_no_user_prediction,
            hide_rule_turn=decision.source in self.rules_not_in_stories,
            diagnostics={
                "rule": decision.source,
                "rule_names": self.rule_names.get(decision.source or "", []),
                "matched": decision.matched,
            },
        )

    def decide(self, tracker: DialogueStateTracker, domain: Domain) -> RuleDecision:
        """The action the rules, loops and default intents choose, or no action."""
        default = self._default_action(tracker, DEFAULT_ACTION_MAPPINGS)
        if default is not None:
            return default
        loop_turn = self._loop_happy_path(tracker)
        if loop_turn is not None:
            return loop_turn
        if self.nlu_fallback_action:  # Rasa 1.x: FallbackPolicy outranked all but the FormPolicy
            fallback = self._default_action(tracker, {NLU_FALLBACK_INTENT: self.nlu_fallback_action})
            if fallback is not None:
                return fallback
        return self._from_rules(tracker, domain)

    @staticmethod
    def _default_action(tracker: DialogueStateTracker, mappings: dict[str, str]) -> RuleDecision | None:
        message = tracker.latest_message
        if tracker.latest_action_name != ACTION_LISTEN or message is None:
            return None
        action = mappings.get(message.intent_name or "")
        return RuleDecision(action, DEFAULT_RULES + (message.intent_name or "")) if action else None

    @staticmethod
    def _loop_happy_path(tracker: DialogueStateTracker) -> RuleDecision | None:
        loop = tracker.active_loop_name
        if loop is None or tracker.is_active_loop_rejected or not tracker.latest_action:
            return None
        if tracker.latest_action_name != loop:
            return RuleDecision(loop, LOOP_RULES + loop, is_no_user_prediction=True)
        return RuleDecision(ACTION_LISTEN, LOOP_RULES + loop + LOOP_RULES_SEPARATOR + ACTION_LISTEN, True)

    def _from_rules(self, tracker: DialogueStateTracker, domain: Domain) -> RuleDecision:
        states = states_for_prediction(tracker, domain)
        matched = self.matching_keys(states)
        rejected = _just_rejected(tracker)
        if rejected:
            matched = [key for key in matched if self.rules[key] != rejected]
        decision = RuleDecision(matched=matched)
        if matched:
            decision.source = max(matched, key=specificity)
            decision.action = self.rules[decision.source]
            decision.is_no_user_prediction = not any(USER in s for s in pattern_of(decision.source))
        loop = tracker.active_loop_name
        if loop is None:
            return decision
        conditions = {self.loop_unhappy[k] for k in self._matching(self.loop_unhappy, states)}
        general_listen = decision.action == ACTION_LISTEN and not pattern_of(decision.source or "[]")[-1].get(
            ACTIVE_LOOP
        )
        if general_listen:
            if DO_NOT_PREDICT_LOOP_ACTION not in conditions and loop != rejected:
                return RuleDecision(loop, decision.source, matched=matched)
            decision.action = None
        decision.returning_from_unhappy_path = LOOP_WAS_INTERRUPTED in conditions
        return decision

    def matching_keys(self, states: list[State]) -> list[str]:
        """Every learned rule key whose pattern matches the end of `states`."""
        if not states:
            return []
        candidates = self._key_index().get(last_action_key(states), [])
        return [key for key in candidates if pattern_matches(pattern_of(key), states)]

    @staticmethod
    def _matching(lookup: dict[str, str], states: list[State]) -> list[str]:
        return [key for key in lookup if pattern_matches(pattern_of(key), states)] if states else []

    def _key_index(self) -> dict[str, list[str]]:
        """Rule keys by the previous action of their last state: a cheap filter before matching."""
        if self._index is None:
            self._index = {}
            for key in self.rules:
                self._index.setdefault(last_action_key(pattern_of(key)), []).append(key)
        return self._index

    # -- persistence --------------------------------------------------------------------------

    def to_state(self) -> tuple[dict[str, Any], dict[str, Any]]:
        meta = {
            "core_fallback_threshold": self.fallback_threshold,
            "core_fallback_action": self.fallback_action,
            "enable_fallback_prediction": self.enable_fallback_prediction,
            "nlu_fallback_action": self.nlu_fallback_action,
            "restrict_rules": self.restrict_rules,
            "check_for_contradictions": self.check_for_contradictions,
            "rules": dict(self.rules),
            "rule_names": {key: list(names) for key, names in self.rule_names.items()},
            "ambiguous": sorted(self.ambiguous),
            "loop_unhappy": dict(self.loop_unhappy),
            "rules_not_in_stories": sorted(self.rules_not_in_stories),
            RULE_ONLY_SLOTS: list(self.rule_only_slots),
            RULE_ONLY_LOOPS: list(self.rule_only_loops),
        }
        return meta, {}

    @classmethod
    def from_state(cls, meta: dict[str, Any], tensors: dict[str, Any]) -> RulePolicy:
        config = PolicyConfig(
            core_fallback_threshold=meta["core_fallback_threshold"],
            core_fallback_action=meta["core_fallback_action"],
            enable_fallback_prediction=meta["enable_fallback_prediction"],
            nlu_fallback_action=meta.get("nlu_fallback_action"),  # saved since 1.x FallbackPolicy counts
            restrict_rules=meta["restrict_rules"],
            check_for_contradictions=meta["check_for_contradictions"],
        )
        policy = cls(config)
        policy.rules = dict(meta["rules"])
        policy.rule_names = {key: list(names) for key, names in meta["rule_names"].items()}
        policy.ambiguous = set(meta["ambiguous"])
        policy.loop_unhappy = dict(meta["loop_unhappy"])
        policy.rules_not_in_stories = set(meta["rules_not_in_stories"])
        policy.rule_only_slots = list(meta[RULE_ONLY_SLOTS])
        policy.rule_only_loops = list(meta[RULE_ONLY_LOOPS])
        return policy


def _just_rejected(tracker: DialogueStateTracker) -> str | None:
    """The action that refused to run on this very input (the latest event), if any."""
    events = tracker.events
    if events and isinstance(events[-1], ActionExecutionRejected):
        return events[-1].name
    return None
