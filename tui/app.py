"""`botcoach interactive`: the full-screen app. The screen comes up at once; the model loads in a
worker while the person starts typing (a message typed before it is ready waits for it).

Every step runs in a thread worker (`run_step`); its result (the next `Question`) comes back as a
worker state message, and one handler turns every worker error into a visible message, so the
session stays alive whatever fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from core.errors import ActionServerError, BotcoachError, ExportError
from core.training_data.markup import to_markup
from tui.export import ExportPaths, export_session
from tui.screens.action_error import ActionErrorScreen
from tui.screens.export_paths import ExportPathsScreen
from tui.screens.fork_picker import ForkPickerScreen
from tui.screens.help import HelpScreen
from tui.screens.menu import MenuScreen
from tui.screens.message import MessageScreen
from tui.screens.new_action import NewActionScreen
from tui.screens.pick_intent import NEW_INTENT, PickIntentScreen
from tui.screens.text_prompt import TextPromptScreen
from tui.session import ACTION, NLU, USER_INPUT, VALIDATE, Question, Session
from tui.widgets.history_table import HistoryTable
from tui.widgets.question_bar import QuestionBar
from tui.widgets.ranked_list import Entry, RankedList
from tui.widgets.slots_panel import SlotsPanel
from tui.widgets.status_line import StatusLine
from tui.widgets.too_small_notice import MIN_HEIGHT, MIN_WIDTH, TooSmallNotice

NEW_ACTION = "<new>"


@dataclass
class Startup:
    """What the command hands the app: how to load the session, and what the status line says."""

    load_session: Callable[[], Session]
    export_paths: ExportPaths
    data_label: str = ""
    check_action_server: Callable[[Session], str | None] = lambda session: None  # a problem, or None


class InteractiveApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "botcoach interactive"
    BINDINGS = [
        Binding("ctrl+c", "menu", "Menu", priority=True, id="botcoach.menu"),
        Binding("ctrl+q", "menu", "Menu", show=False, priority=True, id="botcoach.quit_menu"),
        Binding("ctrl+z", "undo", "Undo", priority=True, id="botcoach.undo"),
        Binding("ctrl+e", "export", "Export", priority=True, id="botcoach.export"),
        Binding("ctrl+f", "fork", "Fork", priority=True, id="botcoach.fork"),
        Binding("ctrl+n", "start_fresh", "Fresh", priority=True, id="botcoach.start_fresh"),
        Binding("f1", "help", "Help", id="botcoach.help"),
    ]

    def __init__(self, startup: Startup) -> None:
        super().__init__()
        self.startup = startup
        self.session: Session | None = None
        self.busy = False
        self.queued_text: str | None = None
        self.export_paths = startup.export_paths
        self.messages: list[str] = []  # every notification, for tests and the help screen

    # -- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="main"):
            with Horizontal(id="top"):
                yield HistoryTable(id="history")
                with Vertical(id="side"):
                    yield SlotsPanel(id="slots")
                    yield RankedList("Actions", id="ranked")
            yield QuestionBar(id="question-bar")
            yield StatusLine(id="status")
        yield TooSmallNotice(id="too-small")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StatusLine).show(data=self.startup.data_label)
        self.query_one(QuestionBar).user_input.focus()
        self._fit(self.size.width, self.size.height)
        self.load_session()

    def on_resize(self, event) -> None:
        self._fit(event.size.width, event.size.height)

    def _fit(self, width: int, height: int) -> None:
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.query_one("#main").display = not small
        self.query_one(TooSmallNotice).display = small

    def notify_problem(self, text: str, severity: str = "error") -> None:
        self.messages.append(text)
        self.notify(text, severity=severity, timeout=8, markup=False)  # type: ignore[arg-type]

    # -- workers --------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="load", name="load")
    def load_session(self) -> Session:
        session = self.startup.load_session()
        problem = self.startup.check_action_server(session)
        self.call_from_thread(self._loaded, session, problem)
        return session

    def _loaded(self, session: Session, action_server_problem: str | None) -> None:
        self.session = session
        status = self.query_one(StatusLine)
        endpoint = session.agent.registry.action_endpoint
        if action_server_problem:
            status.show(action_server=f"action server: unreachable ({endpoint.url if endpoint else 'none'})",
                        action_server_ok=False)
            self.notify_problem(action_server_problem, "warning")
        else:
            status.show(action_server=f"action server: {'up' if endpoint else 'none configured'}",
                        action_server_ok=True if endpoint else None)
        status.show(model=session.model_label or "loaded")
        self.show_question(session.question)
        if self.queued_text is not None:
            text, self.queued_text = self.queued_text, None
            self.run_step("submit", lambda: session.submit(text))

    @work(thread=True, exclusive=True, exit_on_error=False, group="step")
    def run_step(self, label: str, step: Callable[[], Question]) -> Question:
        return step()

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
        if worker.group == "load" and event.state == WorkerState.ERROR:
            self.query_one(StatusLine).show(model="not loaded")
            self.query_one(QuestionBar).ask(USER_INPUT, f"The model could not be loaded: {worker.error}",
                                            "Ctrl-C for the menu")
            self.notify_problem(str(worker.error))
            return
        if worker.group != "step" or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        self.busy = False
        if event.state == WorkerState.SUCCESS:
            self.show_question(worker.result)
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

    # -- showing the session --------------------------------------------------------------------

    def show_question(self, question: Question) -> None:
        session = self.session
        if session is None:
            return
        self.query_one(HistoryTable).show(session.tracker)
        self.query_one(SlotsPanel).show(session.tracker)
        self.query_one(StatusLine).show(unsaved=session.unsaved)
        ranked = self.query_one(RankedList)
        if question.kind == ACTION and question.prediction is not None:
            entries = [Entry(f"action:{name}", f"{p:.2f}  {name}") for name, p in question.prediction.ranking]
            known = {name for name, _ in question.prediction.ranking}
            entries += [Entry(f"action:{name}", f"0.00  {name}") for name in session.action_names() if name not in known]
            entries.append(Entry(f"action:{NEW_ACTION}", "<create new action>", always=True))
            ranked.set_entries(entries, "Actions")
        elif question.kind == USER_INPUT:
            buttons = session.latest_buttons()
            ranked.set_entries([Entry(f"button:{b['payload']}", f"[{b.get('title') or b['payload']}] {b['payload']}")
                                for b in buttons], "Buttons" if buttons else "")
        else:
            ranked.set_entries([], "")
        self.query_one(QuestionBar).ask(question.kind, question.text, question.keys)
        if question.warning:
            warning, question.warning = question.warning, None
            self.messages.append(warning)
            self.push_screen(MessageScreen("Careful", warning))
        self.refresh_bindings()

    # -- answering ------------------------------------------------------------------------------

    @on(QuestionBar.UserText)
    def _user_text(self, event: QuestionBar.UserText) -> None:
        if self.session is None:
            self.queued_text = event.text
            self.notify("The model is still loading; your message is sent when it is ready.", timeout=4)
            return
        self.step("submit", lambda s: s.submit(event.text))

    @on(QuestionBar.Answered)
    def _answered(self, event: QuestionBar.Answered) -> None:
        session = self.session
        if session is None or self.busy:
            return
        question = session.question
        if question.kind == NLU:
            self._answer_nlu(session, question, event.answer)
        elif question.kind == ACTION:
            if event.answer == "yes" and question.prediction is not None:
                self.run_bot_action(question.prediction.action)
            elif event.answer == "no":
                self.query_one(RankedList).focus_filter()
            elif event.answer == "new_action":
                self._new_action()
        elif question.kind == VALIDATE:
            self.step(f"action:{question.action}", lambda s: s.answer_validation(event.answer == "yes"))

    def _answer_nlu(self, session: Session, question: Question, answer: str) -> None:
        parse = question.parse or {}
        if answer == "yes":
            self.step("confirm", lambda s: s.confirm_parse(parse))
        elif answer == "no":
            self.push_screen(PickIntentScreen(parse.get("text") or "", session.intent_names(), parse),
                             self._intent_picked)
        elif answer == "entities":
            self._edit_entities(parse)

    def _intent_picked(self, intent: str | None) -> None:
        session = self.session
        if intent is None or session is None:
            return
        if intent == NEW_INTENT:
            self.push_screen(TextPromptScreen("Name of the new intent:", validate=_intent_name_problem),
                             self._new_intent)
            return
        parse = session.correct_parse(intent=intent)
        self.step("confirm", lambda s: s.confirm_parse(parse))

    def _new_intent(self, name: str | None) -> None:
        session = self.session
        if not name or session is None:
            return
        session.add_intent(name)
        self._intent_picked(name.strip())

    def _edit_entities(self, parse: dict) -> None:
        session = self.session
        assert session is not None
        text = parse.get("text") or ""

        def problem(markup: str) -> str | None:
            try:
                session.entities_from_markup(markup, text)
            except BotcoachError as error:
                return str(error)
            return None

        def done(markup: str | None) -> None:
            if markup is not None:
                corrected = session.correct_parse(markup=markup)
                self.step("confirm", lambda s: s.confirm_parse(corrected))

        self.push_screen(TextPromptScreen("Entities in markup, e.g. [Berlin](city):",
                                          to_markup(text, parse.get("entities") or []), problem), done)

    @on(RankedList.Chosen, "#ranked")
    def _ranked_chosen(self, event: RankedList.Chosen) -> None:
        kind, _, value = event.entry_id.partition(":")
        if kind == "button":
            self.step("submit", lambda s: s.submit(value))
        elif kind == "action" and value == NEW_ACTION:
            self._new_action()
        elif kind == "action":
            self.run_bot_action(value)

    def run_bot_action(self, name: str) -> None:
        if self.session is None or self.session.question.kind != ACTION:
            return
        self.step(f"action:{name}", lambda s: s.run_action(name))

    def _new_action(self) -> None:
        session = self.session
        if session is None:
            return

        def problem(name: str, text: str) -> str | None:
            if not name.isidentifier():
                return f"'{name}' cannot be an action name (letters, digits and _ only)"
            if name.startswith("utter_") and not text:
                return f"'{name}' needs the text the bot says"
            return None

        def done(result: tuple[str, str] | None) -> None:
            if result is not None:
                session.add_action(*result)
                self.run_bot_action(result[0])

        self.push_screen(NewActionScreen(problem), done)

    def _action_failed(self, action: str, error: ActionServerError) -> None:
        self.messages.append(str(error))

        def chosen(choice: str | None) -> None:
            if choice == "retry":
                self.run_bot_action(action)
            elif choice == "continue":
                self.step(f"skip:{action}", lambda s: s.log_without_effect(action))
            else:
                self.query_one(RankedList).focus_filter()

        self.push_screen(ActionErrorScreen(action, str(error)), chosen)

    # -- hotkeys --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        session = self.session
        if action in ("undo", "export", "fork", "start_fresh") and (session is None or self.busy):
            return False
        if action == "undo":
            return session.can_undo()  # type: ignore[union-attr]
        if action == "fork":
            return bool(session.user_messages())  # type: ignore[union-attr]
        return True

    def action_undo(self) -> None:
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
        self.push_screen(HelpScreen())

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
            self.exit(0)

    def action_export(self, quit_after: bool = False, error: str = "") -> None:
        session = self.session
        if session is None:
            return
        summary = f"{len(session.exportable())} conversation(s), {len(session.teachings.examples)} NLU example(s)"

        def chosen(paths: ExportPaths | None) -> None:
            if paths is None:
                return
            self.export_paths = paths
            try:
                written = export_session(session, paths)
            except BotcoachError as problem:
                kind = "cannot write" if isinstance(problem, ExportError) else "cannot export"
                self.notify_problem(f"Export failed ({kind}): {problem}")
                self.action_export(quit_after, str(problem))
                return
            self.notify_problem("Exported: " + ("; ".join(written) or "nothing new to write"), "information")
            self.query_one(StatusLine).show(unsaved=session.unsaved)
            if quit_after:
                self.exit(0)

        self.push_screen(ExportPathsScreen(self.export_paths, error, summary), chosen)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Undo", "Take back the last step", self.action_undo)
        yield SystemCommand("Export", "Write stories, NLU and domain changes", self.action_export)
        yield SystemCommand("Fork", "Branch off before an earlier user message", self.action_fork)
        yield SystemCommand("Start fresh", "A new conversation (the others are kept)", self.action_start_fresh)
        yield SystemCommand("Help", "Keys and questions", self.action_help)


def _intent_name_problem(name: str) -> str | None:
    name = name.strip()
    if not name:
        return "type a name"
    if not all(c.isalnum() or c in "_-" for c in name):
        return f"'{name}' cannot be an intent name (letters, digits, _ and - only)"
    return None


def project_label(data: list[str | Path]) -> str:
    return ", ".join(str(p) for p in data)
