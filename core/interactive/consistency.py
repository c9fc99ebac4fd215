"""Does what the person just taught fit the project's rules and stories?

Checked on the story an export would write for the conversation, as training would read it:
against the rules through the trained rule policy (a contradiction makes `botcoach train`
refuse the data), and against the training stories that reach the same recent history (the last
`max_history` states) and go on with another action (`data validate` reports it as a story
structure conflict; no policy can learn both).
"""

from __future__ import annotations

from dataclasses import replace

from core.domain import Domain
from core.errors import BotcoachError
from core.events import ActionExecuted, Event
from core.policies.memoization import DEFAULT_MAX_HISTORY
from core.policies.rule_check import Sources, collect_sources, contradiction_problems
from core.policies.rules import RulePolicy
from core.policies.states import describe_states, state_key, training_examples
from core.runtime.agent import Agent
from core.story_export import tracker_to_story
from core.tracker import ACTION_LISTEN, DialogueStateTracker
from core.training_data.trackers import TrainingTracker, training_trackers


def _ends_listening(events: list[Event]) -> bool:
    return bool(events) and isinstance(events[-1], ActionExecuted) and events[-1].name == ACTION_LISTEN


def _last_action(tracker: DialogueStateTracker) -> str | None:
    actions = [e.name for e in tracker.applied_events(collapse_loops=False) if isinstance(e, ActionExecuted)]
    return actions[-1] if actions else None


class ConsistencyCheck:
    """Checks conversations against one version of the project's rules and stories."""

    def __init__(self, agent: Agent, trackers: list[TrainingTracker]) -> None:
        self.domain: Domain = agent.domain
        policies = list(getattr(agent.ensemble, "policies", []))
        self.rule_policy = next((p for p in policies if isinstance(p, RulePolicy)), None)
        self.max_history = max((getattr(p, "max_history", 0) for p in policies), default=0) or DEFAULT_MAX_HISTORY
        self.rules = [t for t in trackers if t.is_rule]
        self.stories = [t for t in trackers if not t.is_rule and not t.is_augmented]
        self._sources: Sources | None = None
        self._continuations: dict[str, dict[str, str]] | None = None  # history -> action -> story

    def problems(self, tracker: DialogueStateTracker, name: str, e2e: bool = False) -> list[str]:
        """Every contradiction in the conversation, each naming the rule or story it is with."""
        try:
            taught = training_trackers([tracker_to_story(tracker, name, e2e=e2e)], self.domain, augmentation_factor=0)
        except BotcoachError:
            return []  # a conversation training could not read at all: export says so
        if _last_action(tracker) != ACTION_LISTEN:
            # mid-turn: the bot acts again next, so the listen a story implies at its end is not taught
            taught = [replace(t, events=t.events[:-1]) if _ends_listening(t.events) else t for t in taught]
        return self._rule_problems(taught) + self._story_problems(taught)

    def _rule_problems(self, taught: list[TrainingTracker]) -> list[str]:
        if self.rule_policy is None or not self.rules:
            return []
        if self._sources is None:
            self._sources = collect_sources(self.rule_policy, self.rules, self.domain)
        problems, _ = contradiction_problems(self.rule_policy, self._sources, taught, self.domain)
        return [p.removeprefix("- ") for p in problems]

    def _story_problems(self, taught: list[TrainingTracker]) -> list[str]:
        continuations = self._story_continuations()
        problems: list[str] = []
        for tracker in taught:
            for states, action in training_examples(tracker, self.domain):
                recent = states[-self.max_history :]
                others = continuations.get(state_key(recent), {})
                if others and action not in others:
                    other, story = next(iter(others.items()))
                    problems.append(
                        f"after {describe_states(recent)}, this conversation runs '{action}' where the "
                        f"training story '{story}' runs '{other}' (max_history {self.max_history})"
                    )
        return list(dict.fromkeys(problems))

    def _story_continuations(self) -> dict[str, dict[str, str]]:
        if self._continuations is None:
            continuations: dict[str, dict[str, str]] = {}
            for tracker in self.stories:
                for states, action in training_examples(tracker, self.domain):
                    continuations.setdefault(state_key(states[-self.max_history :]), {}).setdefault(
                        action, tracker.name
                    )
            self._continuations = continuations
        return self._continuations
