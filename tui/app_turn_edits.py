"""Fixing any past turn from the history table: the person moves to a row and presses its key; a
user row asks for the intent (the intent picker) and the entities (the markup editor), a bot row
for the action to run instead. The session reverts to before that step, applies the change and
replays the rest, asking again where the model's new predictions differ; undo takes it back.

A mixin of InteractiveApp, kept apart so that each file stays about one thing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from core.interactive.questions import Question
from core.interactive.session import Session
from core.nlu.intent_message import is_intent_message
from core.nlu.parse import Parse
from tui.app_answers import entity_prompt, intent_name_problem
from tui.app_mixin import AppMixin
from tui.screens.pick import PickScreen
from tui.screens.pick_intent import NEW_INTENT, PickIntentScreen
from tui.screens.text_prompt import TextPromptScreen
from tui.widgets.history_table import HistoryTable
from tui.widgets.question_bar import QuestionBar
from tui.widgets.ranked_list import Entry


class TurnEditsMixin(AppMixin):
    """The history table's "fix this turn" for InteractiveApp."""

    if TYPE_CHECKING:  # what InteractiveApp provides
        session: Session | None
        busy: bool

        def notify_problem(self, text: str, severity: str = "error") -> None: ...

        def step(self, label: str, step: Callable[[Session], Question]) -> None: ...

        def action_toggle_graph(self) -> None: ...

    def action_fix_turn(self) -> None:
        """Into the history table: the arrows pick a row, its key fixes that turn."""
        table = self.query_one(HistoryTable)
        if not table.row_count:
            self.notify_problem("no turn to fix yet", "warning")
            return
        if not table.display:  # a narrow screen shows the graph pane in its place
            self.action_toggle_graph()
        table.focus()

    def on_history_table_back(self, event: HistoryTable.Back) -> None:
        self.query_one(QuestionBar).take_focus()

    def on_history_table_fix_turn(self, event: HistoryTable.FixTurn) -> None:
        session = self.session
        if session is None or self.busy:
            self.bell()
            return
        target = event.target
        if target.user_turn is not None:
            self._fix_user_turn(session, target.user_turn)
        elif len(target.actions) == 1:
            self._fix_action(session, *target.actions[0])
        elif target.actions:
            entries = [Entry(str(position), name) for position, name in target.actions]

            def which(position: str | None) -> None:
                if position is not None:
                    self._fix_action(session, int(position), dict(target.actions)[int(position)])

            self.push_screen(PickScreen("Which action of this turn should change?", entries), which)
        else:
            self.notify_problem("this row has no user message or bot action to change", "warning")

    def _fix_user_turn(self, session: Session, turn: int) -> None:
        message = session.tracker.user_turns()[turn - 1][1]
        text = message.text or f"/{message.intent_name}"
        parse: Parse = {**message.parse_data, "text": text, "intent": message.intent}  # type: ignore[typeddict-item]
        parse["entities"] = message.entities  # type: ignore[typeddict-item]

        def picked(intent: str | None) -> None:
            if intent == NEW_INTENT:
                prompt = TextPromptScreen("Name of the new intent:", validate=intent_name_problem)
                self.push_screen(prompt, lambda name: entities(name, True))
            elif intent is not None:
                entities(intent, False)

        def entities(intent: str | None, new: bool) -> None:
            if not intent or not intent.strip():
                return
            if is_intent_message(text) or not message.text:  # `/intent{..}` states its own entities
                self._edit_user_turn(turn, intent.strip(), None, new)
                return

            def done(markup: str | None) -> None:
                if markup is not None:  # Escape in the entity editor: nothing changes
                    self._edit_user_turn(turn, intent.strip(), markup, new)

            title = f"Entities of '{text}' in markup, e.g. [Berlin](city):"
            self.push_screen(entity_prompt(session, title, text, message.entities), done)

        screen = PickIntentScreen(text, session.intent_names(), parse)
        screen.title_text = f"Fix turn {turn}: what is the intent of '{text}'?"
        self.push_screen(screen, picked)

    def _edit_user_turn(self, turn: int, intent: str, markup: str | None, new: bool) -> None:
        def edit(s: Session) -> Question:
            if new:
                s.add_intent(intent)
            return s.edit_turn(turn, intent=intent, markup=markup)

        self.step("edit", edit)

    def _fix_action(self, session: Session, position: int, name: str) -> None:
        names = [name, *(other for other in session.action_names() if other != name)]
        entries = [Entry(other, other) for other in names]

        def picked(action: str | None) -> None:
            if action is not None and action != name:
                self.step(f"edit-action:{action}", lambda s: s.edit_action(position, action))

        self.push_screen(PickScreen(f"Instead of '{name}', the bot runs:", entries), picked)
