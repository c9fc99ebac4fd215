"""Story conflicts: the same recent history followed by different actions in different stories.

This is what `rasa data validate stories` reports. No policy can learn both continuations: the
memoization policy drops the history, and the ML policy splits its belief between them. The check
runs on the loop-collapsed history the policies train on, so a form's happy-path turns (which a
policy never predicts) cannot conflict with anything. Rules and augmented stories are left out:
rules are checked by the rule policy, augmented stories are random glue. As in Rasa, stories that
differ only in how they begin (the bot speaking first, before any user message) do not conflict:
nothing happened yet that a policy could tell them apart by.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.domain import Domain
from core.policies.states import (
    PREV_ACTION,
    USER,
    State,
    describe_states,
    state_key,
    states_from_key,
    training_examples,
)
from core.tracker import ACTION_LISTEN
from core.training_data.trackers import TrainingTracker


@dataclass
class Conflict:
    """One history and the actions different stories take after it, each with its stories."""

    history: list[State]
    actions: dict[str, list[str]] = field(default_factory=dict)  # action -> story names

    @property
    def history_text(self) -> str:
        return describe_states(self.history)

    @property
    def conflicting_actions(self) -> list[str]:
        return list(self.actions)

    @property
    def message(self) -> str:
        lines = [f"Story structure conflict after: {self.history_text}"]
        for action, stories in self.actions.items():
            shown = ", ".join(f"'{name}'" for name in stories[:5])
            more = f" and {len(stories) - 5} more" if len(stories) > 5 else ""
            lines.append(f"  {action} predicted in {shown}{more}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.message


def find_story_conflicts(trackers: list[TrainingTracker], domain: Domain, max_history: int = 5) -> list[Conflict]:
    """Every history of up to `max_history` states that stories continue in more than one way.

    Conflicts come in the order their history first appears; actions and stories in data order.
    """
    if max_history < 1:
        raise ValueError(f"max_history must be at least 1, not {max_history}")
    seen: dict[str, dict[str, list[str]]] = {}
    for tracker in trackers:
        if tracker.is_rule or tracker.is_augmented:
            continue
        for states, action in training_examples(tracker, domain):
            stories = seen.setdefault(state_key(states[-max_history:]), {}).setdefault(action, [])
            if tracker.name not in stories:
                stories.append(tracker.name)
    conflicts = [Conflict(states_from_key(key), actions) for key, actions in seen.items() if len(actions) > 1]
    return [conflict for conflict in conflicts if _has_prior_event(conflict.history[-1])]


def _has_prior_event(state: State) -> bool:
    """Whether the state follows a bot action or a user message, not only the conversation start."""
    action = state.get(PREV_ACTION, {})
    return action.get("action_name") not in (None, ACTION_LISTEN) or "action_text" in action or bool(state.get(USER))
