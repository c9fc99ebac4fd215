"""The conversation beside similar training stories, as a tree in a scrollable pane.

core/visualization/text.py draws the tree as (line, tag) pairs; this widget only colours the tags
and keeps the end of the current conversation in view. The app shows or hides the pane with a key.
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from core.visualization.graph import StoryGraph
from core.visualization.text import render_text

TAG_STYLES = {
    "note": "dim italic",
    "start": "bold",
    "end": "bold dim",
    "user": "cyan",
    "action": "",
    "join": "dim",
    "current": "bold dark_orange",
    "divergence": "bold red reverse",
    "predicted": "italic dark_orange",
}
_ON_PATH = {"current", "divergence", "predicted"}


class GraphPane(VerticalScroll):
    """Hidden until the person asks for it; its width follows the layout (the text fits it)."""

    DEFAULT_CSS = """
    GraphPane { width: 1fr; height: 1fr; border: round $primary; padding: 0 1; }
    GraphPane > #graph-text { width: auto; }
    """

    graph: StoryGraph | None = None  # the graph drawn now

    def compose(self):
        yield Static(Text("(no conversation yet)", style="dim"), id="graph-text")

    def on_mount(self) -> None:
        self.border_title = "Stories like this one"

    def update_graph(self, graph: StoryGraph) -> None:
        """Redraw; scrolls so that the newest step of the conversation is visible."""
        self.graph = graph
        lines = render_text(graph, max(40, self.size.width - 4))
        text = Text()
        for index, (line, tag) in enumerate(lines):
            text.append(line, style=TAG_STYLES.get(tag, ""))
            if index < len(lines) - 1:
                text.append("\n")
        self.query_one("#graph-text", Static).update(text)
        on_path = [i for i, (_, tag) in enumerate(lines) if tag in _ON_PATH]
        if on_path:
            target = on_path[-1]
            self.call_after_refresh(lambda: self.scroll_to(y=max(0, target - self.size.height // 2), animate=False))
