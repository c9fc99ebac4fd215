"""How the app ends: export (the paths asked, written in a worker, a failure asked again with the
error beside the field), quit with unexported teaching only after the person chose what becomes of
it, and the lines said on leaving. A mixin of InteractiveApp, kept apart so that each file stays
about one thing."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import work
from textual.worker import Worker, WorkerState

from core.errors import BotcoachError
from core.interactive.export import ExportPaths, ExportPlan, taught
from core.interactive.learning import OnlineLearning
from core.interactive.session import Session
from tui.app_mixin import AppMixin
from tui.screens.export_paths import ExportPathsScreen
from tui.screens.pick import PickScreen
from tui.widgets.ranked_list import Entry
from tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from tui.app_startup import Startup
    from tui.graph_feed import GraphFeed


class LeavingMixin(AppMixin):
    """Export and quit, for InteractiveApp."""

    if TYPE_CHECKING:  # what InteractiveApp provides
        startup: Startup
        session: Session | None
        learning: OnlineLearning | None
        busy: bool
        export_paths: ExportPaths
        exported: list[str]
        graph_feed: GraphFeed

        def notify_problem(self, text: str, severity: str = "error") -> None: ...

        def show_saved_state(self, session: Session) -> None: ...

        def redraw_graph(self) -> object: ...  # a @work method: it returns its Worker

        def _report_progress(self, line: str) -> None: ...

    def _leaving_lines(self, session: Session) -> list[str]:
        lines = [f"Exported: {line}" for line in self.exported] or ["Nothing was exported."]
        if session.unsaved and not session.state.discarded:
            lines.append(
                f"Unexported teaching is kept in the session journal: `botcoach interactive --resume {session.id}` "
                "brings it back (`botcoach sessions` lists sessions)."
            )
        return lines

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
