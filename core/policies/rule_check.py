"""Checks run when the rule policy trains: rules that are too long, incomplete or contradictory.

The contradiction check replays every rule and story through the trained rule policy, as Rasa
does. A first pass over the rules records which rule taught which action for each prediction
source (the matched rule pattern, a built-in loop or default-intent rule, or the bare state when
nothing matched); a second pass over rules and stories reports every place where the policy
predicts something other than what the rule or story does next, naming the rules that disagree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from core.domain import RULE_SNIPPET_ACTION, Domain
from core.errors import DataError
from core.events import ActionExecuted, ActionExecutionRejected, ActiveLoop, Event, SlotSet, UserUttered
from core.policies.rule_patterns import (
    DEFAULT_RULES,
    LOOP_RULES,
    RuleDecision,
    pattern_start,
    rule_events,
    rule_patterns,
)
from core.policies.states import ACTIVE_LOOP, PREV_ACTION, SLOTS, state_key, states_for_prediction, tracker_states
from core.tracker import SHOULD_NOT_BE_SET, DialogueStateTracker

if TYPE_CHECKING:
    from core.policies.rules import RulePolicy
    from core.training_data.trackers import TrainingTracker

MAX_USER_MESSAGES_IN_RULE = 1
_CONTRADICTION_HINT = (
    "Remove or fix the conflicting rule or story: a rule must predict what every rule and story "
    "that reaches the same situation does next (add a condition to tell the situations apart)."
)
Sources = dict[str, list[tuple[str, str]]]  # prediction source -> (rule or built-in name, action)


def check_rule_restriction(rule_trackers: list[TrainingTracker]) -> None:
    """Rules hold at most one user message: longer dialogues belong in stories."""
    too_long = [
        t.name for t in rule_trackers if sum(isinstance(e, UserUttered) for e in t.events) > MAX_USER_MESSAGES_IN_RULE
    ]
    if too_long:
        names = ", ".join(f"'{name}'" for name in dict.fromkeys(too_long))
        raise DataError(
            f"rule(s) {names} contain more than {MAX_USER_MESSAGES_IN_RULE} user message: rules are not "
            f"meant to hard-code a state machine",
            hint="Write these dialogues as stories, or set `restrict_rules: false` for the RulePolicy.",
        )


# -- incomplete rules -------------------------------------------------------------------------


def _fingerprints(rule_trackers: list[TrainingTracker], domain: Domain) -> dict[str, tuple[set[str], set[str]]]:
    """For each action: the featurized slots and the loops it sets right after it in some rule.

    The opening listen stands for Rasa's rule-start marker `...`: what follows it before the
    rule's first action or user message (its condition, a leading `active_loop: null`) describes
    the situation the rule applies in, and is no action's doing."""
    featurized = {name for name, slot in domain.all_slots.items() if slot.featurized}
    prints: dict[str, tuple[set[str], set[str]]] = {}
    for tracker in rule_trackers:
        events = rule_events(tracker)
        action: str | None = None
        for index, event in enumerate(events):
            if index == 0:
                continue
            if isinstance(event, ActionExecuted):
                action = event.name or event.action_text
            elif isinstance(event, UserUttered):
                action = None
            elif action and isinstance(event, SlotSet) and event.name in featurized:
                prints.setdefault(action, (set(), set()))[0].add(event.name)
            elif action and isinstance(event, ActiveLoop):
                prints.setdefault(action, (set(), set()))[1].add(event.name or SHOULD_NOT_BE_SET)
    return prints


def check_incomplete_rules(rule_trackers: list[TrainingTracker], domain: Domain) -> None:
    """An action that sets a slot or loop in one rule must show it in every rule it continues in."""
    prints = _fingerprints(rule_trackers, domain)
    problems: list[str] = []
    for tracker in rule_trackers:
        events = rule_events(tracker)
        states = tracker_states(events, domain, omit_unset_slots=True)
        # the state after a rule's last action only counts when the rule goes on by listening
        last = len(states) if tracker.wait_for_user_input else len(states) - 1
        for state in states[pattern_start(tracker) : last]:
            action = state.get(PREV_ACTION, {})
            name = action.get("action_name") or action.get("action_text")
            if name not in prints:
                continue
            slots, loops = prints[name]
            missing = sorted(slots - set(state.get(SLOTS, {})))
            if missing:
                problems.append(
                    f"- the action '{name}' in rule '{tracker.name}' does not set some of the slots that it "
                    f"sets in other rules: '{', '.join(missing)}'"
                )
            if loops and state.get(ACTIVE_LOOP, {}).get("name") not in loops:
                shown = sorted("null" if loop == SHOULD_NOT_BE_SET else loop for loop in loops)
                problems.append(
                    f"- the form '{name}' in rule '{tracker.name}' does not set the 'active_loop' that it "
                    f"sets in other rules: '{', '.join(shown)}'"
                )
    if problems:
        raise DataError(
            "incomplete rules:\n" + "\n".join(dict.fromkeys(problems)),
            hint="Add the missing `slot_was_set` / `active_loop` step after the action (use null for "
            '"must not be set"), or end the rule with `wait_for_user_input: false` if it is its last action.',
        )


