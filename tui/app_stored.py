"""Teaching from what a deployed bot stored: the store configured (endpoints.yml `tracker_store:`,
--store or --trackers) is read in a worker, the person picks a conversation, and it is replayed in
the session as `--from-store` does. A store that cannot be read (unreachable, a wrong password, a
table that is not Rasa's, an event row Rasa would not write) is a notice; the app goes on.

A mixin of InteractiveApp, kept apart so that each file stays about one thing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work

from core.errors import BotcoachError
from core.interactive.questions import Question
from core.interactive.replay import stored_conversation
from core.interactive.session import Session
from core.tracker_store import ConversationSummary, TrackerSource
from core.tracker_store.listing import ordered
from tui.app_mixin import AppMixin
from tui.screens.store_picker import StorePickerScreen

if TYPE_CHECKING:
    from tui.app_startup import Startup


class StoredConversationsMixin(AppMixin):
    """The stored-conversation picker of InteractiveApp."""

    if TYPE_CHECKING:  # what InteractiveApp provides
        startup: Startup
        session: Session | None
        busy: bool

        def notify_problem(self, text: str, severity: str = "error") -> None: ...

        def step(self, label: str, step: Callable[[Session], Question]) -> None: ...

        def key_display(self, binding_id: str) -> str: ...

    def action_open_stored(self) -> None:
        opener = self.startup.open_store
        if opener is None:  # the key and the menu entry are hidden then
            return
        self.notify("reading the tracker store…", timeout=3)
        self.read_store(opener)

    @work(thread=True, exclusive=True, exit_on_error=False, group="store")
    def read_store(self, opener: Callable[[], TrackerSource]) -> None:
        """Open the store and list its conversations, off the UI thread (a server may be slow)."""
        try:
            source = opener()
            summaries = ordered(source.summaries(), "suspicious")
        except BotcoachError as error:
            self.call_from_thread(self.notify_problem, f"the tracker store cannot be read: {error}")
            return
        except Exception as error:  # noqa: BLE001 - a driver's own failure: a notice, the app goes on
            self.call_from_thread(
                self.notify_problem, f"the tracker store cannot be read: {type(error).__name__}: {error}"
            )
            return
        if not summaries:
            self.call_from_thread(self.notify_problem, f"no stored conversations in {source.describe()}", "warning")
            return
        self.call_from_thread(self._pick_stored, source, summaries)

    def _pick_stored(self, source: TrackerSource, summaries: list[ConversationSummary]) -> None:
        def chosen(sender: str | None) -> None:
            if sender is not None:
                self.open_stored(source, sender)

        self.push_screen(StorePickerScreen(source.describe(), summaries, self.key_display("store.mark")), chosen)

    def open_stored(self, source: TrackerSource, sender: str) -> None:
        """Replay `sender`'s conversation as a new conversation of the session; reading it (a bad
        event row is an error naming the row) runs in the step's worker."""

        def replay(session: Session) -> Question:
            return session.replay_stored(stored_conversation(source.tracker(sender), source.describe()))

        self.step("replay", replay)
