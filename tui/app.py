"""`botcoach interactive`: the full-screen app. The screen comes up at once; the model loads (or is
first trained, with its progress in the status line) in a worker while the person starts typing
(a message typed before it is ready waits for it).

Every step runs in a thread worker (`run_step`); its result (the next `Question`) comes back as a
worker state message, and one handler turns every worker error into a visible message, so the
session stays alive whatever fails. The same worker builds the conversation graph after each
step, for the browser page and the graph pane.
"""

from __future__ import annotations

import asyncio
import copy
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from core.errors import ActionServerError, BotcoachError
from core.interactive.export import ExportPaths, ExportPlan, taught
from core.interactive.journal import SessionSummary
from core.interactive.learning import Learned, OnlineLearning, corrects
from core.interactive.model_fit import ModelFit
from core.interactive.questions import NEXT_USER_INPUT, Question, QuestionKind
from core.interactive.session import Session
from tui.app_answers import NEW_ACTION, AnswersMixin
from tui.graph_feed import GraphFeed
from tui.keymap import keys_of, unknown_ids
from tui.screens.export_paths import ExportPathsScreen
from tui.screens.fork_picker import ForkPickerScreen
from tui.screens.help import HelpScreen, help_text
from tui.screens.menu import MenuScreen
from tui.screens.message import MessageScreen
from tui.screens.pick import PickScreen
from tui.widgets.graph_pane import GraphPane
from tui.widgets.history_table import HistoryTable
from tui.widgets.question_bar import QuestionBar
from tui.widgets.ranked_list import Entry, RankedList
from tui.widgets.slots_panel import SlotsPanel
from tui.widgets.status_line import StatusLine
from tui.widgets.too_small_notice import MIN_HEIGHT, MIN_WIDTH, TooSmallNotice

if TYPE_CHECKING:
    from core.runtime.agent import Agent

WIDE = 120  # app.tcss gives the side column more room from here on
GRAPH_BESIDE_HISTORY = 140  # narrower terminals show the graph pane instead of the history
Progress = Callable[[str], None]


@dataclass
class Loaded:
    """What the load worker hands the app: the bot, and what to ask before teaching starts."""

    agent: Agent
    model_label: str
    fit: ModelFit | None = None  # the model does not fit the project (None: it does)
    unfinished: list[SessionSummary] = field(default_factory=list)  # sessions to offer back
    resume: Path | None = None  # --resume: this journal, without asking


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
    graph_port: int | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)  # e.g. a keymap file that could not be read
    online_learning: bool = True  # update the models after each correction (--no-online-learning)
    save_learned: Callable[[OnlineLearning, Session], Path] | None = None  # at export: the learned model


