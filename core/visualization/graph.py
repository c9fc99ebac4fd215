"""The story graph: the current conversation drawn among the training stories that begin like it.

A conversation and every story become a path of steps (a user turn as its intent, a bot action by
name; `action_listen`, slots and loop events are left out). Paths share nodes where they mean the
same thing: two steps with the same label and the same `max_history` steps before them are one
node (Rasa's visualisation merges equivalent states the same way). The conversation keeps its own
nodes from the point where it leaves the training data, so that point stands out.

Which stories are shown: those with the longest common prefix of steps (intent and action alike)
with the conversation; Rasa compares actions only, which calls a story similar after the user said
something else entirely.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from core.domain import DEFAULT_ACTIONS, Domain
from core.events import ActionExecuted, Event, UserUttered
from core.tracker import ACTION_LISTEN, ACTION_SESSION_START, DialogueStateTracker
from core.training_data.trackers import TrainingTracker

START = "start"
END = "end"
DEFAULT_MAX_HISTORY = 2
_SKIPPED_ACTIONS = {ACTION_LISTEN, ACTION_SESSION_START}


@dataclass(frozen=True)
class Step:
    """One node-worthy thing that happened: a user turn ("user", intent) or an action ("action", name)."""

    kind: str
    label: str


@dataclass
class StoryGraph:
    """A networkx MultiDiGraph of steps plus what the views need to mark.

    Node attributes: kind (start, end, user, action), label, current, predicted, divergence,
    stories (names of the training stories through it), action_kind (response, form, default,
    custom; actions only). Edge attributes: current, predicted, stories (how many go along it).
    """

    graph: nx.MultiDiGraph
    current_path: list[str] = field(default_factory=list)
    predicted: str | None = None
    divergence: str | None = None
    note: str | None = None
    shown_stories: list[str] = field(default_factory=list)

    def label(self, node: str) -> str:
        return self.graph.nodes[node]["label"]

    def kind(self, node: str) -> str:
        return self.graph.nodes[node]["kind"]

    def flag(self, node: str, name: str) -> bool:
        return bool(self.graph.nodes[node].get(name))

    def successors(self, node: str) -> list[str]:
        """Next nodes, each once, in the order they were added."""
        return list(dict.fromkeys(self.graph.successors(node)))

    def edge_pairs(self) -> list[tuple[str, str]]:
        return list(dict.fromkeys((u, v) for u, v in self.graph.edges()))

    def edge_data(self, u: str, v: str) -> dict[str, Any]:
        return next(iter(self.graph.get_edge_data(u, v).values()))

    def labelled_edges(self) -> set[tuple[str, str]]:
        """Edges as (label, label): what tests and humans compare."""
        return {(self.label(u), self.label(v)) for u, v in self.edge_pairs()}

    def current_labels(self) -> list[str]:
        return [self.label(n) for n in self.current_path]

    def as_json(self) -> dict[str, Any]:
        """Plain data for the browser page and other tools."""
        nodes = [{"id": n, **data} for n, data in self.graph.nodes(data=True)]
        edges = [{"source": u, "target": v, **self.edge_data(u, v)} for u, v in self.edge_pairs()]
        return {
            "nodes": nodes,
            "edges": edges,
            "current_path": self.current_path,
            "predicted": self.predicted,
            "divergence": self.divergence,
            "note": self.note,
            "stories": self.shown_stories,
        }


# -- steps ---------------------------------------------------------------------------------------


def steps_of(events: Iterable[Event]) -> list[Step]:
    """User turns and actions in order; listening, session starts and state changes are not steps."""
    steps = []
    for event in events:
        if isinstance(event, UserUttered):
            label = event.intent_name or (f'"{event.text}"' if event.text else None)
            if label:
                steps.append(Step("user", label))
        elif isinstance(event, ActionExecuted):
            label = event.name or event.action_text
            if label and label not in _SKIPPED_ACTIONS:
                steps.append(Step("action", label))
    return steps


def conversation_steps(tracker_events: Iterable[Event] | DialogueStateTracker) -> list[Step]:
    """The steps still in effect: undone turns and everything before a restart are left out."""
    if isinstance(tracker_events, DialogueStateTracker):
        tracker = tracker_events
    else:
        tracker = DialogueStateTracker("visualization", None, tracker_events)
    return steps_of(tracker.applied_events(collapse_loops=False))


def common_prefix(a: Sequence[Step], b: Sequence[Step]) -> int:
    length = 0
    for x, y in zip(a, b):
        if x != y:
            break
        length += 1
    return length


def _distinct_stories(trackers: Iterable[TrainingTracker]) -> list[tuple[str, list[Step]]]:
    """(name, steps) per story; rules and augmented glue are not stories, and stories that only
    differ in slots or entities are one path (their names joined)."""
    by_steps: dict[tuple[Step, ...], list[str]] = {}
    for tracker in trackers:
        if tracker.is_rule or tracker.is_augmented:
            continue
        names = by_steps.setdefault(tuple(steps_of(tracker.events)), [])
        if tracker.name not in names:
            names.append(tracker.name)
    return [(" / ".join(names), list(steps)) for steps, names in by_steps.items()]


# -- building ------------------------------------------------------------------------------------


class _Builder:
    def __init__(self, domain: Domain | None, max_history: int):
        self.graph = nx.MultiDiGraph()
        self.domain = domain
        self.max_history = max(0, max_history)
        self.ids: dict[Any, str] = {}
        self.graph.add_node(START, kind="start", label="START", stories=[])
        self.graph.add_node(END, kind="end", label="END", stories=[])

    def node_for(self, key: Any, step: Step) -> str:
        if key not in self.ids:
            node = f"n{len(self.ids) + 1}"
            self.ids[key] = node
            attributes: dict[str, Any] = {"kind": step.kind, "label": step.label, "stories": []}
            if step.kind == "action":
                attributes["action_kind"] = self.action_kind(step.label)
            self.graph.add_node(node, **attributes)
        return self.ids[key]

    def merge_key(self, steps: Sequence[Step], index: int) -> tuple:
        """Equal for steps with the same label and the same `max_history` steps before them."""
        before = [Step("start", "START")] * max(0, self.max_history - index)
        history = [*before, *steps[max(0, index - self.max_history) : index]]
        return ("merged", tuple(history), steps[index])

    def add_path(self, steps: Sequence[Step], story: str | None, merge_until: int | None = None) -> list[str]:
        """Adds a path from START; steps from `merge_until` on get nodes of their own."""
        merge_until = len(steps) if merge_until is None else merge_until
        path = [START]
        for index, step in enumerate(steps):
            key = self.merge_key(steps, index) if index < merge_until else ("own", story, index)
            node = self.node_for(key, step)
            self.add_edge(path[-1], node, story)
            path.append(node)
        if story is not None:
            for node in path:
                self.graph.nodes[node]["stories"].append(story)
        return path

    def add_edge(self, u: str, v: str, story: str | None) -> None:
        if not self.graph.has_edge(u, v):
            self.graph.add_edge(u, v, key="next", current=False, predicted=False, stories=0)
        if story is not None:
            self.graph.edges[u, v, "next"]["stories"] += 1

    def action_kind(self, name: str) -> str:
        if self.domain is not None:
            if name in self.domain.forms:
                return "form"
            if name in self.domain.utterance_actions or name.startswith("utter_"):
                return "response"
        elif name.startswith("utter_"):
            return "response"
        return "default" if name in DEFAULT_ACTIONS else "custom"


def _predicted_node(builder: _Builder, conversation: list[Step], matched: int, step: Step) -> str:
    """The story node the prediction leads to when a shown story goes on that way, else a new one."""
    if matched == len(conversation):
        key = builder.merge_key([*conversation, step], len(conversation))
        if key in builder.ids:
            return builder.ids[key]
    return builder.node_for(("predicted",), step)


def story_graph(
    training_trackers: Iterable[TrainingTracker],
    domain: Domain | None = None,
    max_history: int = DEFAULT_MAX_HISTORY,
) -> StoryGraph:
    """Every training story in one graph (what `botcoach visualize` draws)."""
    builder = _Builder(domain, max_history)
    stories = _distinct_stories(training_trackers)
    for name, steps in stories:
        path = builder.add_path(steps, name)
        builder.add_edge(path[-1], END, name)
    return StoryGraph(builder.graph, shown_stories=[name for name, _ in stories])


def conversation_graph(
    tracker_events: Iterable[Event] | DialogueStateTracker,
    training_trackers: Iterable[TrainingTracker],
    domain: Domain | None = None,
    predicted_action: str | None = None,
    max_stories: int = 10,
    max_history: int = DEFAULT_MAX_HISTORY,
) -> StoryGraph:
    """The conversation so far (and the predicted, unconfirmed next action) drawn with the
    `max_stories` training stories that share the longest beginning with it.

    The prediction marks a story's next node when a story that matches the whole conversation
    goes on that way; otherwise it gets a node of its own. A predicted `action_listen` draws
    nothing: listening is never a node.
    """
    conversation = conversation_steps(tracker_events)
    ranked = sorted(
        (
            (common_prefix(conversation, steps), order, name, steps)
            for order, (name, steps) in enumerate(_distinct_stories(training_trackers))
        ),
        key=lambda item: (-item[0], item[1]),
    )
    if conversation:  # a story that does not even begin like the conversation is not similar
        similar = [item for item in ranked if item[0] > 0]
    else:
        similar = ranked
    kept = similar[: max(0, max_stories)]
    left_out = len(ranked) - len(kept)
    matched = max((item[0] for item in kept), default=0)

    builder = _Builder(domain, max_history)
    for _, _, name, steps in kept:
        path = builder.add_path(steps, name)
        builder.add_edge(path[-1], END, name)
    current_path = builder.add_path(conversation, None, merge_until=matched)
    graph = builder.graph
    for u, v in itertools.pairwise(current_path):
        graph.edges[u, v, "next"]["current"] = True
    for node in current_path:
        graph.nodes[node]["current"] = True
    divergence = current_path[matched + 1] if matched < len(conversation) else None
    if divergence is not None:
        graph.nodes[divergence]["divergence"] = True

    predicted = None
    if predicted_action and predicted_action not in _SKIPPED_ACTIONS:
        predicted = _predicted_node(builder, conversation, matched, Step("action", predicted_action))
        graph.nodes[predicted]["predicted"] = True
        builder.add_edge(current_path[-1], predicted, None)
        graph.edges[current_path[-1], predicted, "next"]["predicted"] = True

    if not graph.in_degree(END):
        graph.remove_node(END)
    note = None
    if left_out:
        note = f"{left_out} less similar {'story' if left_out == 1 else 'stories'} left out"
    return StoryGraph(graph, current_path, predicted, divergence, note, [name for _, _, name, _ in kept])
