"""The story graph as an indented tree for a terminal pane, at most 80 columns wide.

Steps read like Rasa's Markdown stories (`* intent`, `- action`). A chain stays at one indent; only
a branch point indents its branches, the conversation's branch first, so the current path reads
top to bottom before the stories that go elsewhere. A node reached again (paths join, or a loop)
is named with "↑" instead of being expanded twice.

The result is plain text: a list of (line, tag) pairs. The widget maps tags to colours, so core
stays free of any UI library. The first column marks the conversation without colour too:
`>` on its path, `!` where it leaves the training stories, `?` for the predicted action.
"""

from __future__ import annotations

from core.visualization.graph import END, START, StoryGraph

WIDTH = 80
TAGS = ("note", "start", "end", "user", "action", "current", "divergence", "predicted", "join")
_MIN_LABEL = 24


def _tag(graph: StoryGraph, node: str, joined: bool) -> str:
    if graph.flag(node, "predicted"):
        return "predicted"
    if graph.flag(node, "divergence"):
        return "divergence"
    if graph.flag(node, "current"):
        return "current"
    return "join" if joined else graph.kind(node)


def _gutter(graph: StoryGraph, node: str) -> str:
    if graph.flag(node, "predicted"):
        return "? "
    if graph.flag(node, "divergence"):
        return "! "
    return "> " if graph.flag(node, "current") else "  "


def _step_text(graph: StoryGraph, node: str, joined: bool) -> str:
    kind, label = graph.kind(node), graph.label(node)
    text = {"user": f"* {label}", "action": f"- {label}"}.get(kind, label)
    if graph.flag(node, "divergence"):
        text += "  <- not in the stories"
    elif graph.flag(node, "predicted"):
        text += "  (predicted)"
    if joined:
        text += "  ↑ see above"
    return text


def _fit(gutter: str, prefix: str, text: str, width: int) -> str:
    """Cuts a deep tree prefix from the left and a long label from the right to fit `width`."""
    room = width - len(gutter)
    if len(prefix) > room - _MIN_LABEL:
        keep = max(0, room - _MIN_LABEL - 1)
        prefix = "…" + prefix[len(prefix) - keep :] if keep else ""
    if len(prefix) + len(text) > room:
        text = text[: max(1, room - len(prefix) - 1)] + "…"
    return gutter + prefix + text


def _children(graph: StoryGraph, node: str) -> list[str]:
    following = graph.successors(node)
    on_path = [n for n in following if graph.flag(n, "current") or graph.flag(n, "predicted")]
    return on_path + [n for n in following if n not in on_path]


def caption(graph: StoryGraph) -> str:
    count = len(graph.shown_stories)
    text = f"{count} training {'story' if count == 1 else 'stories'}"
    return text + (f"; {graph.note}" if graph.note else "")


def render_text(graph: StoryGraph, width: int = WIDTH) -> list[tuple[str, str]]:
    """(line, tag) pairs, no line longer than `width`; tags are listed in TAGS."""
    lines = [(_fit("", "", caption(graph), width), "note")]
    if START not in graph.graph:
        return lines
    seen: set[str] = set()
    stack: list[tuple[str, str, str]] = [(START, "", "")]  # node, prefix of its line, prefix below it
    while stack:
        node, head, below = stack.pop()
        joined = node in seen and node != END
        text = _step_text(graph, node, joined)
        lines.append((_fit(_gutter(graph, node), head, text, width), _tag(graph, node, joined)))
        if joined or node == END:
            continue
        seen.add(node)
        children = _children(graph, node)
        if len(children) == 1:
            stack.append((children[0], below, below))
            continue
        for index in range(len(children) - 1, -1, -1):
            last = index == len(children) - 1
            stack.append((children[index], below + ("└─ " if last else "├─ "), below + ("   " if last else "│  ")))
    return lines


def render_plain(graph: StoryGraph, width: int = WIDTH) -> str:
    return "\n".join(line for line, _ in render_text(graph, width))