class InteractiveApp(AnswersMixin, App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "botcoach interactive"
    BINDINGS = [
        Binding("ctrl+c", "menu", "Menu", priority=True, id="botcoach.menu"),
        Binding("ctrl+q", "menu", "Menu", show=False, priority=True, id="botcoach.quit_menu"),
        Binding("ctrl+z", "undo", "Undo", priority=True, id="botcoach.undo"),
        Binding("ctrl+e", "export", "Export", priority=True, id="botcoach.export"),
        Binding("ctrl+f", "fork", "Fork", priority=True, id="botcoach.fork"),
        Binding("ctrl+n", "start_fresh", "Fresh", priority=True, id="botcoach.start_fresh"),
        Binding("ctrl+g", "toggle_graph", "Graph", priority=True, id="botcoach.graph"),
        Binding("ctrl+p", "command_palette", "Palette", show=False, priority=True, id="botcoach.palette"),
        Binding("f1", "help", "Help", id="botcoach.help"),
        Binding("down", "choose_button", "Buttons", show=False, id="botcoach.buttons"),
        Binding("escape", "leave_list", "Back", show=False, id="botcoach.back"),
    ]

    def __init__(self, startup: Startup) -> None:
        super().__init__()
        self.startup = startup
        self.session: Session | None = None
        self.learning: OnlineLearning | None = None
        self.busy = False
        self.queued_text: str | None = None
        self.export_paths = startup.export_paths
        self.graph_feed = GraphFeed(startup.graph_port)
        self.messages: list[str] = []  # every notification, for tests and the help screen
        self.progress_lines: list[str] = []  # what loading (and training) reported
        self.exported: list[str] = []  # what every export of this run wrote, said again on leaving
        self.exit_lines: list[str] = []  # printed by the command once the screen is gone

    # -- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="main"):
            with Horizontal(id="top"):
                yield HistoryTable(id="history")
                yield GraphPane(id="graph")
                with Vertical(id="side"):
                    yield SlotsPanel(id="slots")
                    yield RankedList("Actions", id="ranked")
            yield QuestionBar(id="question-bar")
            yield StatusLine(id="status")
        yield TooSmallNotice(id="too-small")
        yield Footer()

    def on_mount(self) -> None:
        self.set_keymap(self.startup.keymap)
        for problem in self.startup.notices:
            self.notify_problem(problem, "warning")
        unknown = unknown_ids(self.startup.keymap, self.all_bindings())
        if unknown:
            self.notify_problem(
                f"keymap: no key binding has the id {', '.join(unknown)} (see F1 for the ids)", "warning"
            )
        self._leave_on_signals()
        self.query_one(GraphPane).display = False
        self.query_one(StatusLine).show(data=self.startup.data_label)
        self.query_one(QuestionBar).ask(
            QuestionKind.USER_INPUT, NEXT_USER_INPUT, "type a message, Enter to send · model loading…"
        )
        self.query_one(QuestionBar).user_input.focus()
        self._fit(self.size.width, self.size.height)
        self.load(self.startup.load)

    def _leave_on_signals(self) -> None:
        """A closed terminal (SIGHUP) or a SIGTERM ends the app at once: every step is in the
        journal already, so the next start offers the session back."""
        loop = asyncio.get_running_loop()
        for number in (signal.SIGHUP, signal.SIGTERM):
            try:
                loop.add_signal_handler(number, self.exit, 128 + number)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread (tests)
                continue

    def on_unmount(self) -> None:
        self.graph_feed.stop()
        session = self.session
        if session is not None and not self.exit_lines:
            self.exit_lines = self._leaving_lines(session)

    def _leaving_lines(self, session: Session) -> list[str]:
        lines = [f"Exported: {line}" for line in self.exported] or ["Nothing was exported."]
        if session.unsaved and not session.state.discarded:
            lines.append(
                f"Unexported teaching is kept in the session journal: `botcoach interactive --resume {session.id}` "
                "brings it back (`botcoach sessions` lists sessions)."
            )
        return lines

    def on_resize(self, event) -> None:
        self._fit(event.size.width, event.size.height)

    def _fit(self, width: int, height: int) -> None:
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        was_small = not self.query_one("#main").display
        self.query_one("#main").display = not small
        self.query_one(TooSmallNotice).display = small
        self.query_one("#main").set_class(width >= WIDE, "-wide")
        graph_shown = self.query_one(GraphPane).display
        self.query_one(HistoryTable).display = not graph_shown or width >= GRAPH_BESIDE_HISTORY
        if was_small and not small:  # hiding the main view took the focus with it
            self.query_one(QuestionBar).take_focus()

    def notify_problem(self, text: str, severity: str = "error") -> None:
        self.messages.append(text)
        self.notify(text, severity=severity, timeout=8, markup=False)  # type: ignore[arg-type]

    # -- keys -----------------------------------------------------------------------------------

    def all_bindings(self) -> list[Binding]:
        """The bindings that have ids: the app's and the question bar's (what a keymap can change)."""
        return [b for b in (*self.BINDINGS, *QuestionBar.BINDINGS) if isinstance(b, Binding) and b.id]

    def key_display(self, binding_id: str) -> str:
        """The key(s) that trigger `binding_id` now, as the footer shows them (e.g. ^z)."""
        binding = next((b for b in self.all_bindings() if b.id == binding_id), None)
        if binding is None:
            return "?"
        keys = keys_of(binding, self.startup.keymap)
        return "/".join(self.get_key_display(Binding(key, binding.action)) for key in keys)

    def keys_hint(self, question: Question, buttons: bool) -> str:
        key = self.key_display
        yes = f"{key('question.yes')}/{key('question.enter')} yes"
        if question.kind == QuestionKind.USER_INPUT:
            choose = f" · {key('botcoach.buttons')} choose a button" if buttons else ""
            return "type a message, Enter to send" + choose
        if question.kind == QuestionKind.NLU:
            return f"{yes} · {key('question.no')} pick intent · {key('question.entities')} edit entities"
        if question.kind == QuestionKind.ACTION:
            return f"{yes} · {key('question.no')} pick another · {key('question.new_action')} new action"
        return f"{yes} · {key('question.no')} no"

    # -- loading --------------------------------------------------------------------------------

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

    @work(thread=True, exclusive=True, exit_on_error=False, group="load", name="discard")
    def discard_journal(self, path: Path) -> None:
        from core.interactive.journal import Journal

        Journal(path).write([{"discarded": True}])

    @work(thread=True, exclusive=True, exit_on_error=False, group="load", name="session")
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
        status = self.query_one(StatusLine)
        endpoint = session.agent.registry.action_endpoint
        if action_server_problem:
            status.show(
                action_server=f"action server: unreachable ({endpoint.url if endpoint else 'none'})",
                action_server_ok=False,
            )
            self.notify_problem(action_server_problem, "warning")
        else:
            status.show(
                action_server=f"action server: {'up' if endpoint else 'none configured'}",
                action_server_ok=True if endpoint else None,
            )
        status.show(model=session.model_label or "loaded")
        self.show_question(session.question)
        if self.queued_text is not None:
            text, self.queued_text = self.queued_text, None
            self.step("submit", lambda s: s.submit(text))

    # -- steps ----------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="step")
    def run_step(self, label: str, step: Callable[[], Question]) -> Question:
        session, asked = self.session, self.session.question if self.session else None
        question = step()
        if session is not None:
            self._publish_graph(session, question)
        if session is not None and asked is not None and self.learning is not None:
            taken_back = label == "undo" and self.learning.last is not None
            if taken_back or corrects(asked, session.tracker):
                snapshot = copy.deepcopy(session.conversations)
                self.call_from_thread(self.learn, snapshot, session.e2e)
        return question

    @work(thread=True, exit_on_error=False, group="learn")
    def learn(self, conversations: list, e2e: bool) -> Learned:
        """Update the models with what the conversations teach; the person goes on meanwhile."""
        assert self.learning is not None
        self.call_from_thread(self.query_one(StatusLine).show, learning="learning…")
        return self.learning.learn(conversations, e2e)

    def _publish_graph(self, session: Session, question: Question) -> None:
        """In a worker: a new graph to the page and the pane. A graph that cannot be drawn is a
        message; the step it follows still counts."""
        try:
            graph = self.graph_feed.build(session, question)
        except Exception as error:  # noqa: BLE001 - the conversation goes on without the graph
            self.call_from_thread(self.notify_problem, f"the conversation graph could not be drawn: {error}", "warning")
            return
        if graph is not None:
            self.call_from_thread(self.query_one(GraphPane).update_graph, graph)

    @work(thread=True, exclusive=True, exit_on_error=False, group="graph")
    def redraw_graph(self) -> None:
        session = self.session
        if session is not None:
            self._publish_graph(session, session.question)

    def step(self, label: str, step: Callable[[Session], Question]) -> None:
        """Run one session step in the worker unless one is running already."""
        if self.session is None or self.busy:
            self.app.bell()
            return
        self.busy = True
        session = self.session
        worker = self.run_step(label, lambda: step(session))
        worker.name = label

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        if worker.group == "load" and event.state == WorkerState.ERROR:
            self.query_one(StatusLine).show(model="not loaded")
            self.query_one(QuestionBar).ask(
                QuestionKind.USER_INPUT, f"The model could not be loaded: {worker.error}", "Ctrl-C for the menu"
            )
            self.notify_problem(str(worker.error))
            return
        if worker.group == "export":
            self._export_finished(worker)
            return
        if worker.group == "learn":
            self._learned(worker)
            return
        if worker.group != "step":
            return
        self.busy = False
        if event.state == WorkerState.SUCCESS:
            self.show_question(cast(Question, worker.result))
            return
        error = worker.error
        if isinstance(error, ActionServerError) and worker.name.startswith("action:"):
            self._action_failed(worker.name.split(":", 1)[1], error)
        elif isinstance(error, BotcoachError):
            self.notify_problem(str(error))
        else:
            self.notify_problem(f"internal error: {type(error).__name__}: {error}")
        if self.session is not None:
            self.show_question(self.session.question)

    def _learned(self, worker: Worker) -> None:
        status = self.query_one(StatusLine)
        if worker.state == WorkerState.SUCCESS and isinstance(worker.result, Learned):
            status.show(learning=worker.result.describe())
            return
        status.show(learning="learning failed")
        self.notify_problem(f"the model could not learn the correction: {worker.error}", "warning")

    # -- showing the session --------------------------------------------------------------------

    def show_question(self, question: Question) -> None:
        session = self.session
        if session is None:
            return
        self.query_one(HistoryTable).show(session.tracker)
        self.query_one(SlotsPanel).show(session.tracker)
        self.show_saved_state(session)
        ranked = self.query_one(RankedList)
        buttons = session.latest_buttons() if question.kind == QuestionKind.USER_INPUT else []
        if question.kind == QuestionKind.ACTION and question.prediction is not None:
            entries = [Entry(f"action:{name}", f"{p:.2f}  {name}") for name, p in question.prediction.ranking]
            known = {name for name, _ in question.prediction.ranking}
            entries += [
                Entry(f"action:{name}", f"0.00  {name}") for name in session.action_names() if name not in known
            ]
            entries.append(Entry(f"action:{NEW_ACTION}", "<create new action>", always=True))
            ranked.set_entries(entries, "Actions")
        else:
            ranked.set_entries(
                [
                    Entry(f"button:{b['payload']}", f"[{b.get('title') or b['payload']}] {b['payload']}")
                    for b in buttons
                ],
                "Buttons" if buttons else "",
            )
        self.query_one(QuestionBar).ask(question.kind, question.text, self.keys_hint(question, bool(buttons)))
        if question.warning:
            warning, question.warning = question.warning, None
            self._warn_contradiction(warning)
        self.refresh_bindings()

    def show_saved_state(self, session: Session) -> None:
        """The status line's saved / unsaved mark, and a journal that cannot be written, at once."""
        problem = session.journal_problem
        self.query_one(StatusLine).show(unsaved=session.unsaved, journal_problem=problem)
        if problem and problem not in self.messages[-1:]:
            self.notify_problem(problem)

    def _warn_contradiction(self, warning: str) -> None:
        """The step just taken contradicts the project's rules or stories: undo it, or keep it
        (the export lists it again)."""
        self.messages.append(warning)
        if warning.startswith(("FormPolicy predicted",)):  # the form question's own warning
            self.push_screen(MessageScreen("Careful", warning))
            return
        choices = [
            Entry("undo", "Undo this step"),
            Entry("keep", "Keep it (the export lists it again; training may refuse the data)"),
        ]

        def chosen(choice: str | None) -> None:
            if choice == "undo":
                self.action_undo()

        title = f"Careful: this contradicts the project's training data:\n{warning}"
        self.push_screen(PickScreen(title, choices, "↑↓ move · Enter choose · Esc keep"), chosen)

    def run_bot_action(self, name: str) -> None:
        if self.session is None or self.session.question.kind != QuestionKind.ACTION:
            return
        self.step(f"action:{name}", lambda s: s.run_action(name))

    # -- hotkeys --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        session = self.session
        if action in ("undo", "export", "fork", "start_fresh", "choose_button") and (session is None or self.busy):
            return False
        if action == "undo":
            return session.can_undo()  # type: ignore[union-attr]
        if action == "fork":
            return bool(session.user_messages())  # type: ignore[union-attr]
        if action == "leave_list":
            focused = self.focused
            return focused is not None and self.query_one(RankedList) in focused.ancestors
        if action == "choose_button":
            at_message_line = self.focused is self.query_one(QuestionBar).user_input
            return at_message_line and bool(session.latest_buttons())  # type: ignore[union-attr]
        return True

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The question bar names the mode the keys are in: typing, answering or picking."""
        bars = event.widget.screen.query(QuestionBar)  # none on a dialog's screen
        if not bars:
            return
        bar = bars.first()
        if event.widget is bar.user_input:
            bar.show_mode("typing")
        elif event.widget is bar:
            bar.show_mode("answering")
        elif self.query_one(RankedList) in event.widget.ancestors:
            bar.show_mode("picking")

    def action_leave_list(self) -> None:
        """Escape: out of the ranked list, back to the question it belongs to."""
        self.query_one(RankedList).filter_input.value = ""
        self.query_one(QuestionBar).take_focus()

    def action_choose_button(self) -> None:
        """From the message line into the list of the bot's buttons (Enter sends the payload)."""
        self.query_one(RankedList).focus_filter()

    def action_toggle_graph(self) -> None:
        pane = self.query_one(GraphPane)
        pane.display = not pane.display
        self.graph_feed.pane_visible = pane.display
        self._fit(self.size.width, self.size.height)
        if pane.display and not self.busy:  # while a step runs, its worker draws the graph
            self.redraw_graph()

    def action_undo(self) -> None:
        if self.session is not None and not self.session.can_undo():  # from the palette or the menu
            self.notify_problem("nothing to undo", "warning")
            return
        self.step("undo", lambda s: s.undo())

    def action_start_fresh(self) -> None:
        self.step("fresh", lambda s: s.start_fresh())

    def action_fork(self) -> None:
        session = self.session
        if session is None or not session.user_messages():
            return

        def picked(index: str | None) -> None:
            if index is not None:
                self.step("fork", lambda s: s.fork(int(index)))

        self.push_screen(ForkPickerScreen(session.user_messages()), picked)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(help_text(self.key_display)))

    def action_menu(self) -> None:
        if isinstance(self.screen, MenuScreen):
            return
        self.push_screen(MenuScreen(bool(self.session and self.session.unsaved)), self._menu_chosen)

    def _menu_chosen(self, choice: str | None) -> None:
        if choice == "undo":
            self.action_undo()
        elif choice == "fork":
            self.action_fork()
        elif choice == "fresh":
            self.action_start_fresh()
        elif choice == "export_quit":
            self.action_export(quit_after=True)
        elif choice == "quit":
            self.action_quit_asking()

    def action_quit_asking(self) -> None:
        """Leave; with unexported teaching, only after the person chose what becomes of it."""
        session = self.session
        if session is None or not session.unsaved:
            self.exit(0)
            return
        choices = [
            Entry("export", "Export, then quit"),
            Entry("keep", "Quit, keeping the session to resume later (botcoach interactive --resume)"),
            Entry("discard", "Quit and discard what was taught since the last export"),
            Entry("cancel", "Cancel"),
        ]

        def chosen(choice: str | None) -> None:
            if choice == "export":
                self.action_export(quit_after=True)
            elif choice == "keep":
                self.exit(0)
            elif choice == "discard":
                session.discard()
                self.exit(0)

        title = f"{session.state.user_turns()} user turn(s) taught in this session are not exported."
        self.push_screen(PickScreen(title, choices, "↑↓ move · Enter choose · Esc cancel"), chosen)

    def action_export(self, quit_after: bool = False, error: str = "") -> None:
        session = self.session
        if session is None or self.busy:
            return
        conversations = session.state.exportable()
        summary = f"{len(conversations)} conversation(s), {len(taught(conversations).examples)} NLU example(s)"

        def chosen(paths: ExportPaths | None) -> None:
            if paths is None:
                return
            self.export_paths = paths
            self.busy = True
            self.query_one(StatusLine).show(model="exporting…")
            worker = self.export(session, paths)
            worker.name = "export-quit" if quit_after else "export"

        self.push_screen(ExportPathsScreen(self.export_paths, error, summary), chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def export(self, session: Session, paths: ExportPaths) -> ExportPlan:
        plan = session.export(paths, self._report_progress)
        if plan.changes and self.learning is not None and self.startup.save_learned is not None:
            self._report_progress("saving the model the session taught…")
            saved = self.startup.save_learned(self.learning, session)
            self.exported.append(f"saved the model the session taught as {saved}")
        return plan

    def _export_finished(self, worker: Worker) -> None:
        session = self.session
        self.busy = False
        self.query_one(StatusLine).show(model=session.model_label if session else "")
        quit_after = worker.name == "export-quit"
        if worker.state == WorkerState.ERROR:
            problem = worker.error
            text = str(problem) if isinstance(problem, BotcoachError) else f"{type(problem).__name__}: {problem}"
            self.notify_problem(f"Export failed, no file was changed: {text}")
            self.action_export(quit_after, text)
            return
        plan = cast(ExportPlan, worker.result)
        self.exported += plan.summary()
        lines = plan.summary() or ["nothing new to write"]
        if plan.contradictions:
            lines.append("kept contradictions (training may refuse them):")
            lines += [f"  {p}" for p in plan.contradictions]
        self.notify_problem("Exported: " + "; ".join(lines), "warning" if plan.contradictions else "information")
        if session is not None:
            self.show_saved_state(session)
            if self.graph_feed.wanted:
                self.redraw_graph()
        if quit_after:
            self.exit(0)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Undo", "Take back the last step", self.action_undo)
        yield SystemCommand("Export", "Write stories, NLU and domain changes", self.action_export)
        yield SystemCommand("Fork", "Branch off before an earlier user message", self.action_fork)
        yield SystemCommand("Start fresh", "A new conversation (the others are kept)", self.action_start_fresh)
        yield SystemCommand("Graph", "Show or hide the graph of similar training stories", self.action_toggle_graph)
        yield SystemCommand("Help", "Keys and questions", self.action_help)


def _age(timestamp: float) -> str:
    seconds = max(0, int(time.time() - timestamp))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


def project_label(data: list[str | Path]) -> str:
    return ", ".join(str(p) for p in data)
