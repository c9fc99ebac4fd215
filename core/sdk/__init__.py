"""botcoach's SDK for custom actions, call-compatible with rasa_sdk: porting an action means
changing `rasa_sdk` to `core.sdk` in its imports.

    from core.sdk import Action, Tracker
    from core.sdk.executor import CollectingDispatcher
    from core.sdk.events import SlotSet
    from core.sdk.forms import FormValidationAction
"""

from .forms import FormAction, FormValidationAction, ValidationAction
from .interfaces import Action, ActionExecutionRejection, ActionNotFoundException, Tracker

__all__ = [
    "Action",
    "ActionExecutionRejection",
    "ActionNotFoundException",
    "FormAction",
    "FormValidationAction",
    "Tracker",
    "ValidationAction",
]
