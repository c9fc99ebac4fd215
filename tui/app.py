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
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, cast

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from core.errors import ActionServerError, BotcoachError
from core.interactive.learning import Learned, OnlineLearning, corrects
from core.interactive.questions import NEXT_USER_INPUT, Question, QuestionKind
from core.interactive.session import Session
from tui.action_entries import action_entries
from tui.app_answers import AnswersMixin
from tui.app_leaving import LeavingMixin
from tui.app_startup import Startup, StartupMixin
from tui.app_stored import StoredConversationsMixin
from tui.app_turn_edits import TurnEditsMixin
from tui.graph_feed import GraphFeed
from tui.keymap import keys_of, unknown_ids
from tui.screens.fork_picker import ForkPickerScreen
from tui.screens.help import HelpScreen, help_text
from tui.screens.menu import MenuScreen
from tui.screens.message import MessageScreen
from tui.screens.pick import PickScreen
from tui.screens.store_picker import StorePickerScreen
from tui.widgets.graph_pane import GraphPane
from tui.widgets.history_table import HistoryTable
from tui.widgets.question_bar import QuestionBar
from tui.widgets.ranked_list import Entry, RankedList
from tui.widgets.slots_panel import SlotsPanel
from tui.widgets.status_line import StatusLine
from tui.widgets.too_small_notice import MIN_HEIGHT, MIN_WIDTH, TooSmallNotice

if TYPE_CHECKING:
    pass

GRAPH_BESIDE_HISTORY = 140  # narrower terminals show the graph pane instead of the history


class InteractiveApp(StartupMixin, LeavingMixin, AnswersMixin, StoredConversationsMixin, TurnEditsMixin, App[int]):
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
        Binding("ctrl+t", "fix_turn", "Fix turn", show=False, priority=True, id="botcoach.fix_turn"),
        Binding("ctrl+o", "open_stored", "Stored", show=False, priority=True, id="botcoach.open_stored"),
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

    def on_resize(self, event) -> None:
        self._fit(event.size.width, event.size.height)

    def _fit(self, width: int, height: int) -> None:
        self.query_one(TooSmallNotice).display = width < MIN_WIDTH or height < MIN_HEIGHT
        graph_shown = self.query_one(GraphPane).display
        self.query_one(HistoryTable).display = not graph_shown or width >= GRAPH_BESIDE_HISTORY

    def notify_problem(self, text: str, severity: str = "error") -> None:
        self.messages.append(text)
        self.notify(text, severity=severity, timeout=8, markup=False)  # type: ignore[arg-type]

    # -- keys -----------------------------------------------------------------------------------

    def all_bindings(self) -> list[Binding]:
        """The bindings that have ids: the app's, the question bar's, the history table's and the
        store picker's (what a keymap can change)."""
        bindings = (*self.BINDINGS, *QuestionBar.BINDINGS, *HistoryTable.BINDINGS, *StorePickerScreen.BINDINGS)
        return [b for b in bindings if isinstance(b, Binding) and b.id]

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

    # -- steps ----------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="step")
    def run_step(self, label: str, step: Callable[[], Question]) -> Question:
        session, asked = self.session, self.session.question if self.session else None
        question = step()
        if session is not None:
            self._publish_graph(session, question)
        if session is not None and asked is not None and self.learning is not None:
            taken_back = label == "undo" and self.learning.last is not None
            if taken_back or label.startswith("edit") or corrects(asked, session.tracker):
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
            if worker.name.startswith("action:"):
                self.action_ran(worker.name.split(":", 1)[1])
            self.show_question(cast(Question, worker.result))
            return
        error = worker.error
        if isinstance(error, ActionServerError) and worker.name.startswith(("action:", "edit-action:")):
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
            ranked.set_entries(action_entries(question.prediction.ranking, session.action_names()), "Actions")
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
        if action == "open_stored" and self.startup.open_store is None:
            return None  # hidden without a tracker store
        busy_actions = ("undo", "export", "fork", "start_fresh", "choose_button", "fix_turn", "open_stored")
        if action in busy_actions and (session is None or self.busy):
            return False
        if action in ("fix_turn", "open_stored") and len(self.screen_stack) > 1:
            return False  # not from a dialog
        if action == "undo":
            return session.can_undo()  # type: ignore[union-attr]
        if action == "fork":
            return bool(session.user_messages())  # type: ignore[union-attr]
        if action == "answer":  # not blind: text typed while the terminal is too small is kept, answers not
            bar = self.query_one(QuestionBar)
            return self.focused is bar and bar.takes(str(parameters[0])) and not self.query_one(TooSmallNotice).display
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
        question = self.session.question if self.session is not None else None
        if question is not None and question.kind == QuestionKind.NLU:  # the message back to edit it
            line = self.query_one(QuestionBar).user_input
            line.value = line.value or (question.parse or {}).get("text") or ""
            line.cursor_position = len(line.value)
            self.step("take back the message", lambda s: s.undo())
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
        stored = self.startup.open_store is not None
        self.push_screen(MenuScreen(bool(self.session and self.session.unsaved), stored), self._menu_chosen)

    def _menu_chosen(self, choice: str | None) -> None:
        if choice == "undo":
            self.action_undo()
        elif choice == "fork":
            self.action_fork()
        elif choice == "fresh":
            self.action_start_fresh()
        elif choice == "fix_turn":
            self.action_fix_turn()
        elif choice == "open_stored":
            self.action_open_stored()
        elif choice == "export_quit":
            self.action_export(quit_after=True)
        elif choice == "quit":
            self.action_quit_asking()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Undo", "Take back the last step", self.action_undo)
        yield SystemCommand("Export", "Write stories, NLU and domain changes", self.action_export)
        yield SystemCommand("Fork", "Branch off before an earlier user message", self.action_fork)
        yield SystemCommand("Start fresh", "A new conversation (the others are kept)", self.action_start_fresh)
        yield SystemCommand("Fix a turn", "Change a past user turn or bot action", self.action_fix_turn)
        if self.startup.open_store is not None:
            yield SystemCommand("Open stored", "Replay a conversation from the tracker store", self.action_open_stored)
        yield SystemCommand("Graph", "Show or hide the graph of similar training stories", self.action_toggle_graph)
        yield SystemCommand("Help", "Keys and questions", self.action_help)
