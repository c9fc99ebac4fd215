"""How the app turns answers into session steps: the NLU question (confirm, pick or create an
intent, fix entities), the action question (confirm, pick, create), the form validation
question, a bot button chosen as the user's input, and a failed custom action.

A mixin of InteractiveApp, kept apart so that each file stays about one thing; it relies on the
app's `session`, `busy`, `step` and `run_bot_action`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from core.errors import ActionServerError, BotcoachError
from core.interactive.questions import Question, QuestionKind
from core.interactive.session import Session
from core.nlu.parse import Parse
from core.runtime.action_server_check import remote_actions
from core.training_data.markup import to_markup
from tui.action_entries import NEW_ACTION
from tui.app_mixin import AppMixin
from tui.screens.action_error import ActionErrorScreen
from tui.screens.new_action import NewActionScreen
from tui.screens.pick_intent import NEW_INTENT, PickIntentScreen
from tui.screens.text_prompt import TextPromptScreen
from tui.widgets.question_bar import QuestionBar
from tui.widgets.ranked_list import RankedList
from tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from tui.app_startup import Startup


class AnswersMixin(AppMixin):
    """Answer handlers of InteractiveApp."""

    if TYPE_CHECKING:  # what InteractiveApp provides
        session: Session | None
        busy: bool
        queued_text: str | None
        messages: list[str]

        def step(self, label: str, step: Callable[[Session], Question]) -> None: ...

        def run_bot_action(self, name: str) -> None: ...

        startup: Startup

    # Handlers are found by name (on_<widget>_<message>): Textual's @on works only on its own classes.

    def on_question_bar_user_text(self, event: QuestionBar.UserText) -> None:
        if self.session is None:
            self.queued_text = event.text
            self.notify("The model is still loading; your message is sent when it is ready.", timeout=4)
            return
        self.step("submit", lambda s: s.submit(event.text))

    def action_answer(self, answer: str) -> None:
        """y / n / e / a / Enter at the question bar (its priority bindings; see QuestionBar)."""
        session = self.session
        if session is None or self.busy:
            return
        question = session.question
        if question.kind == QuestionKind.NLU:
            self._answer_nlu(session, question, answer)
        elif question.kind == QuestionKind.ACTION:
            if answer == "yes" and question.prediction is not None:
                self.run_bot_action(question.prediction.action)
            elif answer == "no":
                self.query_one(RankedList).focus_filter()
            elif answer == "new_action":
                self._new_action()
        elif question.kind == QuestionKind.VALIDATE:
            self.step(f"action:{question.action}", lambda s: s.answer_validation(answer == "yes"))

    def _answer_nlu(self, session: Session, question: Question, answer: str) -> None:
        parse = question.parse or {}
        if answer == "yes":
            self.step("confirm", lambda s: s.confirm_parse(parse))
        elif answer == "no":
            picker = PickIntentScreen(parse.get("text") or "", session.intent_names(), parse)
            self.push_screen(picker, lambda intent: self._intent_picked(intent, picker.filter_text))
        elif answer == "entities":
            self._edit_entities(parse)

    def _intent_picked(self, intent: str | None, typed: str = "") -> None:
        """`typed`: the picker's filter text, the name's first draft when the intent is new."""
        session = self.session
        if intent is None or session is None:
            return
        if intent == NEW_INTENT:
            self.push_screen(
                TextPromptScreen("Name of the new intent:", typed.strip(), validate=intent_name_problem),
                self._new_intent,
            )
            return
        parse = session.correct_parse(intent=intent)
        self.step("confirm", lambda s: s.confirm_parse(parse))

    def _new_intent(self, name: str | None) -> None:
        session = self.session
        if not name or session is None:
            return
        intent = name.strip()

        def teach(s: Session) -> Question:
            s.add_intent(intent)
            return s.confirm_parse(s.correct_parse(intent=intent))

        self.step("confirm", teach)

    def _edit_entities(self, parse: Parse) -> None:
        session = self.session
        assert session is not None
        text = parse.get("text") or ""

        def done(markup: str | None) -> None:
            if markup is not None:
                corrected = session.correct_parse(markup=markup)
                self.step("confirm", lambda s: s.confirm_parse(corrected))

        title = "Entities in markup, e.g. [Berlin](city):"
        self.push_screen(entity_prompt(session, title, text, parse.get("entities") or []), done)

    def on_ranked_list_chosen(self, event: RankedList.Chosen) -> None:
        if event.ranked.id != "ranked":  # a picker's list: its screen handles it
            return
        kind, _, value = event.entry_id.partition(":")
        if kind == "button":
            if self.session is not None and self.session.question.kind == QuestionKind.USER_INPUT:
                self.step("submit", lambda s: s.submit(value))
        elif kind == "action" and value == NEW_ACTION:
            self._new_action()
        elif kind == "action":
            self.run_bot_action(value)

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
            if result is None or session.question.kind != QuestionKind.ACTION:
                return
            name, text = result

            def teach(s: Session) -> Question:
                s.add_action(name, text)
                return s.run_action(name)

            self.step(f"action:{name}", teach)

        self.push_screen(NewActionScreen(problem), done)

    def _action_failed(self, action: str, error: ActionServerError) -> None:
        self.messages.append(str(error))
        self.query_one(StatusLine).show(action_server=f"action server: failed on '{action}'", action_server_ok=False)

        def chosen(choice: str | None) -> None:
            if choice == "retry":
                self.retry_action(action)
            elif choice == "continue":
                self.step(f"skip:{action}", lambda s: s.log_without_effect(action))
            else:
                self.query_one(RankedList).focus_filter()

        self.push_screen(ActionErrorScreen(action, str(error)), chosen)

    def retry_action(self, action: str) -> None:
        """Run the failed action again, with endpoints.yml read again first: the person may
        have fixed the URL there."""
        reload = self.startup.reload_endpoints

        def again(s: Session) -> Question:
            if reload is not None:
                reload(s)
            return s.run_action(action)

        self.step(f"action:{action}", again)

    def action_ran(self, action: str) -> None:
        """A custom action the action server answered: the status line says it is up again."""
        session = self.session
        if session is not None and action in remote_actions(session.domain):
            self.query_one(StatusLine).show(action_server="action server: up", action_server_ok=True)


def entity_prompt(session: Session, title: str, text: str, entities: list) -> TextPromptScreen:
    """The entity editor: `text` in markup with `entities`, refusing markup that does not fit it."""

    def problem(markup: str) -> str | None:
        try:
            session.entities_from_markup(markup, text)
        except BotcoachError as error:
            return str(error)
        return None

    return TextPromptScreen(title, to_markup(text, entities), problem)


def intent_name_problem(name: str) -> str | None:
    name = name.strip()
    if not name:
        return "type a name"
    if not all(c.isalnum() or c in "_-" for c in name):
        return f"'{name}' cannot be an intent name (letters, digits, _ and - only)"
    return None
