"""What a teaching session asks the person, one question at a time."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from core.nlu.parse import Parse
from core.prediction import Prediction


class QuestionKind(Enum):
    USER_INPUT = "user_input"  # what does the user say next?
    NLU = "nlu"  # is this what the message means?
    ACTION = "action"  # is this what the bot does next?
    VALIDATE = "validate"  # should the form validate this input?


@dataclass
class Question:
    """The question and what it is about: `parse` for NLU, `prediction` for an action (also kept
    while the form validation question is asked about `action` and `slot`). `warning` is a
    contradiction to acknowledge before going on. Which keys answer is the app's business."""

    kind: QuestionKind
    text: str
    parse: Parse | None = None
    prediction: Prediction | None = None
    action: str | None = None
    slot: str | None = None
    warning: str | None = None
    disagreement: str | None = None  # replaying a stored conversation: where the model now differs


NEXT_USER_INPUT = "Next user input"


def user_input() -> Question:
    return Question(QuestionKind.USER_INPUT, NEXT_USER_INPUT)
