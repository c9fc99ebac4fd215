"""Keeps the conversation graph up to date: in the browser (VisualizationServer) and in the pane.

Every call here runs in a worker thread: the server starts there (it is a network bind) and the
graph is built there after each step, so the UI loop only draws. A graph is built only when
someone looks at it (the page is served or the pane is shown); `core.visualization` is imported
on first use, so the app comes up without networkx and aiohttp loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.visualization import VisualizationServer, conversation_graph

if TYPE_CHECKING:
    from core.interactive.questions import Question
    from core.interactive.session import Session
    from core.visualization import StoryGraph, VisualizationServer

HOST = "127.0.0.1"
MAX_STORIES = 10


class GraphFeed:
    """`port` None: no browser page (--skip-visualization); the pane still works."""

    def __init__(self, port: int | None, host: str = HOST) -> None:
        self.port = port
        self.host = host
        self.server: VisualizationServer | None = None
        self.pane_visible = False

    @property
    def wanted(self) -> bool:
        return self.server is not None or self.pane_visible

    def start(self) -> str | None:
        """Serve the page; returns the notice to show (where it is, or why it is not served)."""
        if self.port is None:
            return None
        server = VisualizationServer(self.host, self.port)
        ok, message = server.start()
        if ok:
            self.server = server
        return message

    def build(self, session: Session, question: Question | None = None) -> StoryGraph | None:
        """A new graph of the current conversation (with the predicted action), sent to the page.
        None when nobody looks at it."""
        if not self.wanted:
            return None
        predicted = question.prediction.action if question is not None and question.prediction else None
        graph = conversation_graph(
            session.tracker,
            session.training_trackers(),
            session.domain,
            predicted_action=predicted,
            max_stories=MAX_STORIES,
        )
        if self.server is not None:
            self.server.update(graph)
        return graph

    def stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            server.stop()