# -- contradictions ---------------------------------------------------------------------------


class _Replay:
    """One rule or story replayed action by action through the trained rule policy."""

    def __init__(self, policy: RulePolicy, tracker: TrainingTracker, domain: Domain):
        self.policy, self.tracker, self.domain = policy, tracker, domain
        self.events: list[Event] = rule_events(tracker) if tracker.is_rule else list(tracker.events)
        # event index -> the rule's own pattern key, used as the source when no rule matched
        self.own_keys: dict[int, str | None] = {}
        if tracker.is_rule:
            self.own_keys = {index: key for index, key, _ in rule_patterns(tracker, domain)}

    def predictable(self, index: int) -> bool:
        if index == 0:
            return False  # the opening listen
        return not self.tracker.is_rule or self.own_keys.get(index) is not None

    def steps(self) -> Iterator[tuple[DialogueStateTracker, str, str | None, str]]:
        """(running tracker, gold action, predicted action or None, source) for each predictable action."""
        running = DialogueStateTracker(self.tracker.name, self.domain.slot_defaults())
        if self.tracker.is_rule and not self.tracker.conversation_start:
            running.update(ActionExecuted(RULE_SNIPPET_ACTION))  # something came before: not the start
        for index, event in enumerate(self.events):
            if isinstance(event, ActionExecuted) and self.predictable(index):
                gold = event.name or event.action_text or ""
                predicted, source = self._predict(running, gold, index)
                yield running, gold, predicted, source
            running.update(event)

    def _predict(self, running: DialogueStateTracker, gold: str, index: int) -> tuple[str | None, str]:
        decision = self.policy.decide(running, self.domain)
        loop = running.active_loop_name
        if loop and decision.action == loop and gold != loop:
            # inside a loop the loop comes first; an unhappy path starts with the loop refusing
            running.update(ActionExecutionRejected(loop))
            decision = self.policy.decide(running, self.domain)
        return self._named(decision, running, index)

    def _named(self, decision: RuleDecision, running: DialogueStateTracker, index: int) -> tuple[str | None, str]:
        if decision.action is not None and decision.source is not None:
            return decision.action, decision.source
        source = self.own_keys.get(index) if self.tracker.is_rule else None
        source = source or state_key(states_for_prediction(running, self.domain))
        # a rule must always predict its next action; "nothing" is the fallback's answer
        return (self.policy.fallback_action if self.tracker.is_rule else None), source


def collect_sources(policy: RulePolicy, rule_trackers: list[TrainingTracker], domain: Domain) -> Sources:
    """Which rules (or built-in rules) taught which action, by prediction source."""
    sources: Sources = {}
    for tracker in rule_trackers:
        for _, gold, predicted, source in _Replay(policy, tracker, domain).steps():
            name = tracker.name
            if source.startswith((DEFAULT_RULES, LOOP_RULES)) and predicted is not None:
                name, gold = source, predicted  # a built-in rule "taught" what it predicts
            sources.setdefault(source, []).append((name, gold))
    return sources


def contradiction_problems(
    policy: RulePolicy, sources: Sources, trackers: list[TrainingTracker], domain: Domain
) -> tuple[list[str], set[str]]:
    """(one line per place where a rule says otherwise than a rule or story, sources stories use)."""
    problems: list[str] = []
    used_in_stories: set[str] = set()
    for tracker in trackers:
        kind = "rule" if tracker.is_rule else "story"
        for _, gold, predicted, source in _Replay(policy, tracker, domain).steps():
            if predicted is None:
                continue
            if predicted == gold:
                if not tracker.is_rule:
                    used_in_stories.add(source)
                continue
            rivals = [name for name, action in sources.get(source, []) if action != gold]
            if not rivals:
                continue
            message = (
                f"- the prediction of the action '{gold}' in {kind} '{tracker.name}' is contradicting with "
                f"rule(s) '{', '.join(dict.fromkeys(rivals))}'"
            )
            if predicted != policy.fallback_action:
                message += f" which predicted action '{predicted}'"
            problems.append(message + ".")
    return list(dict.fromkeys(problems)), used_in_stories


def find_contradictions(
    policy: RulePolicy, rule_trackers: list[TrainingTracker], trackers: list[TrainingTracker], domain: Domain
) -> tuple[set[str], Sources]:
    """Raises a DataError listing every contradiction; returns (sources used by stories, all sources)."""
    sources = collect_sources(policy, rule_trackers, domain)
    problems, used_in_stories = contradiction_problems(policy, sources, trackers, domain)
    if problems:
        raise DataError("contradicting rules or stories found:\n" + "\n".join(problems), hint=_CONTRADICTION_HINT)
    return used_in_stories, sources
