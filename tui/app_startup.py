"""How the app starts: the bot loads (or is first trained) in a worker while the screen is usable,
a model that does not fit the project and an unfinished session are asked about, then the session
opens. A mixin of InteractiveApp, kept apart so that each file stays about one thing."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.worker import get_current_worker

from core.interactive.export import ExportPaths
from core.interactive.journal import Journal, SessionSummary
from core.interactive.learning import OnlineLearning
from core.interactive.model_fit import ModelFit
from core.interactive.questions import NEXT_USER_INPUT, Question, QuestionKind
from core.interactive.session import Session
from tui.app_mixin import AppMixin
from tui.screens.pick import PickScreen
from tui.widgets.question_bar import QuestionBar
from tui.widgets.ranked_list import Entry
from tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from core.runtime.agent import Agent
    from core.tracker_store import TrackerSource
    from tui.graph_feed import GraphFeed


Progress = Callable[[str], None]  # one line saying how far loading (or training) is


@dataclass
class Loaded:
    """What the load worker hands the app: the bot, and what to ask before teaching starts."""

    agent: Agent
    model_label: str
    fit: ModelFit | None = None  # the model does not fit the project (None: it does)
    unfinished: list[SessionSummary] = field(default_factory=list)  # sessions to offer back
    resume: Path | None = None  # --resume: this journal, without asking


ACTION_SERVER_CHECK_SECONDS = 15


@dataclass
class Startup:
    """What the command hands the app: how to load the bot (reporting progress lines) and open a
    session on it (a journal to resume, or None), what the status line says, the graph page's
    port (None: not served) and the keymap."""

    load: Callable[[Progress], Loaded]
    open_session: Callable[[Loaded, Path | None], Session]
    export_paths: ExportPaths
    retrain: Callable[[Progress], Loaded] | None = None  # train a model for the project, then load
    data_label: str = ""
    check_action_server: Callable[[Session], str | None] = lambda session: None  # a problem, or None
    reload_endpoints: Callable[[Session], None] | None = None  # read endpoints.yml again (Retry)
    graph_port: int | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)  # e.g. a keymap file that could not be read
    online_learning: bool = True  # update the models after each correction (--no-online-learning)
    save_learned: Callable[[OnlineLearning, Session], Path] | None = None  # at export: the learned model
    open_store: Callable[[], TrackerSource] | None = None  # the tracker store configured, if any


class StartupMixin(AppMixin):
    """Loading and opening the session, for InteractiveApp."""

    if TYPE_CHECKING:  # what InteractiveApp provides
        startup: Startup
        session: Session | None
        learning: OnlineLearning | None
        queued_text: str | None
        messages: list[str]
        progress_lines: list[str]
        graph_feed: GraphFeed

        def notify_problem(self, text: str, severity: str = "error") -> None: ...

        def show_question(self, question: Question) -> None: ...

        def step(self, label: str, step: Callable[[Session], Question]) -> None: ...

        def _publish_graph(self, session: Session, question: Question) -> None: ...

    @work(thread=True, exclusive=True, exit_on_error=False, group="load", name="load")
    def load(self, load: Callable[[Progress], Loaded]) -> None:
        notice = self.graph_feed.start()
        if notice:
            self.call_from_thread(
                self.notify_problem, notice, "information" if self.graph_feed.server is not None else "warning"
            )
        loaded = load(self._report_progress)
        self.call_from_thread(self._loaded, loaded)

    def _report_progress(self, line: str) -> None:
        """Called from a worker: the line goes to the status line and the question bar."""

        def show() -> None:
            self.progress_lines.append(line)
            self.query_one(StatusLine).show(model=line)
            if self.session is None:
                self.query_one(QuestionBar).ask(
                    QuestionKind.USER_INPUT, NEXT_USER_INPUT, f"type a message, Enter to send · {line}"
                )

        self.call_from_thread(show)

    def _loaded(self, loaded: Loaded) -> None:
        """The bot is ready: ask what has to be asked (a model that does not fit, a session to
        resume), then open the session."""
        self.query_one(StatusLine).show(model=loaded.model_label)
        if loaded.fit is not None and self.startup.retrain is not None:
            choices = [
                Entry("train", "Train a model for this project now (the screen stays usable)"),
                Entry("go_on", "Go on with this model"),
            ]

            def chosen(choice: str | None) -> None:
                if choice == "train" and self.startup.retrain is not None:
                    self.load(self.startup.retrain)
                else:
                    self._ask_resume(loaded)

            title = f"The model {loaded.model_label} does not fit this project:\n{loaded.fit.describe()}"
            self.messages.append(title)
            self.push_screen(PickScreen(title, choices, "↑↓ move · Enter choose"), chosen)
            return
        self._ask_resume(loaded)

    def _ask_resume(self, loaded: Loaded) -> None:
        if loaded.resume is not None or not loaded.unfinished:
            self.open_session(loaded, loaded.resume)
            return
        newest = loaded.unfinished[0]
        age = _age(newest.changed)
        more = f" ({len(loaded.unfinished) - 1} more: `botcoach sessions`)" if len(loaded.unfinished) > 1 else ""
        title = (
            f"An unfinished session from {age} ago: {newest.user_turns} user turn(s) in {newest.conversations} "
            f"conversation(s), {newest.status}{more}"
        )
        choices = [
            Entry("resume", "Resume it"),
            Entry("new", "Start a new session (keep that one for later)"),
            Entry("discard", "Discard it and start a new session"),
        ]

        def chosen(choice: str | None) -> None:
            if choice == "resume":
                self.open_session(loaded, newest.path)
                return
            if choice == "discard":
                self.discard_journal(newest.path)
            self.open_session(loaded, None)

        self.messages.append(title)
        self.push_screen(PickScreen(title, choices, "↑↓ move · Enter choose · Esc new session"), chosen)

    @work(thread=True, exit_on_error=False, group="load", name="discard")
    def discard_journal(self, path: Path) -> None:
        Journal(path).write([{"discarded": True}])

    @work(thread=True, exit_on_error=False, group="load", name="session")
    def open_session(self, loaded: Loaded, resume: Path | None) -> None:
        session = self.startup.open_session(loaded, resume)
        problem = self.startup.check_action_server(session)
        self._publish_graph(session, session.question)
        learning = OnlineLearning(session.agent) if self.startup.online_learning else None
        self.call_from_thread(self._session_ready, session, problem, learning)

    def _session_ready(
        self, session: Session, action_server_problem: str | None, learning: OnlineLearning | None = None
    ) -> None:
        self.session = session
        self.learning = learning
        self.show_action_server(session, action_server_problem)
        if action_server_problem:
            self.notify_problem(action_server_problem, "warning")
        self.query_one(StatusLine).show(model=session.model_label or "loaded")
        self.set_interval(ACTION_SERVER_CHECK_SECONDS, self.check_action_server)
        self.show_question(session.question)
        if self.queued_text is not None:
            text, self.queued_text = self.queued_text, None
            self.step("submit", lambda s: s.submit(text))

    def show_action_server(self, session: Session, problem: str | None) -> None:
        """The status line's word on the action server, as the latest check or action found it."""
        endpoint = session.agent.registry.action_endpoint
        if problem:
            self.query_one(StatusLine).show(
                action_server=f"action server: unreachable ({endpoint.url if endpoint else 'none'})",
                action_server_ok=False,
            )
        else:
            self.query_one(StatusLine).show(
                action_server=f"action server: {'up' if endpoint else 'none configured'}",
                action_server_ok=True if endpoint else None,
            )

    @work(thread=True, exclusive=True, exit_on_error=False, group="server-check")
    def check_action_server(self) -> None:
        """Every few seconds: the status line follows an action server that stops or comes back
        (not only what the check at the start found)."""
        session = self.session
        if session is not None:
            problem = self.startup.check_action_server(session)
            if not get_current_worker().is_cancelled:  # a later check started: its word counts
                self.call_from_thread(self.show_action_server, session, problem)


def _age(timestamp: float) -> str:
    seconds = max(0, int(time.time() - timestamp))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


def project_label(data: list[str | Path]) -> str:
    return ", ".join(str(p) for p in data)
